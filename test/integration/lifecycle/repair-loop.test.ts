// However a loop might start (here: another controller that keeps rewriting the Secret), one
// resource cannot make Unleash create tokens without bound: after the repair budget the operator
// stops, says why, and writes nothing more.
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPAIR_BUDGET } from "../../../src/controllers/shared/repair-budget.js";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

const REWRITE_EVERY_MS = 250;
const REWRITE_FOR_MS = 20_000;

describe("a Secret that another controller keeps rewriting", () => {
  let world: World;
  let rewrites = 0;

  beforeAll(async () => {
    world = await createWorld("repairloop");
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), tokenYaml("fought", "app")));
    await world.waitForCondition("ServiceAccountToken", "fought", "Ready", "True");
    const until = Date.now() + REWRITE_FOR_MS;
    const patch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    // The other writer: bounded in count and time.
    while (Date.now() < until) {
      await world.core.patchNamespacedSecret({ namespace: world.namespace, name: "fought", body: { stringData: { UNLEASH_API_TOKEN: `rewritten-${rewrites}` } } }, patch);
      rewrites += 1;
      await new Promise((resolve) => setTimeout(resolve, REWRITE_EVERY_MS));
    }
  });
  afterAll(() => world.close());

  it("stops re-issuing after the budget and says what keeps happening", async () => {
    expect(rewrites).toBeGreaterThan(40);
    const token = await world.waitForCondition("ServiceAccountToken", "fought", "Stalled", "True");
    const ready = token.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.reason).toBe("RepairLoopDetected");
    expect(ready?.message).toContain(`re-issue the token (SecretEdited) ${REPAIR_BUDGET.repairs} times within 10m`);
    const uid = token.metadata.uid;
    const created = (await world.control.state()).tokens.filter((t) => t.description.includes(`uid=${uid}`));
    // The first token, then one per repair in the budget.
    expect(created).toHaveLength(1 + REPAIR_BUDGET.repairs);
  });

  it("writes nothing more once stopped: no token, no Secret write", async () => {
    const secretBefore = await world.secret("fought");
    await world.control.resetCalls();
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect((await world.control.calls())["POST /api/admin/service-account/:id/token"] ?? 0).toBe(0);
    expect((await world.secret("fought"))?.metadata?.resourceVersion).toBe(secretBefore?.metadata?.resourceVersion);
  });

  it("keeps its Events bounded", async () => {
    await eventually(async () => {
      const events = await world.core.listNamespacedEvent({ namespace: world.namespace, fieldSelector: "involvedObject.name=fought" });
      const total = events.items.reduce((sum, event) => sum + (event.count ?? 1), 0);
      expect(events.items.length).toBeLessThanOrEqual(4 * REPAIR_BUDGET.repairs);
      expect(total).toBeLessThanOrEqual(4 * REPAIR_BUDGET.repairs);
      expect(events.items.map((e) => e.reason)).toContain("RepairLoopDetected");
    }, { timeoutMs: 10_000 });
  });
});
