import type { ServiceAccountStatus } from "../../api/v1alpha1/service-account.js";
import { findByUsername, type Snapshot, type SnapshotAccount } from "../../unleash/snapshot.js";

/** Unleash's clock and ours may differ; a claim this close to an account's creation still counts. */
const CLOCK_SKEW_MS = 60_000;

export type AccountMatch =
  | { kind: "ours"; account: SnapshotAccount }
  | { kind: "gone" }
  | { kind: "absent" }
  | { kind: "taken"; account: SnapshotAccount };

/**
 * Which Unleash account belongs to a ServiceAccount resource. The recorded id
 * wins; failing that, an account with the username is ours only when the
 * resource recorded a creation claim before the account appeared (a crash
 * between Unleash's answer and the status write).
 */
export function matchAccount(snapshot: Snapshot, status: ServiceAccountStatus, username: string): AccountMatch {
  const byId = status.id === undefined ? undefined : snapshot.serviceAccounts.find((a) => a.id === status.id);
  if (byId && byId.username === username) return { kind: "ours", account: byId };
  const byName = findByUsername(snapshot, username);
  if (byName) return claimed(byName, status) ? { kind: "ours", account: byName } : { kind: "taken", account: byName };
  return status.id === undefined ? { kind: "absent" } : { kind: "gone" };
}

function claimed(account: SnapshotAccount, status: ServiceAccountStatus): boolean {
  if (!status.creationStartedAt || !account.createdAt) return false;
  return Date.parse(account.createdAt) >= Date.parse(status.creationStartedAt) - CLOCK_SKEW_MS;
}
