import { PROJECT_ACCESS_REASONS, progressing, type Outcome } from "../../api/v1alpha1/conditions.js";
import type { ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import { findCondition, isReady } from "../../kube/conditions.js";
import type { ObjectKey } from "../../runtime/controller.js";
import type { Lister } from "../../runtime/lister.js";
import type { ConnectionRegistry, ResolvedConnection } from "../connection/registry.js";
import type { TokenContext } from "./context.js";

export interface TokenAccountDeps {
  serviceAccounts: Lister<ServiceAccountResource>;
  connections: Pick<ConnectionRegistry, "resolve">;
  /** Asks the ServiceAccount controller to look at an account gone from Unleash. */
  enqueueServiceAccount(key: ObjectKey): void;
}

export type TokenAccount = { connection: ResolvedConnection; accountId: number } | { waiting: Outcome };

/** The Unleash account of the token's ServiceAccount, or why the token has to wait for it. */
export async function tokenAccount(deps: TokenAccountDeps, context: TokenContext): Promise<TokenAccount> {
  const name = context.spec.serviceAccountRef.name;
  const serviceAccount = deps.serviceAccounts.get(`${context.namespace}/${name}`);
  if (!serviceAccount) return waiting(`ServiceAccount ${name} does not exist yet`);
  if (serviceAccount.metadata.deletionTimestamp) return waiting(`ServiceAccount ${name} is being deleted`);
  const accountId = serviceAccount.status.id;
  if (!serviceAccount.spec.success || accountId === undefined || !accountInPlace(serviceAccount)) {
    return waiting(`ServiceAccount ${name} is not Ready${reasonOf(serviceAccount)}`);
  }
  const connection = await deps.connections.resolve(serviceAccount.spec.data.connectionRef, context.namespace);
  const snapshot = await connection.snapshots.get();
  if (!snapshot.serviceAccounts.some((a) => a.id === accountId)) {
    deps.enqueueServiceAccount({ namespace: context.namespace, name });
    return waiting(`the Unleash account of ServiceAccount ${name} is gone; waiting for it to be re-created`);
  }
  return { connection, accountId };
}

function waiting(message: string): TokenAccount {
  return { waiting: progressing("WaitingForServiceAccount", message) };
}

/** Ready, or waiting only for its project access: the account and its root role are in place either way. */
function accountInPlace(serviceAccount: ServiceAccountResource): boolean {
  const { conditions } = serviceAccount.status;
  return isReady(conditions) || PROJECT_ACCESS_REASONS.has(findCondition(conditions, "Ready")?.reason ?? "");
}

function reasonOf(serviceAccount: ServiceAccountResource): string {
  const condition = findCondition(serviceAccount.status.conditions, "Ready");
  return condition?.reason ? ` (${condition.reason}: ${condition.message})` : "";
}
