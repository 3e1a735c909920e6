import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { metricValue } from "../support/metrics.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

const ACCOUNTS = 3;
const TOKENS_PER_ACCOUNT = 2;

function resources(): string {
  const docs: string[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    docs.push(`apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccount
metadata: { name: svc-${a} }
spec: { connectionRef: { kind: UnleashConnection, name: unleash }, rootRole: Editor }`);
    for (let t = 0; t < TOKENS_PER_ACCOUNT; t++) {
      docs.push(`apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccountToken
metadata: { name: svc-${a}-token-${t} }
spec: { serviceAccountRef: { name: svc-${a} }, lifetime: 720h }`);
    }
  }
  return docs.join("\n---\n");
}

const WRITE = /^(POST|PUT|DELETE) /;

describe("an operator restarted with nothing changed", () => {
  let world: World;
  const snapshotOfKubernetes = async () => {
    const out = await world.kubectl(["get", "-n", world.namespace, "usa,usat,uc,secrets,events", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}"]);
    return out.trim().split("\n").sort();
  };

  beforeAll(async () => {
    world = await createWorld("restart");
    await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken) + "\n---\n" + resources());
    for (let a = 0; a < ACCOUNTS; a++) {
      for (let t = 0; t < TOKENS_PER_ACCOUNT; t++) await world.waitForCondition("ServiceAccountToken", `svc-${a}-token-${t}`, "Ready", "True", 60_000);
    }
  });
  afterAll(() => world.close());

  it("makes no Unleash writes, no Kubernetes writes and no duplicates", async () => {
    const stateBefore = await world.control.state();
    const kubernetesBefore = await snapshotOfKubernetes();
    await world.control.resetCalls();
    await world.restartOperator();
    // Idle = every token reconciled at least once since the restart, and the queues empty.
    await eventually(
      async () => {
        const reconciled = await metricValue(world.operator.metricsUrl, "controller_runtime_reconcile_total", { controller: "serviceaccounttoken" });
        expect(reconciled).toBeGreaterThanOrEqual(ACCOUNTS * TOKENS_PER_ACCOUNT);
        expect(await metricValue(world.operator.metricsUrl, "workqueue_depth")).toBe(0);
      },
      { timeoutMs: 30_000 },
    );
    const writes = Object.entries(await world.control.calls()).filter(([route, count]) => WRITE.test(route) && count > 0);
    expect(writes).toEqual([]);
    expect(await snapshotOfKubernetes()).toEqual(kubernetesBefore);
    const stateAfter = await world.control.state();
    expect(stateAfter.users).toEqual(stateBefore.users);
    expect(stateAfter.tokens).toEqual(stateBefore.tokens);
  });

  it("never shows a token in logs, events or status", async () => {
    const secrets = (await world.core.listNamespacedSecret({ namespace: world.namespace })).items;
    const tokens = secrets.filter((s) => s.data?.UNLEASH_API_TOKEN).map((s) => tokenOf(s));
    expect(tokens).toHaveLength(ACCOUNTS * TOKENS_PER_ACCOUNT);
    const captured = [
      world.operator.output(),
      await world.kubectl(["get", "events", "-n", world.namespace, "-o", "json"]),
      await world.kubectl(["get", "usa,usat,uc", "-n", world.namespace, "-o", "json"]),
    ].join("\n");
    expect(captured.length).toBeGreaterThan(1000);
    for (const secret of [...tokens, world.emulator.adminToken]) expect(captured).not.toContain(secret);
  });
});
