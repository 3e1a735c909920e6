import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { ClusterConnectionResource, ConnectionResource } from "../../api/v1alpha1/resources.js";
import type { Lister } from "../../runtime/lister.js";
import type { ResourceGauges } from "../../runtime/resource-metrics.js";
import { addStalledGauge, readySamples, timestampSample, type Observed } from "../shared/metrics.js";
import { connectionIdOf } from "./registry.js";

type Kind = "ClusterUnleashConnection" | "UnleashConnection";
const labelsFor = (kind: Kind) => (meta: ObjectMeta) => ({ kind, namespace: meta.namespace ?? "", name: meta.name });

export interface ConnectionMetricsDeps {
  clusterConnections: Lister<ClusterConnectionResource>;
  connections: Lister<ConnectionResource>;
  /** When the connection last listed Unleash's accounts successfully (epoch ms). */
  lastListedAt: (id: string) => number | undefined;
}

/** Ready per connection, and when each last listed Unleash: a connection that stopped listing is one to look at. */
export function addConnectionMetrics(gauges: ResourceGauges, deps: ConnectionMetricsDeps): void {
  const both = (): Array<[Kind, Observed[]]> => [
    ["ClusterUnleashConnection", deps.clusterConnections.list()],
    ["UnleashConnection", deps.connections.list()],
  ];
  gauges.add(
    { name: "unleash_connection_ready_status", help: "The Ready condition of each connection: 1 for its current status (True, False or Unknown)", labelNames: ["kind", "namespace", "name", "condition"] },
    () => both().flatMap(([kind, list]) => readySamples(list, labelsFor(kind))),
  );
  gauges.add(
    { name: "unleash_connection_last_list_timestamp_seconds", help: "When each connection last listed Unleash's service accounts successfully (Unix time)", labelNames: ["kind", "namespace", "name"] },
    () =>
      both().flatMap(([kind, list]) =>
        list.flatMap(({ metadata }) => {
          const at = deps.lastListedAt(connectionIdOf({ kind, name: metadata.name }, metadata.namespace ?? ""));
          return timestampSample(labelsFor(kind)(metadata), at === undefined ? undefined : new Date(at).toISOString());
        }),
      ),
  );
  addStalledGauge(gauges, "ClusterUnleashConnection", () => deps.clusterConnections.list());
  addStalledGauge(gauges, "UnleashConnection", () => deps.connections.list());
}
