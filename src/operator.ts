import type { KubeConfig, V1Secret } from "@kubernetes/client-node";
import type { Logger } from "pino";
import {
  parseClusterConnection,
  parseConnection,
  parseServiceAccount,
  parseServiceAccountToken,
  type ClusterConnectionResource,
  type ConnectionResource,
  type ServiceAccountResource,
  type ServiceAccountTokenResource,
} from "./api/v1alpha1/resources.js";
import type { ObjectMeta } from "./api/v1alpha1/metadata.js";
import { SecretKeyReader } from "./controllers/connection/admin-token.js";
import { ConnectionReconciler } from "./controllers/connection/reconciler.js";
import { allConnections, ConnectionRegistry, connectionIdOf } from "./controllers/connection/registry.js";
import { ConnectionProtection } from "./controllers/connection/protection.js";
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
import type { WriteFence } from "./runtime/fence.js";
import { operatorVersion } from "./version.js";
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
  /** Asked before every Unleash write (Kubernetes writes are fenced in the kubeconfig). */
  fence: WriteFence;
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
  /** Whether a resource's status is this process's own last write; a status it did not write is news. */
  #ownStatus!: {
    tokens: (t: ServiceAccountTokenResource) => boolean;
    serviceAccounts: (a: ServiceAccountResource) => boolean;
    clusterConnections: (c: ClusterConnectionResource) => boolean;
    connections: (c: ConnectionResource) => boolean;
  };

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
      fence: options.fence,
      userAgent: `unleash-accounts-operator/${operatorVersion()} (${options.identity})`,
      logger,
    });
    const now = () => new Date();
    const controller = (name: string, reconciler: ConstructorParameters<typeof Controller>[0]["reconciler"]) =>
      new Controller({ name, reconciler, logger, metrics: metrics.forController(name), queue: new WorkQueue({ metrics: metrics.forWorkQueue(name) }) });
    const connectionDeps = { listers: informers, connections: this.#registry, resources, events, logger, now };
    const accountsByConnection = new Indexer<ServiceAccountResource>(informers.serviceAccounts, (a) => stringKeyOf(a.metadata), (a) =>
      a.spec.success ? connectionIdOf(a.spec.data.connectionRef, a.metadata.namespace ?? "") : undefined,
    );
    const claims = {
      listers: informers,
      accountsByConnection: (id: string) => accountsByConnection.keys(id).flatMap((key) => informers.serviceAccounts.get(key) ?? []),
    };
    const secrets = new SecretClient(kubeConfig);
    const dependents = (id: string) => accountsByConnection.keys(id).map((key) => `ServiceAccount ${key}`);
    const connectionProtection = new ConnectionProtection({ resources, secrets, listers: informers, dependents, connections: () => allConnections(informers), watchedNamespaces: options.namespaces });
    const reconcilers = {
      serviceAccounts: new ServiceAccountReconciler({ ...connectionDeps, claims, clusterName: options.clusterName, protection: connectionProtection }),
    };
    const serviceAccounts = controller("serviceaccount", reconcilers.serviceAccounts);
    const secretKey = (secret: V1Secret) => `${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`;
    const secretsByOwner = new Indexer<V1Secret>(informers.secrets, secretKey, (secret) => secret.metadata?.ownerReferences?.find((ref) => ref.kind === "ServiceAccountToken")?.uid);
    const protection = { protection: connectionProtection, dependents };
    const clusterConnectionReconciler = new ConnectionReconciler("ClusterUnleashConnection", { ...connectionDeps, ...protection });
    const connectionReconciler = new ConnectionReconciler("UnleashConnection", { ...connectionDeps, ...protection });
    const tokenReconciler = new ServiceAccountTokenReconciler({
          ...connectionDeps,
          secretCache: informers.secrets,
          ownedSecrets: (uid) => secretsByOwner.keys(uid).flatMap((key) => informers.secrets.get(key) ?? []),
          secrets,
          workloads: new WorkloadRestarter(kubeConfig),
          clusterName: options.clusterName,
          enqueueServiceAccount: (key) => serviceAccounts.enqueue(key),
        });
    this.#controllers = {
      clusterConnections: controller("clusterunleashconnection", clusterConnectionReconciler),
      connections: controller("unleashconnection", connectionReconciler),
      serviceAccounts,
      tokens: controller("serviceaccounttoken", tokenReconciler),
    };
    this.#ownStatus = {
      tokens: (t) => tokenReconciler.isOwnStatus(t.metadata.uid, t.status),
      serviceAccounts: (a) => reconcilers.serviceAccounts.isOwnStatus(a.metadata.uid, a.status),
      clusterConnections: (c) => clusterConnectionReconciler.isOwnStatus(c.metadata.uid, c.status),
      connections: (c) => connectionReconciler.isOwnStatus(c.metadata.uid, c.status),
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
    const statusNews = <T extends { status: unknown }>(next: T, old: T, own: (object: T) => boolean) => !isDeepStrictEqual(next.status, old.status) && !own(next);
    informers.tokens.on("update", (t, old) => (specOrMetaChanged(t, old) || statusNews(t, old, this.#ownStatus.tokens)) && controllers.tokens.enqueue(keyOf(t.metadata)));
    informers.tokens.on("delete", (t) => controllers.tokens.enqueue(keyOf(t.metadata)));

    const usernameOf = (a: ServiceAccountResource) => (a.spec.success ? (a.spec.data.username ?? a.metadata.name) : undefined);
    const accountsByUsername = new Indexer(informers.serviceAccounts, (a) => stringKeyOf(a.metadata), usernameOf);
    // A connection holds its protection while accounts use it: an account that appears or goes is news to it.
    const connectionOf = (account: ServiceAccountResource) => {
      if (!account.spec.success) return;
      const ref = account.spec.data.connectionRef;
      if (ref.kind === "ClusterUnleashConnection") controllers.clusterConnections.enqueue({ name: ref.name });
      else controllers.connections.enqueue({ namespace: account.metadata.namespace, name: ref.name });
    };
    const onAccount = (account: ServiceAccountResource, old?: ServiceAccountResource, deleted = false) => {
      if (!old || deleted) connectionOf(account);
      if (!old || specOrMetaChanged(account, old) || statusNews(account, old, this.#ownStatus.serviceAccounts)) controllers.serviceAccounts.enqueue(keyOf(account.metadata));
      const statusChanged = !old || !isDeepStrictEqual(account.status, old.status);
      if (statusChanged) for (const t of tokensByAccount.keys(stringKeyOf(account.metadata))) controllers.tokens.enqueue(parseKey(t));
      // A claim on a username that appears, moves or goes is news to the other resources declaring it.
      const username = usernameOf(account);
      if ((statusChanged || deleted) && username) for (const other of accountsByUsername.keys(username)) controllers.serviceAccounts.enqueue(parseKey(other));
    };
    informers.serviceAccounts.on("add", (a) => onAccount(a));
    informers.serviceAccounts.on("update", onAccount);
    informers.serviceAccounts.on("delete", (a) => onAccount(a, undefined, true));

    const own = this.#ownStatus;
    for (const [kind, informer, queue, isOwn] of [
      ["ClusterUnleashConnection", informers.clusterConnections, controllers.clusterConnections, own.clusterConnections],
      ["UnleashConnection", informers.connections, controllers.connections, own.connections],
    ] as const) {
      const dependents = (connection: { metadata: ObjectMeta }) => {
        for (const a of accountsUsing(kind, connection.metadata)) controllers.serviceAccounts.enqueue(keyOf(a.metadata));
      };
      const onConnection = (connection: { metadata: ObjectMeta }) => {
        queue.enqueue(keyOf(connection.metadata));
        dependents(connection);
      };
      informer.on("add", onConnection);
      informer.on("update", (c: ClusterConnectionResource | ConnectionResource, old: ClusterConnectionResource | ConnectionResource) => {
        if (specOrMetaChanged(c, old) || (!isDeepStrictEqual(c.status, old.status) && !isOwn(c as never))) onConnection(c);
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
