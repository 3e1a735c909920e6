import { describe, expect, it } from "vitest";
import { otherOwner, type Claimant } from "../../../../src/controllers/serviceaccount/ownership.js";
import { unleashTarget } from "../../../../src/unleash/target.js";

const claimant = (key: string, overrides: Partial<Claimant> = {}): Claimant => ({
  key,
  uid: `uid-${key}`,
  username: "shared-bot",
  accountId: undefined,
  creationTimestamp: "2026-12-01T10:00:00Z",
  ...overrides,
});

describe("otherOwner: one owner per Unleash account", () => {
  const pa = claimant("pa/shared-bot", { accountId: 2 });
  const pb = claimant("pb/shared-bot", { creationTimestamp: "2026-12-01T11:00:00Z" });

  it("names the resource that recorded the account", () => {
    expect(otherOwner(pb, [pa, pb], { id: 2, username: "shared-bot" })?.key).toBe("pa/shared-bot");
  });

  it("lets the resource that recorded the account keep it", () => {
    expect(otherOwner(pa, [pa, pb], { id: 2, username: "shared-bot" })).toBeUndefined();
  });

  it("gives an account both resources recorded (adopted twice before this rule) to the senior one only", () => {
    const both = claimant("pb/shared-bot", { accountId: 2, creationTimestamp: "2026-12-01T11:00:00Z" });
    expect(otherOwner(pa, [pa, both], { id: 2, username: "shared-bot" })).toBeUndefined();
    expect(otherOwner(both, [pa, both], { id: 2, username: "shared-bot" })?.key).toBe("pa/shared-bot");
  });

  it("lets only the oldest of several resources declaring a new username create it", () => {
    const older = claimant("a/bot", { creationTimestamp: "2026-12-01T09:00:00Z" });
    const newer = claimant("b/bot");
    expect(otherOwner(older, [older, newer], { username: "shared-bot" })).toBeUndefined();
    expect(otherOwner(newer, [older, newer], { username: "shared-bot" })?.key).toBe("a/bot");
  });

  it("breaks a tie of creation times by namespace/name", () => {
    const a = claimant("a/bot");
    const b = claimant("b/bot");
    expect(otherOwner(a, [a, b], { username: "shared-bot" })).toBeUndefined();
    expect(otherOwner(b, [a, b], { username: "shared-bot" })?.key).toBe("a/bot");
  });

  it("does not count a resource that holds another account as a rival for the username", () => {
    const holder = claimant("a/bot", { accountId: 7, creationTimestamp: "2026-12-01T09:00:00Z" });
    const newcomer = claimant("b/bot");
    expect(otherOwner(newcomer, [holder, newcomer], { id: 9, username: "shared-bot" })).toBeUndefined();
  });

  it("keeps a username for the resource that recorded an account of that name, even while the account is missing", () => {
    const holder = claimant("a/bot", { accountId: 7, creationTimestamp: "2026-12-01T12:00:00Z" });
    const newcomer = claimant("b/bot", { creationTimestamp: "2026-12-01T09:00:00Z" });
    expect(otherOwner(newcomer, [holder, newcomer], { username: "shared-bot" })?.key).toBe("a/bot");
  });

  it("ignores resources declaring other usernames", () => {
    const other = claimant("a/other", { username: "other", creationTimestamp: "2026-01-01T00:00:00Z" });
    expect(otherOwner(pb, [other, pb], { username: "shared-bot" })).toBeUndefined();
  });
});

describe("unleashTarget", () => {
  it.each([
    ["https://Unleash.example.com/", "https://unleash.example.com"],
    ["https://unleash.example.com:443", "https://unleash.example.com"],
    ["https://example.com/unleash/", "https://example.com/unleash"],
    ["http://127.0.0.1:4242", "http://127.0.0.1:4242"],
  ])("reads %s as %s", (url, target) => {
    expect(unleashTarget(url)).toBe(target);
  });
});
