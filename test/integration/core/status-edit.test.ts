// A status the operator did not write is news: a stale writer's, or a person's edit by hand, is repaired
// at once, not at the next resync (10 minutes here).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

describe("a status edited by hand", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld("status-edit", { resyncPeriod: "10m" });
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), tokenYaml("app-token", "app")));
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
  });
  afterAll(() => world.close());

  it.each([
    ["ServiceAccountToken", "serviceaccounttokens", "app-token"],
    ["ServiceAccount", "serviceaccounts", "app"],
  ] as const)("is repaired on a %s without waiting for the resync", async (kind, plural, name) => {
    const at = new Date().toISOString();
    const wrong = (type: string, status: string) => ({ type, status, reason: "WaitingForServiceAccount", message: "edited by hand", observedGeneration: 1, lastTransitionTime: at });
    const patch = { status: { conditions: [wrong("Ready", "False"), wrong("Reconciling", "True"), wrong("Stalled", "False")] } };
    await world.kubectl(["patch", "-n", world.namespace, `${plural}.accounts.unleash.dev/${name}`, "--subresource=status", "--type=merge", "-p", JSON.stringify(patch)]);
    const started = performance.now();
    await eventually(
      async () => {
        const ready = (await world.get(kind, name))?.status?.conditions?.find((c) => c.type === "Ready");
        expect(ready).toMatchObject({ status: "True", reason: "Ready" });
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    console.log(`[status-edit] ${kind} repaired ${((performance.now() - started) / 1000).toFixed(2)} s after the edit`);
  });
});
