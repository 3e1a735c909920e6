import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import { connectionTargets } from "../connection/registry.js";
import type { Listers } from "../shared/listers.js";
import type { Claimant } from "./ownership.js";

export interface ClaimSources {
  listers: Pick<Listers, "clusterConnections" | "connections">;
  /** ServiceAccount resources by connection id (an index over the informer). */
  accountsByConnection(connectionId: string): ServiceAccountResource[];
}

/** Every ServiceAccount resource that manages an account in the Unleash at `target`, through any connection. */
export function claimantsOf(sources: ClaimSources, target: string): Claimant[] {
  return connectionTargets(sources.listers)
    .filter((connection) => connection.target === target)
    .flatMap((connection) => sources.accountsByConnection(connection.id))
    .flatMap((resource) => (resource.spec.success ? [claimantOf(resource.metadata, resource.status.id, resource.spec.data.username ?? resource.metadata.name)] : []));
}

export function claimantOf(metadata: ObjectMeta, accountId: number | undefined, username: string): Claimant {
  return {
    key: `${metadata.namespace ?? ""}/${metadata.name}`,
    uid: metadata.uid,
    username,
    accountId,
    creationTimestamp: metadata.creationTimestamp,
  };
}
