import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  parseClusterConnection,
  parseConnection,
  parseServiceAccount,
  parseServiceAccountToken,
  type ServiceAccountResource,
  type ServiceAccountTokenResource,
} from "./api/v1alpha1/resources.js";
import type { ObjectMeta } from "./api/v1alpha1/metadata.js";
import { SecretKeyReader } from "./controllers/connection/admin-token.js";
import { ConnectionReconciler } from "./controllers/connection/reconciler.js";
import { ConnectionRegistry } from "./controllers/connection/registry.js";
import { FINALIZER, hasFinalizer } from "./controllers/shared/status.js";
import { ServiceAccountReconciler } from "./controllers/serviceaccount/reconciler.js";
import { ServiceAccountTokenReconciler } from "./controllers/token/reconciler.js";
import { MANAGED_BY, MANAGED_BY_LABEL } from "./controllers/token/secret-record.js";
import { CustomResourceClient } from "./kube/custom-resources.js";
import { cachedNamespace, cachedSecret, type CachedNamespace } from "./kube/cached-objects.js";
import { EventRecorder } from "./kube/events.js";
import { ScopedInformers } from "./kube/informers.js";
import { SecretClient, WorkloadRestarter } from "./kube/secrets.js";
import { Controller, type ObjectKey } from "./runtime/controller.js";
import { Indexer } from "./runtime/indexer.js";
import { keyToString, parseKey } from "./runtime/object-key.js";
import type { Metrics } from "./runtime/metrics.js";
import { WorkQueue } from "./runtime/workqueue.js";
import { isDeepStrictEqual } from "node:util";

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
  unleashTimeoutMs: number;
  watchInactivityTimeoutMs?: number;
  /** False where RBAC is namespaced and cluster-scoped connections cannot be read. */
  watchClusterConnections: boolean;
}

const keyOf = (meta: ObjectMeta): ObjectKey => ({ ...(meta.namespace ? { namespace: meta.namespace } : {}), name: meta.name });
const stringKeyOf = (meta: ObjectMeta): string => keyToString(keyOf(meta));

/**
 * Whether an update is news to the reconciler: not a status write, and not the echo of its own
 * finalizer being added (which would retry a failed first attempt at once, ignoring its backoff).
 */
function specOrMetaChanged(next: { metadata: ObjectMeta }, old: { metadata: ObjectMeta }): boolean {
  const ourFinalizerAdded = hasFinalizer(next.metadata) && !hasFinalizer(old.metadata);
  const finalizers = (m: ObjectMeta) => (m.finalizers ?? []).filter((f) => !(ourFinalizerAdded && f === FINALIZER));
  const pick = (m: ObjectMeta) => [m.generation, m.annotations, m.labels, m.deletionTimestamp, finalizers(m)];
  return !isDeepStrictEqual(pick(next.metadata), pick(old.metadata));
}

/** Wires informers, reconcilers and controllers: the operator without its process plumbing. */
export class Operator {
  readonly #options: OperatorOptions;
  readonly #informers;
  readonly #controllers;
  readonly #registry: ConnectionRegistry;
  #resyncTimer: NodeJS.Timeout | undefined;

  constructor(options: OperatorOptions) {
    this.#options = options;
    const { kubeConfig, logger, metrics } = options;
    const scopes = options.namespaces.length > 0 ? options.namespaces : [undefined];
    const factory = { kubeConfig, logger, metrics, ...(options.watchInactivityTimeoutMs ? { watchInactivityTimeoutMs: options.watchInactivityTimeoutMs } : {}) };
    const informers = {
      clusterConnections: new ScopedInformers(factory, "ClusterUnleashConnection", options.watchClusterConnections ? [undefined] : [], parseClusterConnection),
      connections: new ScopedInformers(factory, "UnleashConnection", scopes, parseConnection),
      serviceAccounts: new ScopedInformers(factory, "ServiceAccount", scopes, parseServiceAccount),
      tokens: new ScopedInformers(factory, "ServiceAccountToken", scopes, parseServiceAccountToken),
      secrets: new ScopedInformers(factory, "Secret", scopes, cachedSecret, `${MANAGED_BY_LABEL}=${MANAGED_BY}`),
      namespaces: new ScopedInformers(factory, "Namespace", options.watchClusterConnections ? [undefined] : [], cachedNamespace),
    };
    this.#informers = informers;
    const resources = new CustomResourceClient(kubeConfig);
    const events = new EventRecorder(kubeConfig, logger, options.identity);
    this.#registry = new ConnectionRegistry({
      listers: informers,
      clusterConnectionsWatched: options.watchClusterConnections,
      secrets: new SecretKeyReader(kubeConfig),
      namespaceLabels: async (namespace) => informers.namespaces.get(namespace)?.metadata.labels,
      snapshotMaxAgeMs: options.resyncPeriodMs,
      adminTokenTtlMs: 5_000,
      unleashTimeoutMs: options.unleashTimeoutMs,
      onRequest: (route, status, ms) => {
        metrics.unleashRequests.inc({ route, code: String(status) });
        metrics.unleashRequestDuration.observe({ route }, ms / 1000);
      },
      logger,
    });
    const now = () => new Date();
    const controller = (name: string, reconciler: ConstructorParameters<typeof Controller>[0]["reconciler"]) =>
      new Controller({ name, reconciler, logger, metrics: metrics.forController(name), queue: new WorkQueue({ metrics: metrics.forWorkQueue(name) }) });
    const connectionDeps = { listers: informers, connections: this.#registry, resources, events, logger, now };
    const serviceAccounts = controller("serviceaccount", new ServiceAccountReconciler(connectionDeps));
    this.#controllers = {
      clusterConnections: controller("clusterunleashconnection", new ConnectionReconciler("ClusterUnleashConnection", connectionDeps)),
      connections: controller("unleashconnection", new ConnectionReconciler("UnleashConnection", connectionDeps)),
      serviceAccounts,
      tokens: controller(
        "serviceaccounttoken",
        new ServiceAccountTokenReconciler({
          ...connectionDeps,
          secretCache: informers.secrets,
          secrets: new SecretClient(kubeConfig),
          workloads: new WorkloadRestarter(kubeConfig),
          clusterName: options.clusterName,
          enqueueServiceAccount: (key) => serviceAccounts.enqueue(key),
        }),
      ),
    };
    this.#wireEvents();
  }

  #wireEvents(): void {
    const informers = this.#informers;
    const controllers = this.#controllers;
    const accountOf = (t: ServiceAccountTokenResource) =>
      t.spec.success ? keyToString({ namespace: t.metadata.namespace, name: t.spec.data.serviceAccountRef.name }) : undefined;
    const tokensByAccount = new Indexer(informers.tokens, (t) => stringKeyOf(t.metadata), accountOf);
    const accountsUsing = (kind: string, meta: ObjectMeta) =>
      informers.serviceAccounts
        .list()
        .filter((a) => a.spec.success && a.spec.data.connectionRef.kind === kind && a.spec.data.connectionRef.name === meta.name && (kind === "ClusterUnleashConnection" || a.metadata.namespace === meta.namespace));

    informers.tokens.on("add", (t) => controllers.tokens.enqueue(keyOf(t.metadata)));
    informers.tokens.on("update", (t, old) => specOrMetaChanged(t, old) && controllers.tokens.enqueue(keyOf(t.metadata)));
    informers.tokens.on("delete", (t) => controllers.tokens.enqueue(keyOf(t.metadata)));

    const onAccount = (account: ServiceAccountResource, old?: ServiceAccountResource) => {
      if (!old || specOrMetaChanged(account, old)) controllers.serviceAccounts.enqueue(keyOf(account.metadata));
      if (!old || !isDeepStrictEqual(account.status, old.status)) for (const t of tokensByAccount.keys(stringKeyOf(account.metadata))) controllers.tokens.enqueue(parseKey(t));
    };
    informers.serviceAccounts.on("add", (a) => onAccount(a));
    informers.serviceAccounts.on("update", onAccount);
    informers.serviceAccounts.on("delete", (a) => onAccount(a));

    for (const [kind, informer, queue] of [
      ["ClusterUnleashConnection", informers.clusterConnections, controllers.clusterConnections],
      ["UnleashConnection", informers.connections, controllers.connections],
    ] as const) {
      const dependents = (connection: { metadata: ObjectMeta }) => {
        for (const a of accountsUsing(kind, connection.metadata)) controllers.serviceAccounts.enqueue(keyOf(a.metadata));
      };
      const onConnection = (connection: { metadata: ObjectMeta }) => {
        queue.enqueue(keyOf(connection.metadata));
        dependents(connection);
      };
      informer.on("add", onConnection);
      informer.on("update", (c, old) => {
        if (specOrMetaChanged(c, old)) onConnection(c);
        // A connection that recovers (or breaks) is news for every account using it.
        else if (!isDeepStrictEqual(c.status, old.status)) dependents(c);
      });
      informer.on("delete", onConnection);
    }

    // A namespace's labels decide whether a ClusterUnleashConnection admits its accounts.
    const accountsByNamespace = new Indexer<ServiceAccountResource>(informers.serviceAccounts, (a) => stringKeyOf(a.metadata), (a) => a.metadata.namespace);
    const onNamespace = (namespace: CachedNamespace, old?: CachedNamespace) => {
      if (old && isDeepStrictEqual(namespace.metadata.labels, old.metadata.labels)) return;
      for (const account of accountsByNamespace.keys(namespace.metadata.name)) controllers.serviceAccounts.enqueue(parseKey(account));
    };
    informers.namespaces.on("add", (n) => onNamespace(n));
    informers.namespaces.on("update", onNamespace);

    const onSecret = (secret: V1Secret) => {
      const owner = secret.metadata?.ownerReferences?.find((ref) => ref.kind === "ServiceAccountToken");
      if (owner && secret.metadata?.namespace) controllers.tokens.enqueue({ namespace: secret.metadata.namespace, name: owner.name });
    };
    informers.secrets.on("add", onSecret);
    informers.secrets.on("update", onSecret);
    informers.secrets.on("delete", onSecret);
  }

  /**
   * The periodic resync drops every account snapshot first, so each
   * connection is listed once per period and drift in Unleash is seen.
   */
  #resync(): void {
    this.#registry.invalidateAll();
    const each = <T extends { metadata: ObjectMeta }>(items: T[], controller: Controller) => items.forEach((item) => controller.enqueue(keyOf(item.metadata)));
    each(this.#informers.clusterConnections.list(), this.#controllers.clusterConnections);
    each(this.#informers.connections.list(), this.#controllers.connections);
    each(this.#informers.serviceAccounts.list(), this.#controllers.serviceAccounts);
    each<ServiceAccountTokenResource>(this.#informers.tokens.list(), this.#controllers.tokens);
  }

  async start(): Promise<void> {
    const all = Object.values(this.#informers);
    for (const informer of all) informer.start();
    await Promise.all(all.map((informer) => informer.whenSynced()));
    const { maxConcurrentReconciles: workers } = this.#options;
    for (const controller of Object.values(this.#controllers)) controller.start(workers);
    this.#resyncTimer = setInterval(() => this.#resync(), this.#options.resyncPeriodMs);
    this.#resyncTimer.unref();
    this.#options.logger.info({ namespaces: this.#options.namespaces.length ? this.#options.namespaces : "all" }, "operator started");
  }

  /** Informers are synced and their watches alive. */
  isHealthy(): boolean {
    return Object.values(this.#informers).every((informer) => informer.isHealthy());
  }

  async stop(deadlineMs: number): Promise<void> {
    clearInterval(this.#resyncTimer);
    await Promise.all(Object.values(this.#controllers).map((controller) => controller.stop(deadlineMs)));
    await Promise.all(Object.values(this.#informers).map((informer) => informer.stop()));
    await this.#registry.close();
  }
}
