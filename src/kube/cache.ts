import {
  parseClusterConnection,
  parseConnection,
  parseServiceAccount,
  parseServiceAccountToken,
} from "../api/v1alpha1/resources.js";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../api/v1alpha1/labels.js";
import { cachedNamespace, cachedSecret } from "./cached-objects.js";
import { ScopedInformers, type InformerFactory } from "./informers.js";

export interface CacheOptions {
  factory: InformerFactory;
  /** Namespaces to watch; empty = all. */
  namespaces: readonly string[];
  /** False where RBAC is namespaced and cluster-scoped objects cannot be read. */
  watchClusterScoped: boolean;
}

/**
 * The operator's informer cache: one informer set per kind it reads, each both
 * a lister and an event source. Token Secrets are watched by the operator's
 * label only, namespaces only where cluster-scoped objects may be read.
 */
export function createCache({ factory, namespaces, watchClusterScoped }: CacheOptions) {
  const scopes = namespaces.length > 0 ? namespaces : [undefined];
  const clusterScope = watchClusterScoped ? [undefined] : [];
  return {
    clusterConnections: new ScopedInformers(factory, "ClusterUnleashConnection", clusterScope, parseClusterConnection),
    connections: new ScopedInformers(factory, "UnleashConnection", scopes, parseConnection),
    serviceAccounts: new ScopedInformers(factory, "ServiceAccount", scopes, parseServiceAccount),
    tokens: new ScopedInformers(factory, "ServiceAccountToken", scopes, parseServiceAccountToken),
    secrets: new ScopedInformers(factory, "Secret", scopes, cachedSecret, `${MANAGED_BY_LABEL}=${MANAGED_BY}`),
    namespaces: new ScopedInformers(factory, "Namespace", clusterScope, cachedNamespace),
  };
}

export type Cache = ReturnType<typeof createCache>;
