import type { Logger } from "pino";
import { stalled } from "../../api/v1alpha1/conditions.js";
import type { ClusterUnleashConnectionSpec, UnleashConnectionSpec } from "../../api/v1alpha1/connection.js";
import type { ConnectionRef } from "../../api/v1alpha1/service-account.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { WriteFence } from "../../runtime/fence.js";
import { UnleashClient } from "../../unleash/client.js";
import { ProjectAccessCache } from "../../unleash/project-access.js";
import { AccountSnapshotCache, changedAccountIds, type Snapshot } from "../../unleash/snapshot.js";
import type { Listers } from "../shared/listers.js";
import { StalledError } from "../shared/outcomes.js";
import { unleashTarget } from "../../unleash/target.js";
import { cachedSecretKey, type SecretKeyReader } from "./admin-token.js";
import { inSet, needsLabels, projectPolicy, type ProjectPolicy } from "./project-policy.js";
import { secretRefOf, type ProtectedConnection } from "./protection.js";

/** The calls controllers make to Unleash (the client, or a fake in unit tests). */
export type UnleashApi = Pick<
  UnleashClient,
  | "listServiceAccounts"
  | "createServiceAccount"
  | "updateServiceAccount"
  | "deleteServiceAccount"
  | "createToken"
  | "deleteToken"
  | "listProjects"
  | "getProjectAccess"
  | "addProjectAccess"
  | "setProjectRoles"
  | "removeProjectAccess"
  | "close"
>;

/** News from a poll: accounts of one connection that changed in Unleash. */
export interface AccountsChanged {
  connectionId: string;
  accountIds: readonly number[];
}

export interface ResolvedConnection {
  /** "ClusterUnleashConnection/<name>" or "UnleashConnection/<namespace>/<name>". */
  id: string;
  url: string;
  /** The Unleash this connection points at, however the URL was written; connections sharing it share accounts. */
  target: string;
  allowedRootRoles: readonly string[] | undefined;
  /** Whether resources may adopt existing accounts (spec.allowAdoption, defaulted by kind). */
  allowAdoption: boolean;
  client: UnleashApi;
  snapshots: AccountSnapshotCache;
  /** Every project's access, read only when an account declares project access. */
  projectAccess: ProjectAccessCache;
}

/** A connection as resolved for a resource in one namespace: with the project policy for that namespace. */
export interface NamespacedConnection extends ResolvedConnection {
  source: ProtectedConnection;
  projectPolicy: ProjectPolicy;
}

interface Entry extends ResolvedConnection {
  fingerprint: string;
}

export interface ConnectionRegistryOptions {
  listers: Pick<Listers, "clusterConnections" | "connections">;
  clusterConnectionsWatched: boolean;
  secrets: SecretKeyReader;
  namespaceLabels: (namespace: string) => Promise<Readonly<Record<string, string>> | undefined>;
  /** A snapshot older than this is listed again on use; the poll keeps them younger. */
  snapshotMaxAgeMs: number;
  /** How long project access is reused (the resync period). */
  projectAccessMaxAgeMs: number;
  adminTokenTtlMs: number;
  unleashTimeoutMs: number;
  onRequest?: (route: string, status: number | "error", durationMs: number) => void;
  /** An entry of a list answer did not parse and was skipped. */
  onSkipped?: (entry: string, route: string) => void;
  fence: WriteFence;
  userAgent: string;
  /** Aborts every Unleash call in flight (the manager's stop deadline). */
  signal: AbortSignal;
  logger: Logger;
}

type AnySpec = UnleashConnectionSpec | ClusterUnleashConnectionSpec;

/**
 * One Unleash client and one account snapshot per connection, shared by every
 * reconcile that uses it, rebuilt when the connection's URL, CA or admin
 * token reference changes.
 */
export class ConnectionRegistry {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly options: ConnectionRegistryOptions) {}

  /** The connection a resource in `namespace` refers to, after the connection's own policy admitted the namespace. */
  async resolve(ref: ConnectionRef, namespace: string): Promise<NamespacedConnection> {
    const id = connectionIdOf(ref, namespace);
    if (ref.kind === "UnleashConnection") {
      const connection = this.options.listers.connections.get(`${namespace}/${ref.name}`);
      if (!connection) throw notFound(`UnleashConnection ${ref.name} does not exist in namespace ${namespace}`);
      if (!connection.spec.success) throw notFound(`UnleashConnection ${ref.name} has an invalid spec`);
      const source = { kind: ref.kind, id, meta: connection.metadata, spec: connection.spec.data, namespace };
      // The namespace holds the admin token itself: unset rules admit every project role.
      const policy = projectPolicy(connection.spec.data.projectAccess, true, namespace, undefined);
      return { ...(await this.connect(id, connection.spec.data, namespace)), source, projectPolicy: policy };
    }
    if (!this.options.clusterConnectionsWatched) {
      throw notFound(`this operator does not watch ClusterUnleashConnections (namespaced install); use an UnleashConnection in namespace ${namespace}`);
    }
    const connection = this.options.listers.clusterConnections.get(ref.name);
    if (!connection) throw notFound(`ClusterUnleashConnection ${ref.name} does not exist`);
    if (!connection.spec.success) throw notFound(`ClusterUnleashConnection ${ref.name} has an invalid spec`);
    const labels = await this.#checkNamespaceAllowed(ref.name, connection.spec.data, namespace);
    const source = { kind: ref.kind, id, meta: connection.metadata, spec: connection.spec.data, namespace: undefined };
    // Shared by tenants: unset rules admit no project access at all.
    const policy = projectPolicy(connection.spec.data.projectAccess, false, namespace, labels);
    return { ...(await this.connect(id, connection.spec.data, undefined)), source, projectPolicy: policy };
  }

  /** The connection resource a reference means, whatever its state (for its annotations). */
  metadataOf(ref: ConnectionRef, namespace: string): ObjectMeta | undefined {
    const lister = ref.kind === "UnleashConnection" ? this.options.listers.connections : this.options.listers.clusterConnections;
    return lister.get(ref.kind === "UnleashConnection" ? `${namespace}/${ref.name}` : ref.name)?.metadata;
  }

  /** Client and snapshot for a connection's spec; `namespace` is set for the namespaced kind. */
  async connect(id: string, spec: AnySpec, namespace: string | undefined): Promise<ResolvedConnection> {
    const tokenRef = secretRefOf(spec.adminTokenSecretRef, namespace);
    const caRef = spec.caSecretRef ? secretRefOf(spec.caSecretRef, namespace) : undefined;
    const ca = caRef ? await this.options.secrets.read(caRef, "CA bundle") : undefined;
    const fingerprint = JSON.stringify([spec.url, tokenRef, ca]);
    const existing = this.#entries.get(id);
    const policies = { allowedRootRoles: spec.allowedRootRoles, allowAdoption: spec.allowAdoption ?? namespace !== undefined };
    if (existing?.fingerprint === fingerprint) return { ...existing, ...policies };
    if (existing) void existing.client.close();
    const client = new UnleashClient({
      baseUrl: spec.url,
      getAdminToken: cachedSecretKey(this.options.secrets, tokenRef, this.options.adminTokenTtlMs),
      timeoutMs: this.options.unleashTimeoutMs,
      ...(ca ? { ca } : {}),
      ...(this.options.onRequest ? { onRequest: this.options.onRequest } : {}),
      ...(this.options.onSkipped ? { onSkipped: this.options.onSkipped } : {}),
      fence: this.options.fence,
      userAgent: this.options.userAgent,
      signal: this.options.signal,
    });
    const entry: Entry = {
      id,
      url: spec.url,
      target: unleashTarget(spec.url),
      ...policies,
      client,
      snapshots: new AccountSnapshotCache(client, { maxAgeMs: this.options.snapshotMaxAgeMs }),
      projectAccess: new ProjectAccessCache(client, { maxAgeMs: this.options.projectAccessMaxAgeMs }),
      fingerprint,
    };
    this.#entries.set(id, entry);
    this.options.logger.debug({ connection: id, url: spec.url }, "connection client created");
    return entry;
  }

  /** The last account snapshot listed through a connection, without listing (for metrics). */
  lastSnapshot(id: string): Snapshot | undefined {
    return this.#entries.get(id)?.snapshots.peek();
  }

  /**
   * Lists each connection in use again (one call each) and answers which of its accounts changed in
   * Unleash since the last list: someone revoked a token, deleted an account, changed a role.
   */
  async poll(): Promise<AccountsChanged[]> {
    const polled = await Promise.allSettled(
      [...this.#entries.values()].map(async (entry) => {
        const before = entry.snapshots.peek();
        if (before === undefined) return undefined;
        const accountIds = changedAccountIds(before, await entry.snapshots.refresh());
        return accountIds.length > 0 ? { connectionId: entry.id, accountIds } : undefined;
      }),
    );
    // A connection that cannot list now shows it on its resources' own reconciles; the others go on.
    return polled.flatMap((result) => (result.status === "fulfilled" && result.value ? [result.value] : []));
  }

  /** Makes every connection read project access again on next use (once per resync period). */
  invalidateProjectAccess(): void {
    for (const entry of this.#entries.values()) entry.projectAccess.invalidate();
  }

  forget(id: string): void {
    const entry = this.#entries.get(id);
    this.#entries.delete(id);
    if (entry) void entry.client.close();
  }

  async close(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((entry) => entry.client.close()));
    this.#entries.clear();
  }

  /** Returns the namespace's labels when a policy needs them. */
  async #checkNamespaceAllowed(name: string, spec: ClusterUnleashConnectionSpec, namespace: string): Promise<Readonly<Record<string, string>> | undefined> {
    const policy = spec.allowedNamespaces;
    const labels = policy?.selector || needsLabels(spec.projectAccess) ? await this.options.namespaceLabels(namespace) : undefined;
    if (policy && inSet(policy, namespace, labels)) return labels;
    throw new StalledError(
      stalled(
        "ConnectionNotAllowed",
        `ClusterUnleashConnection ${name} does not admit namespace ${namespace}: add it to spec.allowedNamespaces (names or selector)`,
      ),
    );
  }
}

/** "ClusterUnleashConnection/<name>" or "UnleashConnection/<namespace>/<name>": the connection a reference in `namespace` means. */
export function connectionIdOf(ref: ConnectionRef, namespace: string): string {
  return ref.kind === "ClusterUnleashConnection" ? `${ref.kind}/${ref.name}` : `${ref.kind}/${namespace}/${ref.name}`;
}

/** Every connection in the caches: its kind, id, metadata, spec when valid, and namespace for the namespaced kind. */
export function allConnections(listers: Pick<Listers, "clusterConnections" | "connections">): ProtectedConnection[] {
  const specOf = (c: { spec: { success: true; data: AnySpec } | { success: false } }) => (c.spec.success ? c.spec.data : undefined);
  return [
    ...listers.clusterConnections.list().map((c) => ({
      kind: "ClusterUnleashConnection" as const,
      id: connectionIdOf({ kind: "ClusterUnleashConnection", name: c.metadata.name }, ""),
      meta: c.metadata,
      spec: specOf(c),
      namespace: undefined,
    })),
    ...listers.connections.list().map((c) => ({
      kind: "UnleashConnection" as const,
      id: connectionIdOf({ kind: "UnleashConnection", name: c.metadata.name }, c.metadata.namespace ?? ""),
      meta: c.metadata,
      spec: specOf(c),
      namespace: c.metadata.namespace,
    })),
  ];
}

/** Every connection's id and the Unleash it points at (connections with an invalid spec have none). */
export function connectionTargets(listers: Pick<Listers, "clusterConnections" | "connections">): Array<{ id: string; target: string }> {
  return allConnections(listers).flatMap(({ id, spec }) => (spec ? [{ id, target: unleashTarget(spec.url) }] : []));
}

function notFound(message: string): StalledError {
  return new StalledError(stalled("ConnectionNotFound", message));
}
