import type { ClusterUnleashConnectionSpec, UnleashConnectionSpec } from "../../api/v1alpha1/connection.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { KindName } from "../../api/v1alpha1/resources.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { SecretClient } from "../../kube/secrets.js";
import { customResourceFinalizers, ensureFinalizer, removeFinalizer, type FinalizerPatcher } from "../shared/status.js";
import type { SecretKeyRef } from "./admin-token.js";

/**
 * While resources use a connection, it and the Secrets holding its admin token
 * and CA cannot go away: their finalizers need Unleash. The operator holds them
 * with this finalizer, as Kubernetes holds a PVC that a pod uses
 * (kubernetes.io/pvc-protection), and releases it once nothing uses them.
 */
export const IN_USE_FINALIZER = "accounts.unleash.dev/in-use";

export type AnyConnectionSpec = UnleashConnectionSpec | ClusterUnleashConnectionSpec;

/** A Secret by namespace and name (the key inside does not matter for protection). */
export interface SecretName {
  namespace: string;
  name: string;
}

/** The Secrets a connection reads: its admin token and, if set, its CA bundle. `namespace` is set for the namespaced kind. */
export function secretsOf(spec: AnyConnectionSpec, namespace: string | undefined): SecretKeyRef[] {
  return [secretRefOf(spec.adminTokenSecretRef, namespace), ...(spec.caSecretRef ? [secretRefOf(spec.caSecretRef, namespace)] : [])];
}

/** A connection's Secret reference: in the connection's own namespace for the namespaced kind, else where it says. */
export function secretRefOf(ref: { name: string; key: string; namespace?: string }, namespace: string | undefined): SecretKeyRef {
  return { name: ref.name, key: ref.key, namespace: namespace ?? ref.namespace ?? "default" };
}

export const sameSecret = (a: SecretName, b: SecretName): boolean => a.namespace === b.namespace && a.name === b.name;

/** A connection as protection sees it: its id, metadata, spec (when valid) and namespace (for the namespaced kind). */
export interface ProtectedConnection {
  kind: Extract<KindName, "ClusterUnleashConnection" | "UnleashConnection">;
  id: string;
  meta: ObjectMeta;
  spec: AnyConnectionSpec | undefined;
  namespace: string | undefined;
}

export interface ProtectionDeps {
  resources: Pick<CustomResourceClient, "setFinalizers">;
  secrets: Pick<SecretClient, "get" | "setFinalizers">;
  /** The resources that use the connection with this id. */
  dependents(connectionId: string): string[];
  /** Every connection in the caches. */
  connections(): ProtectedConnection[];
  /** The namespaces this operator watches; empty for all. */
  watchedNamespaces: readonly string[];
}

/**
 * Holds and releases the in-use finalizer on connections and their Secrets.
 * The connection controller keeps it in line with the dependents; a dependent
 * holds its connection itself before its first write to Unleash, so a
 * connection deleted at once after its first use is still held (as Kubernetes
 * adds pvc-protection at admission rather than later).
 */
export class ConnectionProtection {
  constructor(private readonly deps: ProtectionDeps) {}

  /** Secrets first: a held connection always has held Secrets. Costs nothing once the connection is held. */
  async hold(connection: ProtectedConnection): Promise<void> {
    if (connection.meta.finalizers?.includes(IN_USE_FINALIZER)) return;
    for (const secret of connection.spec ? secretsOf(connection.spec, connection.namespace) : []) await this.#setOnSecret(secret, true);
    await ensureFinalizer(this.#onConnection(connection), connection.meta, IN_USE_FINALIZER);
  }

  /** Holds while anything uses the connection; releases the connection, and its Secrets unless another connection in use reads them. */
  async sync(connection: ProtectedConnection): Promise<void> {
    if (this.deps.dependents(connection.id).length > 0) return this.hold(connection);
    if (!this.#seesEveryUser(connection)) return;
    for (const secret of connection.spec ? secretsOf(connection.spec, connection.namespace) : []) {
      await this.#setOnSecret(secret, this.#neededElsewhere(secret, connection.id));
    }
    await removeFinalizer(this.#onConnection(connection), connection.meta, IN_USE_FINALIZER);
  }

  /**
   * An operator scoped to some namespaces sees the users of a cluster connection only if every namespace
   * the connection admits is among them; otherwise it may hold the connection, never release it.
   */
  #seesEveryUser(connection: ProtectedConnection): boolean {
    const watched = this.deps.watchedNamespaces;
    if (connection.kind === "UnleashConnection" || watched.length === 0) return true;
    const admitted = connection.spec && "allowedNamespaces" in connection.spec ? connection.spec.allowedNamespaces : undefined;
    return admitted?.selector === undefined && (admitted?.names ?? []).every((name) => watched.includes(name));
  }

  #onConnection(connection: ProtectedConnection): FinalizerPatcher {
    return customResourceFinalizers(this.deps.resources, connection.kind, connection.meta);
  }

  async #setOnSecret(name: SecretName, hold: boolean): Promise<void> {
    const secret = await this.deps.secrets.get(name.namespace, name.name);
    if (!secret) return;
    const meta = { finalizers: secret.metadata?.finalizers };
    const target: FinalizerPatcher = { setFinalizers: (to) => this.deps.secrets.setFinalizers(secret, to) };
    if (hold) await ensureFinalizer(target, meta, IN_USE_FINALIZER);
    else await removeFinalizer(target, meta, IN_USE_FINALIZER);
  }

  /** Whether another connection in use reads the same Secret (a shared admin token). */
  #neededElsewhere(secret: SecretName, exceptId: string): boolean {
    return this.deps
      .connections()
      .some((c) => c.id !== exceptId && c.spec !== undefined && secretsOf(c.spec, c.namespace).some((s) => sameSecret(s, secret)) && this.deps.dependents(c.id).length > 0);
  }
}
