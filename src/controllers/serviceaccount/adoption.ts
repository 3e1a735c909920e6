import { stalled } from "../../api/v1alpha1/conditions.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { SnapshotAccount } from "../../unleash/snapshot.js";
import type { ResolvedConnection } from "../connection/registry.js";
import { StalledError } from "../shared/outcomes.js";
import { parseTokenDescription } from "../token/description.js";
import type { Claimant } from "./ownership.js";

/** Annotation naming the other clusters whose accounts this resource may adopt (comma-separated cluster names). */
export const ADOPT_FROM_CLUSTER_ANNOTATION = "accounts.unleash.dev/adopt-from-cluster";

export interface AdoptionRequest {
  meta: Pick<ObjectMeta, "annotations">;
  username: string;
  adoptExisting: boolean;
  clusterName: string;
}

/**
 * Adoption takes an account that nobody in this cluster manages: only when the resource asks, its
 * connection allows it, and no other cluster's tokens are on it unless the resource names that cluster.
 */
export function checkAdoption(request: AdoptionRequest, connection: Pick<ResolvedConnection, "id" | "allowAdoption">, account: SnapshotAccount): void {
  const { username } = request;
  if (!request.adoptExisting) {
    throw stalledWith(
      "UsernameTaken",
      `an Unleash service account named ${username} (id ${account.id}) exists and is not managed by this resource; set spec.adoptExisting: true to take it over, or choose another spec.username`,
    );
  }
  if (!connection.allowAdoption) {
    throw stalledWith(
      "AdoptionNotAllowed",
      `${connection.id} does not allow adopting existing accounts (spec.allowAdoption), so the existing Unleash service account ${username} (id ${account.id}) was left alone; ask the connection's admin, or choose another spec.username`,
    );
  }
  const allowed = new Set((request.meta.annotations?.[ADOPT_FROM_CLUSTER_ANNOTATION] ?? "").split(",").map((name) => name.trim()));
  const foreign = [...new Set(account.tokens.flatMap((token) => parseTokenDescription(token.description)?.cluster ?? []))].filter(
    (cluster) => cluster !== request.clusterName && !allowed.has(cluster),
  );
  if (foreign.length > 0) {
    throw stalledWith(
      "UsernameTaken",
      `the Unleash service account ${username} (id ${account.id}) holds tokens of another cluster (${foreign.join(", ")}), whose operator manages it; ` +
        `to take it over from there, annotate this resource ${ADOPT_FROM_CLUSTER_ANNOTATION}=${foreign.join(",")}`,
    );
  }
}

/** The account (or, before it exists, its username) belongs to another resource of this cluster. */
export function takenBy(username: string, accountId: number | undefined, owner: Claimant): StalledError {
  const account = accountId === undefined ? `the username ${username}` : `the Unleash service account ${username} (id ${accountId})`;
  return stalledWith("UsernameTaken", `${account} is managed by ServiceAccount ${owner.key} on the same Unleash; one account has one owner: choose another spec.username`);
}

function stalledWith(reason: "UsernameTaken" | "AdoptionNotAllowed", message: string): StalledError {
  return new StalledError(stalled(reason, message));
}
