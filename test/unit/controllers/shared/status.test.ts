import { describe, expect, it } from "vitest";
import { progressing, ready } from "../../../../src/api/v1alpha1/conditions.js";
import type { ServiceAccountTokenStatus } from "../../../../src/api/v1alpha1/service-account-token.js";
import { StatusWriters } from "../../../../src/controllers/shared/status.js";

interface Patch {
  previous: object;
  status: Record<string, unknown>;
}

const meta = { name: "checkout", namespace: "team-a", uid: "uid-1", generation: 1 };

function statusWriters(start = Date.parse("2026-11-28T12:00:00Z")) {
  const patches: Patch[] = [];
  let clock = start;
  const resources = {
    patchStatus: async (_kind: string, _key: object, previous: object, status: object) => {
      patches.push({ previous, status: status as Record<string, unknown> });
    },
  };
  const writers = new StatusWriters<ServiceAccountTokenStatus>(resources, "ServiceAccountToken", () => new Date(clock));
  return { writers, patches, advance: (ms: number) => (clock += ms) };
}

const readyReason = (patch: Patch | undefined) =>
  (patch?.status.conditions as Array<{ type: string; reason: string }> | undefined)?.find((c) => c.type === "Ready")?.reason;

describe("StatusWriters", () => {
  it("writes nothing when the status computed equals the cached one", async () => {
    const { writers, patches } = statusWriters();
    const first = writers.for(meta, {});
    await first.write({ secretName: "checkout" }, ready("token issued"));
    const cachedAfterWrite = first.current;

    await writers.for(meta, cachedAfterWrite).write({ secretName: "checkout" }, ready("token issued"));

    expect(patches).toHaveLength(1);
  });

  it("puts Ready back after a failure even while the cache still shows the status from before the failure", async () => {
    const { writers, patches } = statusWriters();
    const healthy = writers.for(meta, {});
    await healthy.write({ secretName: "checkout" }, ready("token issued"));
    const cachedHealthy = healthy.current;

    await writers.for(meta, cachedHealthy).write({ secretName: "checkout", failedAttempts: 1 }, progressing("UnleashUnavailable", "503"));
    // The retry succeeds before the watch has delivered the failure: the cache is stale.
    await writers.for(meta, cachedHealthy).write({ secretName: "checkout" }, ready("token issued"));

    expect(patches.map(readyReason)).toEqual(["Ready", "UnleashUnavailable", "Ready"]);
    // failedAttempts is in the base of the patch, so patchStatus removes it.
    expect(patches[2]?.previous).toHaveProperty("failedAttempts", 1);
    expect(patches[2]?.status).not.toHaveProperty("failedAttempts");
  });

  it("counts on from its own last write, not from a cache that has not seen it", async () => {
    const { writers } = statusWriters();
    const failing = writers.for(meta, {});
    await failing.write({ failedAttempts: 1 }, progressing("UnleashUnavailable", "503"));

    expect(writers.for(meta, {}).current.failedAttempts).toBe(1);
  });

  it("forgets its writes after ten minutes, trusting the cache again", async () => {
    const { writers, advance } = statusWriters();
    await writers.for(meta, {}).write({ failedAttempts: 1 }, progressing("UnleashUnavailable", "503"));
    advance(10 * 60_000 + 1);

    expect(writers.for(meta, { failedAttempts: 7 }).current.failedAttempts).toBe(7);
  });

  it("writes a second change in the same reconcile once, against its first write", async () => {
    const { writers, patches } = statusWriters();
    const writer = writers.for(meta, {});
    await writer.patch({ secretName: "checkout" });
    await writer.patch({ secretName: "checkout" });
    await writer.patch({ secretName: "checkout-2" });

    expect(patches.map((p) => p.status.secretName)).toEqual(["checkout", "checkout-2"]);
  });
});
