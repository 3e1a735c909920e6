import type { Logger } from "pino";
import { stalled } from "../../api/v1alpha1/conditions.js";
import type { ClusterUnleashConnectionSpec, UnleashConnectionSpec } from "../../api/v1alpha1/connection.js";
import type { ConnectionRef } from "../../api/v1alpha1/service-account.js";
import { matchesSelector } from "../../kube/label-selector.js";
import { UnleashClient } from "../../unleash/client.js";
import { AccountSnapshotCache } from "../../unleash/snapshot.js";
import type { Listers } from "../shared/listers.js";
import { StalledError } from "../shared/outcomes.js";
import { cachedSecretKey, type SecretKeyReader, type SecretKeyRef } from "./admin-token.js";

export interface ResolvedConnection {
  /** "ClusterUnleashConnection/<name>" or "UnleashConnection/<namespace>/<name>". */
  id: string;
  url: string;
  allowedRootRoles: readonly string[] | undefined;
  client: UnleashClient;
  snapshots: AccountSnapshotCache;
}

interface Entry extends ResolvedConnection {
  fingerprint: string;
}

export interface ConnectionRegistryOptions {
  listers: Pick<Listers, "clusterConnections" | "connections">;
  clusterConnectionsWatched: boolean;
  secrets: SecretKeyReader;
  namespaceLabels: (namespace: string) => Promise<Readonly<Record<string, string>> | undefined>;
  snapshotMaxAgeMs: number;
  adminTokenTtlMs: number;
  unleashTimeoutMs: number;
  onRequest?: (route: string, status: number | "error", durationMs: number) => void;
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
  async resolve(ref: ConnectionRef, namespace: string): Promise<ResolvedConnection> {
    if (ref.kind === "UnleashConnection") {
      const connection = this.options.listers.connections.get(`${namespace}/${ref.name}`);
      if (!connection) throw notFound(`UnleashConnection ${ref.name} does not exist in namespace ${namespace}`);
      if (!connection.spec.success) throw notFound(`UnleashConnection ${ref.name} has an invalid spec`);
      return this.connect(`UnleashConnection/${namespace}/${ref.name}`, connection.spec.data, namespace);
    }
    if (!this.options.clusterConnectionsWatched) {
      throw notFound(`this operator does not watch ClusterUnleashConnections (namespaced install); use an UnleashConnection in namespace ${namespace}`);
    }
    const connection = this.options.listers.clusterConnections.get(ref.name);
    if (!connection) throw notFound(`ClusterUnleashConnection ${ref.name} does not exist`);
    if (!connection.spec.success) throw notFound(`ClusterUnleashConnection ${ref.name} has an invalid spec`);
    await this.#checkNamespaceAllowed(ref.name, connection.spec.data, namespace);
    return this.connect(`ClusterUnleashConnection/${ref.name}`, connection.spec.data, undefined);
  }

  /** Client and snapshot for a connection's spec; `namespace` is set for the namespaced kind. */
  async connect(id: string, spec: AnySpec, namespace: string | undefined): Promise<ResolvedConnection> {
    const tokenRef = secretRef(spec.adminTokenSecretRef, namespace);
    const caRef = spec.caSecretRef ? secretRef(spec.caSecretRef, namespace) : undefined;
    const ca = caRef ? await this.options.secrets.read(caRef, "CA bundle") : undefined;
    const fingerprint = JSON.stringify([spec.url, tokenRef, ca]);
    const existing = this.#entries.get(id);
    if (existing?.fingerprint === fingerprint) return { ...existing, allowedRootRoles: spec.allowedRootRoles };
    if (existing) void existing.client.close();
    const client = new UnleashClient({
      baseUrl: spec.url,
      getAdminToken: cachedSecretKey(this.options.secrets, tokenRef, this.options.adminTokenTtlMs),
      timeoutMs: this.options.unleashTimeoutMs,
      ...(ca ? { ca } : {}),
      ...(this.options.onRequest ? { onRequest: this.options.onRequest } : {}),
    });
    const entry: Entry = {
      id,
      url: spec.url,
      allowedRootRoles: spec.allowedRootRoles,
      client,
      snapshots: new AccountSnapshotCache(client, { maxAgeMs: this.options.snapshotMaxAgeMs }),
      fingerprint,
    };
    this.#entries.set(id, entry);
    this.options.logger.debug({ connection: id, url: spec.url }, "connection client created");
    return entry;
  }

  /** Makes every connection list Unleash again on next use (the periodic resync). */
  invalidateAll(): void {
    for (const entry of this.#entries.values()) entry.snapshots.invalidate();
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

  async #checkNamespaceAllowed(name: string, spec: ClusterUnleashConnectionSpec, namespace: string): Promise<void> {
    const policy = spec.allowedNamespaces;
    if (policy?.names?.includes(namespace)) return;
    if (policy?.selector) {
      const labels = await this.options.namespaceLabels(namespace);
      if (labels && matchesSelector(policy.selector, labels)) return;
    }
    throw new StalledError(
      stalled(
        "ConnectionNotAllowed",
        `ClusterUnleashConnection ${name} does not admit namespace ${namespace}: add it to spec.allowedNamespaces (names or selector)`,
      ),
    );
  }
}

function notFound(message: string): StalledError {
  return new StalledError(stalled("ConnectionNotFound", message));
}

function secretRef(ref: { name: string; key: string; namespace?: string }, namespace: string | undefined): SecretKeyRef {
  return { name: ref.name, key: ref.key, namespace: namespace ?? ref.namespace ?? "default" };
}
