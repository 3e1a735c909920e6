// client-node 2.0 opens a new TCP+TLS connection for every request; the operator's kubeconfig
// keeps its connections alive and reuses them, which the API server (and the cold converge of
// a thousand tokens) notices.
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { PooledKubeConfig } from "../../../src/kube/kubeconfig.js";

const CALLS = 40;

function through(proxy: FaultProxy, kubeConfig: KubeConfig): KubeConfig {
  const original = new KubeConfig();
  original.loadFromFile(inject("kubeconfigPath"));
  kubeConfig.loadFromOptions({
    clusters: original.clusters.map((cluster) => ({ ...cluster, server: `https://${proxy.host}:${proxy.port}` })),
    users: original.users,
    contexts: original.contexts,
    currentContext: original.currentContext,
  });
  return kubeConfig;
}

async function connectionsFor(proxy: FaultProxy, kubeConfig: KubeConfig): Promise<number> {
  const core = through(proxy, kubeConfig).makeApiClient(CoreV1Api);
  const before = proxy.accepted();
  for (let i = 0; i < CALLS; i++) await core.listNamespacedConfigMap({ namespace: "default", limit: 1 });
  return proxy.accepted() - before;
}

describe("Kubernetes connections", () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    const server = new URL(inject("controlPlaneServer"));
    proxy = await startFaultProxy({ target: { host: server.hostname, port: Number(server.port) } });
  });
  afterAll(async () => {
    await proxy?.stop();
  });

  it(`client-node on its own opens a connection per call (${CALLS} calls)`, async () => {
    expect(await connectionsFor(proxy, new KubeConfig())).toBe(CALLS);
  });

  it(`the operator's kubeconfig makes ${CALLS} calls over one kept-alive connection`, async () => {
    expect(await connectionsFor(proxy, new PooledKubeConfig())).toBe(1);
  });
});
