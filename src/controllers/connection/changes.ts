import type { ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import { connectionIdOf, type AccountsChanged } from "./registry.js";

/** The ServiceAccounts whose Unleash account a poll found changed: their controllers reconcile only these. */
export function accountsConcerned(change: AccountsChanged, accounts: Iterable<ServiceAccountResource>): ServiceAccountResource[] {
  const ids = new Set(change.accountIds);
  return [...accounts].filter(
    (account) =>
      account.spec.success &&
      account.status.id !== undefined &&
      ids.has(account.status.id) &&
      connectionIdOf(account.spec.data.connectionRef, account.metadata.namespace ?? "") === change.connectionId,
  );
}
