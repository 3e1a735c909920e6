import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { ServiceAccountResource } from "./api/v1alpha1/resources.js";
import { SecretKeyReader } from "./controllers/connection/admin-token.js";
import { setupConnectionControllers } from "./controllers/connection/controller.js";
import { ConnectionProtection } from "./controllers/connection/protection.js";
import { allConnections, ConnectionRegistry, connectionIdOf, type AccountsChanged } from "./controllers/connection/registry.js";
import { setupServiceAccountController } from "./controllers/serviceaccount/controller.js";
import { keyOf } from "./controllers/shared/watches.js";
import { setupTokenController } from "./controllers/token/controller.js";
import { createCache } from "./kube/cache.js";
import { CustomResourceClient } from "./kube/custom-resources.js";
import { EventRecorder } from "./kube/events.js";
import { SecretClient, WorkloadRestarter } from "./kube/secrets.js";
import type { WriteFence } from "./runtime/fence.js";
import { Channel } from "./runtime/channel.js";
import { Indexer } from "./runtime/indexer.js";
import { Manager } from "./runtime/manager.js";
import type { Metrics } from "./runtime/metrics.js";
import { keyToString } from "./runtime/object-key.js";
import { operatorVersion } from "./version.js";

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics: Metrics;
  /** Namespaces to watch; empty = all. */
  namespaces: readonly string[];
  clusterName: string;
  identity: string;
  maxConcurrentReconciles: number;
  resyncPeriodMs: number;
  /** How often each connection's accounts are listed to see changes made in Unleash. */
  unleashPollIntervalMs: number;
  unleashTimeoutMs: number;
  watchInactivityTimeoutMs?: number;
  /** False where RBAC is namespaced and cluster-scoped connections cannot be read. */
  watchClusterConnections: boolean;
  /** Asked before every Unleash write (Kubernetes writes are fenced in the kubeconfig). */
  fence: WriteFence;
}

/** The composition root: builds the shared parts and hands them to each controller's setup. */
export function createOperator(options: OperatorOptions): Manager {
  const { kubeConfig, logger, metrics } = options;
  const manager = new Manager({ logger, metrics, maxConcurrentReconciles: options.maxConcurrentReconciles, resyncPeriodMs: options.resyncPeriodMs });
  const factory = { kubeConfig, logger, metrics, ...(options.watchInactivityTimeoutMs ? { watchInactivityTimeoutMs: options.watchInactivityTimeoutMs } : {}) };
  const cache = createCache({ factory, namespaces: options.namespaces, watchClusterScoped: options.watchClusterConnections });
  for (const informer of Object.values(cache)) manager.addSource(informer);

  const registry = new ConnectionRegistry({
    listers: cache,
    clusterConnectionsWatched: options.watchClusterConnections,
    secrets: new SecretKeyReader(kubeConfig),
    namespaceLabels: async (namespace) => cache.namespaces.get(namespace)?.metadata.labels,
    // The poll lists every connection each interval; the age limit is only a backstop should a poll fail.
    snapshotMaxAgeMs: 2 * Math.min(options.unleashPollIntervalMs, options.resyncPeriodMs),
    projectAccessMaxAgeMs: options.resyncPeriodMs,
    adminTokenTtlMs: 5_000,
    unleashTimeoutMs: options.unleashTimeoutMs,
    onRequest: (route, status, ms) => {
      metrics.unleashRequests.inc({ route, code: String(status) });
      metrics.unleashRequestDuration.observe({ route }, ms / 1000);
    },
    onSkipped: (entry, route) => {
      metrics.unleashSkippedEntries.inc({ entry, route });
      logger.warn({ entry, route }, "skipped an entry of Unleash's answer that does not match its schema; the others are used");
    },
    fence: options.fence,
    userAgent: `unleash-accounts-operator/${operatorVersion()} (${options.identity})`,
    signal: manager.signal,
    logger,
  });
  // Unleash is polled on its own interval (a list per connection); only what changed there is reconciled.
  const unleashChanges = new Channel<AccountsChanged>();
  manager.every(options.unleashPollIntervalMs, async () => {
    for (const change of await registry.poll()) unleashChanges.emit(change);
  });
  manager.beforeResync(() => registry.invalidateProjectAccess());
  manager.onStop(() => registry.close());

  const resources = new CustomResourceClient(kubeConfig);
  const secretClient = new SecretClient(kubeConfig);
  const events = new EventRecorder(kubeConfig, logger, options.identity);
  const now = () => new Date();
  const accountsByConnection = new Indexer<ServiceAccountResource>(cache.serviceAccounts, (a) => keyToString(keyOf(a.metadata)), (a) =>
    a.spec.success ? connectionIdOf(a.spec.data.connectionRef, a.metadata.namespace ?? "") : undefined,
  );
  const dependents = (id: string) => accountsByConnection.keys(id).map((key) => `ServiceAccount ${key}`);
  const protection = new ConnectionProtection({ resources, secrets: secretClient, dependents, connections: () => allConnections(cache), watchedNamespaces: options.namespaces });
  const shared = { ...cache, registry, unleashChanges, protection, resources, events, now, clusterName: options.clusterName };

  setupConnectionControllers(manager, { ...shared, dependents });
  const accounts = setupServiceAccountController(manager, { ...shared, accountsByConnection });
  setupTokenController(manager, {
    ...shared,
    secretClient,
    workloads: new WorkloadRestarter(kubeConfig),
    enqueueServiceAccount: (key) => accounts.enqueue(key),
    onIssued: (reason) => metrics.tokenRotations.inc({ reason }),
  });
  return manager;
}
