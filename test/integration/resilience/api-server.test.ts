// The operator through what an API server does to its clients: a restart in the middle of the
// work, and a watch history that is gone (etcd compaction, 410 Gone). A private control plane,
// so that restarting kube-apiserver and compacting etcd disturb no other test file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { eventually } from "../../harness/eventually.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { metricValue } from "../support/metrics.js";
import { convergeBoundMs, createFleet, fleet, listResources, readyCount, sizedFleet, VIEWER_ROLE_ID, type Fleet } from "./fleet.js";
import { ledgerProblems, waitConverged } from "./ledger.js";
import { startScene, type Scene } from "./scene.js";
import { kubeconfigThrough, reportFigures, secondsSince, waitIdle } from "./support.js";
import { compactEtcd } from "../../harness/etcd.js";

let plane: ControlPlane;

beforeAll(async () => {
  plane = await startControlPlane();
});
afterAll(async () => {
  await plane?.stop();
});

/** Drops etcd's history up to its current revision, as kube-apiserver's periodic compaction does. */

describe("kube-apiserver restart", () => {
  let scene: Scene;
  beforeAll(async () => {
    scene = await startScene(plane.kubeconfigPath, "apiserver-restart");
  });
  afterAll(() => scene?.close());

  it("converges every token across a restart in the middle of the work, without duplicates or leaks", async () => {
    const expected = sizedFleet([10, 5], [20, 10]);
    const operator = await scene.startOperator();
    const started = performance.now();
    await createFleet(scene.custom, scene.namespace, expected);
    await eventually(async () => expect(await readyCount(scene.custom, scene.namespace, "ServiceAccountToken")).toBeGreaterThanOrEqual(expected.tokens.length / 4), {
      timeoutMs: convergeBoundMs(expected.tokens.length),
      intervalMs: 250,
    });
    const readyAtRestart = await readyCount(scene.custom, scene.namespace, "ServiceAccountToken");

    const restarting = performance.now();
    await plane.restartApiServer();
    const restartS = secondsSince(restarting);
    await waitConverged(scene, expected, convergeBoundMs(expected.tokens.length));
    const convergedAfterRestartS = secondsSince(restarting);

    expect(operator.process.hasExited()).toBe(false);
    expect(await ledgerProblems(scene)).toEqual([]);
    reportFigures("kube-apiserver restart", {
      tokens: expected.tokens.length,
      ready_at_restart: readyAtRestart,
      apiserver_down_and_up_s: restartS,
      converged_after_restart_s: convergedAfterRestartS,
      converged_total_s: secondsSince(started),
      converge_bound_s: convergeBoundMs(expected.tokens.length) / 1000,
      informer_relists: await metricValue(operator.metricsUrl, "informer_relists_total"),
      reconcile_errors: await metricValue(operator.metricsUrl, "controller_runtime_reconcile_errors_total"),
    });
  }, 600_000);
});

describe("watch history gone", () => {
  let scene: Scene;
  let proxy: FaultProxy;
  beforeAll(async () => {
    const server = new URL(plane.server);
    proxy = await startFaultProxy({ target: { host: server.hostname, port: Number(server.port) } });
    scene = await startScene(plane.kubeconfigPath, "history-gone");
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await scene?.close();
    await proxy?.stop();
  });

  it("lists again after a 410 Gone and misses no change made while its watches were blind", async () => {
    const operator = await scene.startOperator({ kubeconfigPath: await kubeconfigThrough(plane.kubeconfigPath, proxy) });
    const initial = fleet(3, 2);
    await createFleet(scene.custom, scene.namespace, initial);
    await waitConverged(scene, initial, 60_000);
    await waitIdle(operator.metricsUrl);
    const relistsBefore = await metricValue(operator.metricsUrl, "informer_relists_total");
    const ns = scene.namespace;

    // Blind: the operator's watches stall, and sees none of what follows until it lists again.
    proxy.setMode("freeze");
    await scene.core.deleteNamespacedSecret({ namespace: ns, name: "svc-0-t0" });
    await scene.kubectl(["patch", "-n", ns, "serviceaccounts.accounts.unleash.dev", "svc-1", "--type=merge", "-p", '{"spec":{"rootRole":"Viewer"}}']);
    await scene.kubectl(["delete", "-n", ns, "serviceaccounttokens", "svc-2-t1", "--wait=false"]);
    await createFleet(scene.custom, ns, { accounts: [], tokens: [{ name: "svc-0-t2", account: "svc-0" }] });

    // The API server serves watches from its cache: compacting etcd removes the history, and a
    // restart drops the cache, so resuming from the operator's resourceVersion is 410 Gone.
    const compactedAt = await compactEtcd(plane.etcdUrl);
    await plane.restartApiServer();
    await createFleet(scene.custom, ns, { accounts: ["svc-3"], tokens: [{ name: "svc-3-t0", account: "svc-3" }] });
    await scene.core.deleteNamespacedSecret({ namespace: ns, name: "svc-1-t1" });

    // Every frozen connection is reset: the operator watches again from where it was.
    proxy.setMode("reset");
    proxy.setMode("pass");
    const unblinded = performance.now();
    const expected: Fleet = {
      accounts: ["svc-0", "svc-1", "svc-2", "svc-3"],
      tokens: [...initial.tokens.filter((t) => t.name !== "svc-2-t1"), { name: "svc-0-t2", account: "svc-0" }, { name: "svc-3-t0", account: "svc-3" }],
    };
    await waitConverged(scene, expected, 60_000);
    await eventually(
      async () => {
        const state = await scene.control.state();
        expect(state.users.find((u) => u.username === "svc-1" && u.deletedAt === null)?.rootRole).toBe(VIEWER_ROLE_ID);
        // The deleted resource is gone (its finalizer released) and so is its token.
        expect((await listResources(scene.custom, ns, "ServiceAccountToken")).map((t) => t.metadata.name)).not.toContain("svc-2-t1");
        expect(state.tokens.filter((t) => t.deletedAt === null && t.description.includes(`${ns}/svc-2-t1 `))).toEqual([]);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const repairedS = secondsSince(unblinded);

    expect(operator.output()).toContain("watch history expired (410 Gone); listing again");
    const relists = (await metricValue(operator.metricsUrl, "informer_relists_total")) - relistsBefore;
    expect(relists).toBeGreaterThan(0);
    expect(await ledgerProblems(scene)).toEqual([]);
    reportFigures("watch history gone", { compacted_at_revision: compactedAt, informer_relists: relists, repaired_after_unblind_s: repairedS });
  }, 300_000);
});
