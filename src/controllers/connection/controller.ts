import type { ConnectionStatus } from "../../api/v1alpha1/connection.js";
import type { ClusterConnectionResource, ConnectionResource, ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { Informed } from "../../runtime/lister.js";
import type { Manager } from "../../runtime/manager.js";
import { addConnectionMetrics } from "./metrics.js";
import type { EventSource } from "../../runtime/events.js";
import { ReconcileTemplate } from "../shared/reconcile.js";
import { forPrimary, keyOf } from "../shared/watches.js";
import type { ConnectionProtection } from "./protection.js";
import { ConnectionReconciler, type ConnectionKind } from "./reconciler.js";
import type { ConnectionRegistry } from "./registry.js";

export interface ConnectionControllerDeps {
  clusterConnections: Informed<ClusterConnectionResource>;
  connections: Informed<ConnectionResource>;
  serviceAccounts: EventSource<ServiceAccountResource>;
  registry: ConnectionRegistry;
  protection: ConnectionProtection;
  dependents(connectionId: string): string[];
  resources: CustomResourceClient;
  events: EventSink;
  now: () => Date;
}

/** Both connection kinds: one controller each, watching their own kind and the accounts that use them. */
export function setupConnectionControllers(manager: Manager, deps: ConnectionControllerDeps): void {
  setup(manager, deps, "ClusterUnleashConnection", "clusterunleashconnection", deps.clusterConnections);
  setup(manager, deps, "UnleashConnection", "unleashconnection", deps.connections);
  addConnectionMetrics(manager.resourceGauges, { ...deps, lastListedAt: (id) => deps.registry.lastSnapshot(id)?.fetchedAt });
}

function setup(manager: Manager, deps: ConnectionControllerDeps, kind: ConnectionKind, name: string, informed: Informed<ClusterConnectionResource> | Informed<ConnectionResource>): void {
  const lister = informed as Informed<ClusterConnectionResource | ConnectionResource>;
  const reconciler = new ReconcileTemplate(new ConnectionReconciler(kind, { lister, connections: deps.registry, protection: deps.protection, dependents: deps.dependents }), deps);
  manager
    .controller(name, reconciler)
    .resyncFrom(() => lister.list().map((c) => keyOf(c.metadata)))
    .watch(lister, forPrimary<ConnectionStatus, ClusterConnectionResource | ConnectionResource>((uid, status) => reconciler.isOwnStatus(uid, status)))
    // A connection is held while accounts use it: one that appears or goes is news to it.
    .watch(deps.serviceAccounts, ({ type, object }) => {
      if (type === "update" || !object.spec.success) return [];
      const ref = object.spec.data.connectionRef;
      if (ref.kind !== kind) return [];
      return [kind === "ClusterUnleashConnection" ? { name: ref.name } : { namespace: object.metadata.namespace, name: ref.name }];
    });
}
