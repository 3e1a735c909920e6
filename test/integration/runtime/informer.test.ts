// The informer against the shared kube-apiserver: list, watch, label selector, resync.
import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import type { Informer, InformerOptions } from "../../../src/runtime/informer.js";
import { type ConfigMap, startConfigMapInformer } from "./configmap-informer.js";

const SETTLE = { timeoutMs: 30_000 };

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(inject("kubeconfigPath"));
const core = kubeConfig.makeApiClient(CoreV1Api);
const namespace = `informer-test-${randomBytes(3).toString("hex")}`;
const informers: Informer<ConfigMap>[] = [];

function startInformer(overrides: Partial<InformerOptions<ConfigMap>> = {}) {
  const started = startConfigMapInformer(kubeConfig, namespace, overrides);
  informers.push(started.informer);
  return started;
}

async function putConfigMap(name: string, data: Record<string, string>, labels?: Record<string, string>): Promise<void> {
  const body = { metadata: { name, labels }, data };
  try {
    await core.replaceNamespacedConfigMap({ name, namespace, body });
  } catch {
    await core.createNamespacedConfigMap({ namespace, body });
  }
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterEach(async () => {
  await Promise.all(informers.splice(0).map((informer) => informer.stop()));
  await core.deleteCollectionNamespacedConfigMap({ namespace });
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

describe("Informer on a real API server", () => {
  it("lists existing ConfigMaps, then sees them added, updated and deleted", async () => {
    await putConfigMap("existing", { v: "1" });
    const { informer, recorded } = startInformer();
    await informer.whenSynced();
    expect(recorded.events).toEqual(["add existing"]);

    await putConfigMap("new", { v: "1" });
    await putConfigMap("new", { v: "2" });
    await core.deleteNamespacedConfigMap({ name: "existing", namespace });
    await eventually(
      () => expect(recorded.events).toEqual(["add existing", "add new", "update new 2", "delete existing"]),
      SETTLE,
    );
    expect(informer.list().map((cm) => cm.metadata.name)).toEqual(["new"]);
    expect(informer.get(`${namespace}/new`)?.data).toEqual({ v: "2" });
    expect(informer.isHealthy()).toBe(true);
  });

  it("sees only the objects its label selector matches", async () => {
    const { informer, recorded } = startInformer({ labelSelector: "managed=yes" });
    await informer.whenSynced();
    await putConfigMap("unmanaged", { v: "1" });
    await putConfigMap("managed", { v: "1" }, { managed: "yes" });
    await eventually(() => expect(recorded.events).toContain("add managed"), SETTLE);
    expect(recorded.events).not.toContain("add unmanaged");
  });
});
