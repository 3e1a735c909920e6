import type {
  ClusterConnectionResource,
  ConnectionResource,
  ServiceAccountResource,
  ServiceAccountTokenResource,
} from "../../api/v1alpha1/resources.js";

import type { Lister } from "../../runtime/lister.js";

export interface Listers {
  clusterConnections: Lister<ClusterConnectionResource>;
  connections: Lister<ConnectionResource>;
  serviceAccounts: Lister<ServiceAccountResource>;
  tokens: Lister<ServiceAccountTokenResource>;
}
