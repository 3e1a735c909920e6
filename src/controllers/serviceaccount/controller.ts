import { isDeepStrictEqual } from "node:util";
import type { ServiceAccountStatus } from "../../api/v1alpha1/service-account.js";
import type { ClusterConnectionResource, ConnectionResource, ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import type { CachedNamespace } from "../../kube/cached-objects.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { Controller, ObjectKey } from "../../runtime/controller.js";
import type { EventSource } from "../../runtime/events.js";
import { Indexer } from "../../runtime/indexer.js";
import type { Informed } from "../../runtime/lister.js";
import type { Manager } from "../../runtime/manager.js";
import { addServiceAccountMetrics } from "./metrics.js";
import { keyToString, parseKey } from "../../runtime/object-key.js";
import type { ConnectionProtection } from "../connection/protection.js";
import { accountsConcerned } from "../connection/changes.js";
import { connectionIdOf, type AccountsChanged, type ConnectionRegistry } from "../connection/registry.js";
import { ReconcileTemplate } from "../shared/reconcile.js";
import { forPrimary, keyOf, specOrMetaChanged } from "../shared/watches.js";
import { ServiceAccountReconciler } from "./reconciler.js";

export interface ServiceAccountControllerDeps {
  serviceAccounts: Informed<ServiceAccountResource>;
  clusterConnections: Informed<ClusterConnectionResource>;
  connections: Informed<ConnectionResource>;
  namespaces: EventSource<CachedNamespace>;
  /** ServiceAccounts by the id of the connection they use (shared with the connection controllers). */
  accountsByConnection: Indexer<ServiceAccountResource>;
  registry: ConnectionRegistry;
  /** Accounts that a poll of Unleash found changed there. */
  unleashChanges: EventSource<AccountsChanged>;
  protection: ConnectionProtection;
  resources: CustomResourceClient;
  events: EventSink;
  clusterName: string;
  now: () => Date;
}

const usernameOf = (a: ServiceAccountResource) => (a.spec.success ? (a.spec.data.username ?? a.metadata.name) : undefined);
const stringKeyOf = (a: ServiceAccountResource) => keyToString(keyOf(a.metadata));

/** ServiceAccounts: their own kind, the connections they use, their namespaces' labels, and rivals for their usernames. */
export function setupServiceAccountController(manager: Manager, deps: ServiceAccountControllerDeps): Controller {
  const { serviceAccounts, accountsByConnection } = deps;
  const claims = { listers: deps, accountsByConnection: (id: string) => accountsByConnection.objects(id, serviceAccounts) };
  const reconciler = new ReconcileTemplate(
    new ServiceAccountReconciler({ lister: serviceAccounts, connections: deps.registry, claims, protection: deps.protection, events: deps.events, clusterName: deps.clusterName, now: deps.now }),
    deps,
  );
  const byUsername = new Indexer(serviceAccounts, stringKeyOf, usernameOf);
  const byNamespace = new Indexer(serviceAccounts, stringKeyOf, (a) => a.metadata.namespace);
  const keys = (members: string[]): ObjectKey[] => members.map(parseKey);
  const controller = manager
    .controller("serviceaccount", reconciler)
    .resyncFrom(() => serviceAccounts.list().map((a) => keyOf(a.metadata)))
    .watch(serviceAccounts, forPrimary<ServiceAccountStatus, ServiceAccountResource>((uid, status) => reconciler.isOwnStatus(uid, status)))
    // A claim on a username that appears, moves or goes is news to the other resources declaring it.
    .watch<ServiceAccountResource>(serviceAccounts, ({ type, object, old }) => {
      const username = usernameOf(object);
      const claimMoved = type !== "update" || !isDeepStrictEqual(object.status, old?.status);
      return username && claimMoved ? keys(byUsername.keys(username)) : [];
    })
    // A namespace's labels decide whether a ClusterUnleashConnection admits its accounts.
    .watch<CachedNamespace>(deps.namespaces, ({ type, object, old }) =>
      type === "delete" || (old && isDeepStrictEqual(object.metadata.labels, old.metadata.labels)) ? [] : keys(byNamespace.keys(object.metadata.name)),
    );
  // A poll of Unleash found these accounts changed there (deleted, renamed, another role).
  controller.watch<AccountsChanged>(
    deps.unleashChanges,
    ({ object }) => accountsConcerned(object, accountsByConnection.objects(object.connectionId, serviceAccounts)).map((account) => keyOf(account.metadata)),
    { deferToBackoff: true },
  );
  // A connection that changes, recovers or breaks is news for every account using it.
  for (const [kind, source] of [
    ["ClusterUnleashConnection", deps.clusterConnections],
    ["UnleashConnection", deps.connections],
  ] as const) {
    controller.watch<ClusterConnectionResource | ConnectionResource>(source, ({ type, object, old }) => {
      const changed = type !== "update" || !old || specOrMetaChanged(object, old) || !isDeepStrictEqual(object.status, old.status);
      const id = connectionIdOf({ kind, name: object.metadata.name }, object.metadata.namespace ?? "");
      return changed ? keys(accountsByConnection.keys(id)) : [];
    });
  }
  addServiceAccountMetrics(manager.resourceGauges, serviceAccounts, (account) => {
    const { id } = account.status;
    if (id === undefined || !account.spec.success) return undefined;
    const connection = connectionIdOf(account.spec.data.connectionRef, account.metadata.namespace ?? "");
    return deps.registry.lastSnapshot(connection)?.serviceAccounts.find((candidate) => candidate.id === id)?.tokens.length;
  });
  return controller;
}
