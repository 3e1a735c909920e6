// The first law of a level-triggered reconciler: once a resource has converged, reconciling it again
// writes nothing. For every valid spec fast-check generates (fixed seed), a ServiceAccount and its token
// are converged against in-memory Kubernetes and Unleash, then reconciled again: no write to Unleash,
// Secrets, status, finalizers or Events, and no workload restart. Then time passes to the renewal and
// the rotation, and once converged again the same holds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validAccountSpec, validTokenSpec } from "../api/arbitraries.js";
import { fakeWorld, noWrites, readyOf, type FakeWorld } from "./fakes.js";

const IDEMPOTENCE_RUNS = { seed: 20_261_203, numRuns: 2_000 };

async function reconcileAll(world: FakeWorld): Promise<void> {
  await world.reconcileAccount("app").catch(() => undefined);
  await world.reconcileToken("app-token").catch(() => undefined);
}

describe("idempotence", () => {
  it("a converged account and token reconcile again with zero writes, before and after a rotation", async () => {
    let converged = 0;
    await fc.assert(
      fc.asyncProperty(validAccountSpec, validTokenSpec, async (account, token) => {
        const world = fakeWorld();
        world.kube.add("ServiceAccount", "app", account);
        world.kube.add("ServiceAccountToken", "app-token", token);
        await world.converge(3);
        const ready = readyOf(world.kube.tokens.get("team-a/app-token"));
        expect(ready?.status, `${ready?.reason}: ${ready?.message}`).toBe("True");
        converged += 1;
        world.resetWrites();
        await reconcileAll(world);
        expect(world.writes).toEqual(noWrites());

        const renewal = Date.parse(world.kube.tokens.get("team-a/app-token")?.status.renewalTime ?? "");
        world.clock.ms = renewal + 1;
        await world.converge(3);
        world.clock.advance(24 * 3_600_000);
        await world.converge(3);
        world.resetWrites();
        await reconcileAll(world);
        expect(world.writes).toEqual(noWrites());
      }),
      IDEMPOTENCE_RUNS,
    );
    expect(converged).toBe(IDEMPOTENCE_RUNS.numRuns);
  }, 120_000);
});
