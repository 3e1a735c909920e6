// A connection's project-access policy: which namespace may ask for which project role.
import { describe, expect, it } from "vitest";
import { projectPolicy } from "../../../../src/controllers/connection/project-policy.js";

const rules = [
  { namespaces: { names: ["team-a"] }, projects: ["team-a-flags"], roles: ["*"] },
  { namespaces: { selector: { matchLabels: { tier: "shared" } } }, projects: ["*"], roles: ["Member"] },
  { projects: ["default"], roles: ["Member"] },
];

describe("project-access policy", () => {
  it("admits a role only where one rule admits the namespace, the project and the role", () => {
    const teamA = projectPolicy(rules, false, "team-a", {});
    expect(teamA("team-a-flags", "Owner")).toBe(true);
    expect(teamA("team-b-flags", "Member")).toBe(false);
    expect(teamA("default", "Member")).toBe(true);
    expect(teamA("default", "Owner")).toBe(false);
    const shared = projectPolicy(rules, false, "team-b", { tier: "shared" });
    expect(shared("team-b-flags", "Member")).toBe(true);
    expect(shared("team-a-flags", "Owner")).toBe(false);
  });

  it("admits nothing when unset on a cluster connection, and everything when unset on a namespaced one", () => {
    expect(projectPolicy(undefined, false, "team-a", {})("default", "Member")).toBe(false);
    expect(projectPolicy(undefined, true, "team-a", undefined)("any", "Owner")).toBe(true);
    expect(projectPolicy([], true, "team-a", undefined)("any", "Owner")).toBe(false);
  });
});
