// The ServiceAccountToken reconciler's decisions, against in-memory fakes of Kubernetes and Unleash.
import { describe, expect, it } from "vitest";
import { fakeWorld, readyOf, uidOf, type FakeWorld } from "../fakes.js";

const ACCOUNT = { connectionRef: { kind: "UnleashConnection", name: "unleash" }, rootRole: "Editor" };

async function withAccount(): Promise<FakeWorld> {
  const world = fakeWorld();
  world.kube.add("ServiceAccount", "app", ACCOUNT);
  await world.reconcileAccount("app");
  return world;
}

const token = (world: FakeWorld, name = "t") => world.kube.tokens.get(`team-a/${name}`);
const liveTokens = (world: FakeWorld) => [...world.unleash.accounts.values()].flatMap((a) => a.tokens);

describe("ServiceAccountToken reconciler", () => {
  it("issues a token into its Secret and reports Ready; reconciling again writes nothing", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    expect(readyOf(token(world))).toMatchObject({ status: "True", reason: "Ready" });
    expect(world.kube.secretsByName.get("team-a/t")?.data?.UNLEASH_API_TOKEN).toBeDefined();
    expect(liveTokens(world)).toHaveLength(1);
    world.resetWrites();
    await world.reconcileToken("t");
    expect(world.writes).toEqual({ unleash: [], status: [], finalizers: [], secrets: [], events: [], restarts: [] });
  });

  it("waits for its ServiceAccount", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    expect(readyOf(token(world))).toMatchObject({ status: "False", reason: "WaitingForServiceAccount" });
    expect(world.writes.unleash).toEqual([]);
  });

  it("never touches a Secret it does not own: SecretConflict, nothing written", async () => {
    const world = await withAccount();
    await world.kube.secretClient.write({ metadata: { name: "t", namespace: "team-a" }, data: { other: "eA==" } });
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    world.resetWrites();
    await world.reconcileToken("t");
    expect(readyOf(token(world))?.reason).toBe("SecretConflict");
    expect(world.writes.unleash).toEqual([]);
    expect(world.kube.secretsByName.get("team-a/t")?.data).toEqual({ other: "eA==" });
  });

  it("re-issues a token whose Secret was deleted, and stops after the repair budget (RepairLoopDetected)", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    for (let i = 0; i < 5; i++) {
      world.kube.secretsByName.delete("team-a/t");
      await world.reconcileToken("t");
      expect(readyOf(token(world))?.reason).toBe("Ready");
    }
    world.kube.secretsByName.delete("team-a/t");
    world.resetWrites();
    const result = await world.reconcileToken("t");
    expect(readyOf(token(world))?.reason).toBe("RepairLoopDetected");
    expect(world.writes.unleash).toEqual([]);
    expect(result.requeueAfterMs).toBeGreaterThan(0);
  });

  it("reports TokenLimitReached when the account holds 10 tokens, revoking nothing it does not own", async () => {
    const world = await withAccount();
    const id = world.kube.serviceAccounts.get("team-a/app")?.status.id ?? 0;
    for (let i = 0; i < 10; i++) await world.unleash.createToken(id, { description: `hand ${i}`, expiresAt: new Date(world.clock.ms + 3_600_000) });
    world.connection.snapshots.invalidate();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    expect(readyOf(token(world))?.reason).toBe("TokenLimitReached");
    expect(liveTokens(world)).toHaveLength(10);
  });

  it("rotates on request, keeping the previous token through its grace period", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" }, rotationGracePeriod: "1m" });
    await world.reconcileToken("t");
    const first = token(world)?.status.tokenId;
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" }, rotationGracePeriod: "1m" }, { annotations: { "accounts.unleash.dev/rotate": "1" }, uid: uidOf("ServiceAccountToken", "t") });
    await world.kube.resources.patchStatus("ServiceAccountToken", { name: "t", uid: uidOf("ServiceAccountToken", "t") }, {}, { tokenId: first, serial: 1, secretName: "t" });
    await world.reconcileToken("t");
    expect(token(world)?.status.tokenId).not.toBe(first);
    expect(token(world)?.status.previousTokens?.map((h) => h.id)).toEqual([first]);
    world.clock.advance(61_000);
    await world.reconcileToken("t");
    expect(liveTokens(world).map((t) => t.id)).toEqual([token(world)?.status.tokenId]);
  });

  it("revokes its tokens and deletes its Secret on deletion", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    world.kube.markDeleted("ServiceAccountToken", "t");
    await world.reconcileToken("t");
    expect(liveTokens(world)).toEqual([]);
    expect(world.kube.secretsByName.size).toBe(0);
    expect(world.kube.exists("ServiceAccountToken", "t")).toBe(false);
  });

  it("cleans up on deletion even when the spec no longer parses", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    // The same resource, as an upgraded schema reads it: its grace period is now refused.
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" }, lifetime: "2m" }, {
      uid: uidOf("ServiceAccountToken", "t"),
      finalizers: ["accounts.unleash.dev/finalizer"],
      deletionTimestamp: "2026-12-01T13:00:00Z",
    });
    expect(token(world)?.spec.success).toBe(false);
    await world.reconcileToken("t");
    expect(liveTokens(world)).toEqual([]);
    expect(world.kube.secretsByName.size).toBe(0);
    expect(world.kube.exists("ServiceAccountToken", "t")).toBe(false);
  });
});

describe("pause (accounts.unleash.dev/paused)", () => {
  const PAUSED = { annotations: { "accounts.unleash.dev/paused": "true" }, uid: uidOf("ServiceAccountToken", "t") };

  it("writes nothing for a paused token past its renewal, says so, and rotates once unpaused", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" }, lifetime: "2m", rotationGracePeriod: "30s" });
    await world.reconcileToken("t");
    const first = token(world)?.status.tokenId;
    const status = token(world)?.status ?? {};
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" }, lifetime: "2m", rotationGracePeriod: "30s" }, PAUSED);
    await world.kube.resources.patchStatus("ServiceAccountToken", { name: "t", uid: PAUSED.uid }, {}, status);
    world.clock.advance(100_000);
    world.resetWrites();
    await world.reconcileToken("t");
    expect(world.writes.unleash).toEqual([]);
    expect(world.writes.secrets).toEqual([]);
    const conditions = token(world)?.status.conditions ?? [];
    expect(conditions.find((c) => c.type === "Reconciling")).toMatchObject({ status: "True", reason: "Paused" });
    expect(conditions.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "Ready" });

    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" }, lifetime: "2m", rotationGracePeriod: "30s" }, { uid: PAUSED.uid });
    await world.kube.resources.patchStatus("ServiceAccountToken", { name: "t", uid: PAUSED.uid }, {}, status);
    await world.reconcileToken("t");
    expect(token(world)?.status.tokenId).not.toBe(first);
  });

  it("pauses everything that uses a paused connection, deletion included", async () => {
    const world = await withAccount();
    world.kube.add("ServiceAccountToken", "t", { serviceAccountRef: { name: "app" } });
    await world.reconcileToken("t");
    world.connection.source.meta = { ...world.connection.source.meta, annotations: { "accounts.unleash.dev/paused": "true" } };
    world.kube.markDeleted("ServiceAccountToken", "t");
    world.resetWrites();
    await world.reconcileToken("t");
    await world.reconcileAccount("app");
    expect(world.writes.unleash).toEqual([]);
    expect(world.kube.exists("ServiceAccountToken", "t")).toBe(true);
    expect(token(world)?.status.conditions?.find((c) => c.type === "Reconciling")?.message).toContain("UnleashConnection unleash");
  });
});
