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
  it("records the issue time, and the last use a day at a time, so that use costs at most one status write a day", async () => {
    const world = setup();
    await world.converge();
    const issuedAt = world.clock.now();
    expect(world.kube.tokens.get("team-a/app-token")?.status.issuedAt).toBe(issuedAt.toISOString());
    const lastSeen = () => world.kube.tokens.get("team-a/app-token")?.status.lastSeenAt;

    // Used at once: no news worth a write yet.
    useToken(world, new Date(issuedAt.getTime() + 60_000));
    world.resetWrites();
    await world.reconcileToken("app-token");
    expect(world.writes.status).toEqual([]);
    expect(lastSeen()).toBeUndefined();

    const dayLater = new Date(issuedAt.getTime() + 25 * 3_600_000);
    world.clock.ms = dayLater.getTime();
    useToken(world, dayLater);
    await world.reconcileToken("app-token");
    expect(lastSeen()).toBe(dayLater.toISOString());

    useToken(world, new Date(dayLater.getTime() + 2 * 3_600_000));
    world.resetWrites();
    await world.reconcileToken("app-token");
    expect(world.writes.status).toEqual([]);
    expect(lastSeen()).toBe(dayLater.toISOString());
  });
});
