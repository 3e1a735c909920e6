import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { Config } from "./config.js";
import { loadKubeConfig } from "./kube/kubeconfig.js";
import { createOperator } from "./operator.js";
import type { Manager } from "./runtime/manager.js";
import { startHealthServer, type HealthServer } from "./runtime/health-server.js";
import { LeaderElector } from "./runtime/leader-election.js";
import { OPEN_FENCE } from "./runtime/fence.js";
import { createMetrics } from "./runtime/metrics.js";

/** In-flight reconciles get this long after SIGTERM; well under the chart's terminationGracePeriodSeconds (30 s). */
const SHUTDOWN_DEADLINE_MS = 20_000;


/** Default cluster identity: stable for the cluster's life, different for every cluster. */
async function clusterName(kubeConfig: KubeConfig): Promise<string> {
  const namespace = await kubeConfig.makeApiClient(CoreV1Api).readNamespace({ name: "kube-system" });
  const uid = namespace.metadata?.uid?.replace(/-/g, "") ?? "";
  if (!uid) throw new Error("the kube-system namespace has no uid; set --cluster-name");
  return `k8s-${uid.slice(0, 12)}`;
}

/**
 * Ready = the informers are synced and their watches alive. A replica waiting
 * for leadership runs no informers and is ready too: it is a healthy standby,
 * and a Deployment of two replicas must become available.
 */
async function startServers(config: Config, operator: Manager, metrics: ReturnType<typeof createMetrics>, isStandby: () => boolean): Promise<HealthServer[]> {
  const informers = () => (isStandby() || operator.isHealthy() ? { ok: true as const } : { ok: false as const, message: "an informer's watch is not healthy" });
  const servers: HealthServer[] = [];
  if (config.healthProbeBindAddress) servers.push(await startHealthServer({ address: config.healthProbeBindAddress, checks: { informers } }));
  if (config.metricsBindAddress) servers.push(await startHealthServer({ address: config.metricsBindAddress, registry: metrics.registry }));
  return servers;
}

export async function run(config: Config, logger: Logger): Promise<void> {
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  const metrics = createMetrics();
  const identity = `${hostname()}-${randomBytes(4).toString("hex")}`;
  // Started once leading; the elector is built first because every write asks it (the fence).
  let operator: Manager | undefined;
  const elector = config.leaderElect
    ? new LeaderElector({
        kubeConfig,
        namespace: config.leaderElectionNamespace ?? "default",
        name: config.leaderElectionId,
        identity,
        logger,
        onStartedLeading: () => void operator?.start().then(() => started(logger, config), (err: unknown) => fail(logger, err)),
        onStoppedLeading: () => fail(logger, new Error("lost leadership")),
      })
    : undefined;
  if (elector) kubeConfig.setWriteFence(elector);
  operator = createOperator({
    kubeConfig,
    logger,
    metrics,
    namespaces: config.namespaces,
    clusterName: config.clusterName ?? (await clusterName(kubeConfig)),
    identity,
    maxConcurrentReconciles: config.maxConcurrentReconciles,
    resyncPeriodMs: config.resyncPeriodMs,
    unleashPollIntervalMs: config.unleashPollIntervalMs,
    unleashTimeoutMs: config.unleashTimeoutMs,
    watchInactivityTimeoutMs: config.watchInactivityTimeoutMs,
    watchClusterConnections: config.watchClusterConnections,
    fence: elector ?? OPEN_FENCE,
  });
  const servers = await startServers(config, operator, metrics, () => elector !== undefined && !elector.isLeader());
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    await operator.stop(SHUTDOWN_DEADLINE_MS);
    await elector?.release();
    await Promise.all(servers.map((server) => server.close()));
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  if (elector) {
    logger.info({ identity, lease: config.leaderElectionId }, "waiting for leadership");
    void elector.run();
  } else {
    await operator.start();
    started(logger, config);
  }
}

function started(logger: Logger, config: Config): void {
  logger.info({ namespaces: config.namespaces.length ? config.namespaces : "all" }, "operator started");
}

export function fail(logger: Logger, err: unknown): never {
  logger.fatal({ err }, "operator failed");
  process.exit(1);
}
