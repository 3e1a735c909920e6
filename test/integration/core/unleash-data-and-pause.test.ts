// Unleash data as Unleash sends it (an account without username, malformed entries) does not stop a
// connection; and a paused resource gets no write until it is unpaused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { metricValue } from "../support/metrics.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

describe("Unleash data as Unleash sends it, and pausing", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld("unleash-data", { resyncPeriod: "3s" });
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), tokenYaml("app-token", "app")));
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
  });
  afterAll(() => world.close());

  it("skips an account without username and malformed entries, and keeps every other resource working", async () => {
    await world.control.setListExtras([
      { id: 900, username: null, name: "made on Unleash 6.2", rootRole: 3, tokens: [] },
      { id: "not a number", username: "broken" },
      { id: 901, username: "half-broken", rootRole: 3, tokens: [{ id: "not a number" }] },
    ]);
    await world.control.resetCalls();
    await eventually(async () => expect((await world.control.calls())["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
    await world.apply(serviceAccountYaml("later"));
    await world.waitForCondition("ServiceAccount", "later", "Ready", "True");
    for (const [kind, name] of [["ServiceAccount", "app"], ["ServiceAccountToken", "app-token"], ["UnleashConnection", "unleash"]] as const) {
      expect((await world.get(kind, name))?.status?.conditions?.find((c) => c.type === "Ready")?.status, `${kind} ${name}`).toBe("True");
    }
    expect(await metricValue(world.operator.metricsUrl, "unleash_list_entries_skipped_total", { entry: "account" })).toBeGreaterThan(0);
    expect(await metricValue(world.operator.metricsUrl, "unleash_list_entries_skipped_total", { entry: "token" })).toBeGreaterThan(0);
    await world.control.setListExtras([]);
  });

  it("writes nothing for a paused token whose Secret is deleted, and repairs it once unpaused", async () => {
    await world.kubectl(["annotate", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev/app-token", "accounts.unleash.dev/paused=true"]);
    await world.waitForCondition("ServiceAccountToken", "app-token", "Reconciling", "True");
    await world.control.resetCalls();
    await world.core.deleteNamespacedSecret({ namespace: world.namespace, name: "app-token" });
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect((await world.control.calls())["POST /api/admin/service-account/:id/token"] ?? 0).toBe(0);
    expect(await world.secret("app-token")).toBeUndefined();
    const paused = await world.get("ServiceAccountToken", "app-token");
    expect(paused?.status?.conditions?.find((c) => c.type === "Reconciling")?.reason).toBe("Paused");

    await world.kubectl(["annotate", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev/app-token", "accounts.unleash.dev/paused-"]);
    await eventually(async () => expect(await world.secret("app-token")).toBeDefined(), { timeoutMs: 30_000 });
    await world.waitForCondition("ServiceAccountToken", "app-token", "Reconciling", "False");
  });
});
