// When a token was issued and last used, as status shows it: for finding tokens nobody uses.
import { describe, expect, it } from "vitest";
import { fakeWorld } from "../fakes.js";

function setup() {
  const world = fakeWorld();
  world.kube.add("ServiceAccount", "app", { connectionRef: { kind: "UnleashConnection", name: "unleash" }, rootRole: "Viewer" });
  world.kube.add("ServiceAccountToken", "app-token", { serviceAccountRef: { name: "app" } });
  return world;
}

function useToken(world: ReturnType<typeof fakeWorld>, at: Date): void {
  for (const account of world.unleash.accounts.values()) for (const token of account.tokens) token.seenAt = at.toISOString();
  world.connection.snapshots.invalidate();
}

describe("token usage in status", () => {
  it("records the issue time, and the last use in steps of an hour so that use does not cost a status write per resync", async () => {
    const world = setup();
    await world.converge();
    const issued = world.kube.tokens.get("team-a/app-token")?.status;
    expect(issued?.issuedAt).toBe(world.clock.now().toISOString());
    expect(issued?.lastSeenAt).toBeUndefined();

    const firstUse = new Date(world.clock.ms + 60_000);
    useToken(world, firstUse);
    await world.reconcileToken("app-token");
    expect(world.kube.tokens.get("team-a/app-token")?.status.lastSeenAt).toBe(firstUse.toISOString());

    useToken(world, new Date(firstUse.getTime() + 30 * 60_000));
    world.resetWrites();
    await world.reconcileToken("app-token");
    expect(world.writes.status).toEqual([]);

    const later = new Date(firstUse.getTime() + 2 * 3_600_000);
    useToken(world, later);
    await world.reconcileToken("app-token");
    expect(world.kube.tokens.get("team-a/app-token")?.status.lastSeenAt).toBe(later.toISOString());
  });
});
