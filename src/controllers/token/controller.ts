import { isDeepStrictEqual } from "node:util";
import type { V1Secret } from "@kubernetes/client-node";
import type { ServiceAccountResource, ServiceAccountTokenResource } from "../../api/v1alpha1/resources.js";
import type { ServiceAccountTokenStatus } from "../../api/v1alpha1/service-account-token.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { SecretClient, WorkloadRestarter } from "../../kube/secrets.js";
import type { ObjectKey } from "../../runtime/controller.js";
import { Indexer } from "../../runtime/indexer.js";
import type { EventSource } from "../../runtime/events.js";
import type { Informed } from "../../runtime/lister.js";
import type { Manager } from "../../runtime/manager.js";
import { keyToString, parseKey } from "../../runtime/object-key.js";
import { accountsConcerned } from "../connection/changes.js";
import type { AccountsChanged, ConnectionRegistry } from "../connection/registry.js";
import { ReconcileTemplate } from "../shared/reconcile.js";
import { forPrimary, keyOf } from "../shared/watches.js";
import { TOKEN_KIND } from "./context.js";
import { addTokenMetrics } from "./metrics.js";
import type { IssueReason } from "./plan.js";
import { TokenReconciler } from "./reconciler.js";

export interface TokenControllerDeps {
  tokens: Informed<ServiceAccountTokenResource>;
  serviceAccounts: Informed<ServiceAccountResource>;
  secrets: Informed<V1Secret>;
  registry: ConnectionRegistry;
  /** Accounts that a poll of Unleash found changed there (e.g. a token revoked by an admin). */
  unleashChanges: EventSource<AccountsChanged>;
  resources: CustomResourceClient;
  secretClient: SecretClient;
  workloads: WorkloadRestarter;
  events: EventSink;
  clusterName: string;
  now: () => Date;
  enqueueServiceAccount(key: ObjectKey): void;
  /** Hears of every token issued, and why. */
  onIssued?: (reason: IssueReason) => void;
}

const secretKey = (secret: V1Secret) => `${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`;
const ownerOf = (secret: V1Secret) => secret.metadata?.ownerReferences?.find((ref) => ref.kind === TOKEN_KIND);

/** ServiceAccountTokens: their own kind, the Secrets they own, and their account's status. */
export function setupTokenController(manager: Manager, deps: TokenControllerDeps): void {
  const { tokens, serviceAccounts, secrets } = deps;
  const secretsByOwner = new Indexer<V1Secret>(secrets, secretKey, (secret) => ownerOf(secret)?.uid);
  const accountOf = (t: ServiceAccountTokenResource) => (t.spec.success ? keyToString({ namespace: t.metadata.namespace, name: t.spec.data.serviceAccountRef.name }) : undefined);
  const tokensByAccount = new Indexer(tokens, (t) => keyToString(keyOf(t.metadata)), accountOf);
  const reconciler = new ReconcileTemplate(
    new TokenReconciler({
      lister: tokens,
      serviceAccounts,
      secretCache: secrets,
      ownedSecrets: (uid) => secretsByOwner.objects(uid, secrets),
      connections: deps.registry,
      secrets: deps.secretClient,
      workloads: deps.workloads,
      events: deps.events,
      clusterName: deps.clusterName,
      now: deps.now,
      enqueueServiceAccount: deps.enqueueServiceAccount,
      onIssued: deps.onIssued,
    }),
    deps,
  );
  addTokenMetrics(manager.resourceGauges, tokens);
  manager
    .controller("serviceaccounttoken", reconciler)
    .resyncFrom(() => tokens.list().map((t) => keyOf(t.metadata)))
    .watch(tokens, forPrimary<ServiceAccountTokenStatus, ServiceAccountTokenResource>((uid, status) => reconciler.isOwnStatus(uid, status)))
    // A token waits for its account, and acts on its account's id: any change of the account's status is news.
    .watch<ServiceAccountResource>(serviceAccounts, ({ type, object, old }) =>
      type === "update" && isDeepStrictEqual(object.status, old?.status) ? [] : tokensByAccount.keys(keyToString(keyOf(object.metadata))).map(parseKey),
    )
    // A token revoked (or an account changed) in Unleash: the tokens of the accounts concerned.
    .watch<AccountsChanged>(
      deps.unleashChanges,
      ({ object }) => accountsConcerned(object, serviceAccounts.list()).flatMap((account) => tokensByAccount.keys(keyToString(keyOf(account.metadata))).map(parseKey)),
      { deferToBackoff: true },
    )
    // A Secret the operator wrote, edited or deleted by someone else, is repaired at once.
    .watch<V1Secret>(secrets, ({ object }) => {
      const owner = ownerOf(object);
      return owner && object.metadata?.namespace ? [{ namespace: object.metadata.namespace, name: owner.name }] : [];
    });
}
