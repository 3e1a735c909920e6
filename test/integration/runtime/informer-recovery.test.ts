// The informer through an API server restart after etcd compaction: its watch history is gone
// (410), so it must list again, and then keep delivering changes. A private control plane,
// so that compaction and the restart disturb no other test.
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "../../harness/control-plane.js";
import { eventually } from "../../harness/eventually.js";
import type { Informer } from "../../../src/runtime/informer.js";
import { type ConfigMap, startConfigMapInformer } from "./configmap-informer.js";
import { compactEtcd } from "../../harness/etcd.js";

const SETTLE = { timeoutMs: 60_000 };
const namespace = "informer-recovery";

let plane: ControlPlane;
let core: CoreV1Api;
let informer: Informer<ConfigMap> | undefined;

/** Drops etcd's history up to its current revision, as kube-apiserver's periodic compaction does. */

beforeAll(async () => {
  plane = await startControlPlane({ startControllerManager: false });
  core = plane.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterAll(async () => {
  await informer?.stop();
  await plane?.stop();
});

describe("Informer recovery", () => {
  it("lists again after an API server restart has lost its watch history, and misses no change", async () => {
    for (const name of ["kept", "changed", "deleted"]) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { v: "1" } } });
    }
    const started = startConfigMapInformer(plane.kubeConfig(), namespace);
    informer = started.informer;
    const { recorded } = started;
    await informer.whenSynced();

    // Writes the informer does not watch move etcd past its resourceVersion; compaction then
    // removes the history it would resume from.
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: "unwatched" } } });
    await compactEtcd(plane.etcdUrl);
    await plane.restartApiServer();

    await core.replaceNamespacedConfigMap({ name: "changed", namespace, body: { metadata: { name: "changed" }, data: { v: "2" } } });
    await core.deleteNamespacedConfigMap({ name: "deleted", namespace });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "created" }, data: { v: "1" } } });

    await eventually(() => expect(recorded.relists).toBeGreaterThanOrEqual(1), SETTLE);
    await eventually(() => {
      const cached = Object.fromEntries(informer?.list().map((cm) => [cm.metadata.name, cm.data?.["v"]]) ?? []);
      expect(cached).toEqual({ kept: "1", changed: "2", created: "1" });
    }, SETTLE);
    expect(recorded.events).toEqual(expect.arrayContaining(["update changed 2", "delete deleted", "add created"]));
    await eventually(() => expect(informer?.isHealthy()).toBe(true), SETTLE);

    await core.deleteNamespacedConfigMap({ name: "kept", namespace });
    await eventually(() => expect(recorded.events).toContain("delete kept"), SETTLE);
  });
});
