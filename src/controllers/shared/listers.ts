import type {
  ClusterConnectionResource,
  ConnectionResource,
  ServiceAccountResource,
  ServiceAccountTokenResource,
} from "../../api/v1alpha1/resources.js";

/** Read access to an informer cache, keyed "namespace/name" (or "name" when cluster-scoped). */
export interface Lister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

export interface Listers {
  clusterConnections: Lister<ClusterConnectionResource>;
  connections: Lister<ConnectionResource>;
  serviceAccounts: Lister<ServiceAccountResource>;
  tokens: Lister<ServiceAccountTokenResource>;
}
