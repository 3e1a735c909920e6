import type { ServiceAccountStatus } from "../../api/v1alpha1/service-account.js";
import { findByUsername, type Snapshot, type SnapshotAccount } from "../../unleash/snapshot.js";

/** Unleash's clock and ours may differ; a claim this close to an account's creation still counts. */
const CLOCK_SKEW_MS = 60_000;

export type AccountMatch =
  | { kind: "ours"; account: SnapshotAccount }
  | { kind: "gone" }
  | { kind: "absent" }
  | { kind: "taken"; account: SnapshotAccount };

/** What the operator asked Unleash to create: an account found with other values was not made by this resource. */
export interface Requested {
  username: string;
  displayName: string;
  /** Unknown during deletion, where the role is not resolved. */
  rootRole?: number;
}

/**
 * Which Unleash account belongs to a ServiceAccount resource. The recorded id
 * wins; failing that, an account with the username is ours only when the
 * resource recorded a creation claim before the account appeared and the
 * account has the name and role that were asked for (a crash, or a lost
 * answer, between Unleash's create and the status write).
 */
export function matchAccount(snapshot: Snapshot, status: ServiceAccountStatus, requested: Requested): AccountMatch {
  const byId = status.id === undefined ? undefined : snapshot.serviceAccounts.find((a) => a.id === status.id);
  if (byId && byId.username === requested.username) return { kind: "ours", account: byId };
  const byName = findByUsername(snapshot, requested.username);
  if (byName) return claimed(byName, status, requested) ? { kind: "ours", account: byName } : { kind: "taken", account: byName };
  return status.id === undefined ? { kind: "absent" } : { kind: "gone" };
}

function claimed(account: SnapshotAccount, status: ServiceAccountStatus, requested: Requested): boolean {
  if (!status.creationStartedAt || !account.createdAt) return false;
  if (account.name !== requested.displayName || (requested.rootRole !== undefined && account.rootRole !== requested.rootRole)) return false;
  return Date.parse(account.createdAt) >= Date.parse(status.creationStartedAt) - CLOCK_SKEW_MS;
}
