// Least privilege on the real open-source Unleash server, through the operator: an account with root
// Viewer and the project role Member on "default" (declared in spec.projects) creates a feature flag in
// "default" with the token from its Secret, and the event log names it; once the project is taken off
// the list, the same token is refused. The open-source server evaluates project roles in its permission
// check (role_user rows per project), so this is Unleash's own verdict, not the operator's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFeatureFlag, featureCreatedEvent } from "../../demo/unleash-api.js";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { tokenOf } from "../support/world.js";
import { createRealWorld, type RealWorld } from "./real-world.js";

describe("least privilege on the real Unleash server", () => {
  let world: RealWorld;
  let token: string;
  const viewer = (projects: string) => serviceAccountYaml("flag-writer", `rootRole: Viewer\n${projects}`);

  beforeAll(async () => {
    world = await createRealWorld("least-privilege", { resyncPeriod: "3s" });
    await world.apply(documents(viewer("projects: [{project: default, roles: [Member]}]"), tokenYaml("flag-writer-token", "flag-writer")));
    await world.waitForCondition("ServiceAccount", "flag-writer", "Ready", "True");
    await world.waitForCondition("ServiceAccountToken", "flag-writer-token", "Ready", "True");
    token = tokenOf(await world.secret("flag-writer-token"));
  });
  afterAll(() => world?.close());

  it("creates a flag in its project with root Viewer plus Member, and the event log names the account", async () => {
    expect((await world.get("ServiceAccount", "flag-writer"))?.status?.projects).toEqual([{ project: "default", roles: ["Member"] }]);
    const created = await createFeatureFlag(world.unleash.url, token, "made-by-a-viewer");
    expect(created.status).toBe(201);
    expect((await featureCreatedEvent(world.unleash.url, world.unleash.adminToken, "made-by-a-viewer"))?.createdBy).toBe("flag-writer");
  });

  it("is refused the same change once its project access is taken off the list", async () => {
    await world.apply(viewer("projects: []"));
    await eventually(async () => expect((await createFeatureFlag(world.unleash.url, token, `refused-${Date.now()}`)).status).toBe(403), { timeoutMs: 30_000 });
    // Status is written after the access is removed in Unleash, so it may trail the 403 by a moment.
    await eventually(async () => expect((await world.get("ServiceAccount", "flag-writer"))?.status?.projects).toEqual([]), { timeoutMs: 10_000 });
  });
});
