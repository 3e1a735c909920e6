import type { V1Secret } from "@kubernetes/client-node";
import { stalled, type Outcome } from "../../api/v1alpha1/conditions.js";
import type { ServiceAccountResource, ServiceAccountTokenResource } from "../../api/v1alpha1/resources.js";
import type { ServiceAccountTokenFinalization, ServiceAccountTokenSpec, ServiceAccountTokenStatus } from "../../api/v1alpha1/service-account-token.js";
import type { EventSink } from "../../kube/events.js";
import type { SecretClient, WorkloadRestarter } from "../../kube/secrets.js";
import type { ReconcileResult } from "../../runtime/controller.js";
import type { Lister } from "../../runtime/lister.js";
import type { ConnectionRegistry, ResolvedConnection } from "../connection/registry.js";
import { ABANDON_ANNOTATION, abandons } from "../shared/abandon.js";
import { isPaused } from "../shared/pause.js";
import { StalledError } from "../shared/outcomes.js";
import { CleaningUpKind, type KindReconciler, type ReconcileContext } from "../shared/reconcile.js";
import { reportOutcome } from "../shared/report.js";
import { tokenAccount, type TokenAccountDeps } from "./account.js";
import { recordedTokenIds, ROTATE_ANNOTATION, TOKEN_KIND, UNLEASH_TOKEN_LIMIT, type TokenContext } from "./context.js";
import { parseTokenDescription } from "./description.js";
import { executePlan, revokeReplaced, revokeTokens } from "./execute.js";
import { planToken, type IssueReason, type ObservedToken, type TokenPlan } from "./plan.js";
import { nextWake, reportToken } from "./report.js";
import { ownershipOf, readSecretRecord } from "./secret-record.js";
import { secretKeys, secretNameOf } from "./secret-writer.js";
import { deleteOwnedSecrets, deleteStaleSecrets, observeSecret, type ObservedSecret, type TokenSecretsDeps } from "./secrets.js";

export interface TokenReconcilerDeps extends TokenAccountDeps, TokenSecretsDeps {
  lister: Lister<ServiceAccountTokenResource>;
  serviceAccounts: Lister<ServiceAccountResource>;
  secretCache: { get(key: string): V1Secret | undefined };
  connections: Pick<ConnectionRegistry, "resolve" | "metadataOf">;
  secrets: Pick<SecretClient, "get" | "delete" | "write">;
  workloads: Pick<WorkloadRestarter, "restart">;
  events: EventSink;
  clusterName: string;
  now: () => Date;
  onIssued?: ((reason: IssueReason) => void) | undefined;
}

/** Keeps one valid token per ServiceAccountToken resource in its Secret, rotating and repairing it. */
export class TokenReconciler
  extends CleaningUpKind<ServiceAccountTokenSpec, ServiceAccountTokenStatus, ServiceAccountTokenFinalization>
  implements KindReconciler<ServiceAccountTokenSpec, ServiceAccountTokenStatus, ServiceAccountTokenFinalization>
{
  readonly kind = TOKEN_KIND;

  constructor(private readonly deps: TokenReconcilerDeps) {
    super(deps.lister);
  }

  pausedBy(resource: ServiceAccountTokenResource): string | undefined {
    const name = this.factsOf(resource)?.serviceAccountRef.name;
    const account = name === undefined ? undefined : this.deps.serviceAccounts.get(`${resource.metadata.namespace ?? ""}/${name}`);
    const ref = account?.spec.success ? account.spec.data.connectionRef : undefined;
    return ref && isPaused(this.deps.connections.metadataOf(ref, resource.metadata.namespace ?? "")) ? `${ref.kind} ${ref.name}` : undefined;
  }

  /** Failures retried with backoff are counted in status, and when the last one happened. */
  failureFields(current: ServiceAccountTokenStatus, _outcome: Outcome, retry: boolean): ServiceAccountTokenStatus {
    return retry ? { ...current, failedAttempts: (current.failedAttempts ?? 0) + 1, lastFailureTime: this.deps.now().toISOString() } : current;
  }

  async sync(base: ReconcileContext<ServiceAccountTokenStatus> & { spec: ServiceAccountTokenSpec }): Promise<ReconcileResult> {
    const context: TokenContext = { ...base, namespace: base.meta.namespace ?? "" };
    const account = await tokenAccount(this.deps, context);
    if ("waiting" in account) {
      await reportOutcome(context.reporter, context.status, account.waiting);
      return {};
    }
    const { connection, accountId } = account;
    const tokens = (await connection.snapshots.get()).serviceAccounts.find((a) => a.id === accountId)?.tokens ?? [];
    let observed = await observeSecret(context, (name) => this.deps.secretCache.get(`${context.namespace}/${name}`));
    let plan = this.#plan(context, tokens, observed);
    if (needsAction(plan) || plan.current === undefined) {
      // Act only on what the API server says now: the cache may not show our last write yet.
      observed = await observeSecret(context, (name) => this.deps.secrets.get(context.namespace, name));
      plan = this.#plan(context, tokens, observed);
    }
    const repair = plan.issue && isRepair(plan.issue.reason) ? plan.issue.reason : undefined;
    const { uid, generation, annotations } = context.meta;
    const now = this.deps.now().getTime();
    if (repair) {
      const verdict = this.repairs.check(uid, { generation, annotations }, now);
      if (!verdict.allowed) {
        await reportOutcome(context.reporter, context.status, verdict.outcome);
        return { requeueAfterMs: verdict.retryAfterMs };
      }
    }
    const execution = await executePlan({ ...this.deps, logger: context.logger, context, connection, accountId, plan, secret: observed.secret });
    if (repair) this.repairs.record(uid, { generation, annotations }, `re-issue the token (${repair})`, now);
    await deleteStaleSecrets(this.deps, context, execution);
    await reportToken(context, plan, execution);
    await revokeReplaced({ ...this.deps, context, connection, accountId }, plan);
    return { requeueAfterMs: nextWake(plan, execution, this.deps.now().getTime()) };
  }

  #plan(context: TokenContext, tokens: readonly ObservedToken[], { secret, renamedFrom }: ObservedSecret): TokenPlan {
    const { meta, spec, namespace } = context;
    const ownership = ownershipOf(secret, meta.uid);
    if (ownership === "foreign" || (ownership === "unowned" && !spec.secret?.adopt)) {
      const owner = ownership === "foreign" ? "is owned by another object" : "exists and is not managed by the operator (set spec.secret.adopt: true to take it over)";
      throw new StalledError(stalled("SecretConflict", `Secret ${namespace}/${secretNameOf(meta, spec)} ${owner}; nothing was written`));
    }
    return planToken({
      now: this.deps.now().getTime(),
      identity: { cluster: this.deps.clusterName, namespace, name: meta.name, uid: meta.uid },
      spec,
      lastSerial: context.status.current.serial ?? 0,
      rotateRequest: meta.annotations?.[ROTATE_ANNOTATION],
      secret: readSecretRecord(renamedFrom ?? secret, meta.uid, secretKeys(spec).token),
      secretRenamed: renamedFrom !== undefined,
      accountTokens: tokens,
      tokenLimit: UNLEASH_TOKEN_LIMIT,
    });
  }

  async finalize(base: ReconcileContext<ServiceAccountTokenStatus> & { facts: ServiceAccountTokenFinalization }): Promise<undefined> {
    const { facts } = base;
    const namespace = base.meta.namespace ?? "";
    const serviceAccount = this.deps.serviceAccounts.get(`${namespace}/${facts.serviceAccountRef.name}`);
    const accountId = serviceAccount?.status.id;
    const connectionRef = serviceAccount?.spec.success ? serviceAccount.spec.data.connectionRef : undefined;
    if (abandons(base.meta, connectionRef && this.deps.connections.metadataOf(connectionRef, namespace))) {
      this.#abandon(base, accountId);
    } else if (connectionRef && accountId !== undefined) {
      const connection = await this.deps.connections.resolve(connectionRef, namespace);
      await this.#revokeAll(base, connection, accountId);
    } else if (base.status.current.tokenId !== undefined) {
      const message = `Released: ServiceAccount ${facts.serviceAccountRef.name} is gone, so ${describeTokens(base.status.current)} went with its account in Unleash, or stayed with it if it was abandoned`;
      this.deps.events.record(TOKEN_KIND, base.meta, "Normal", "Released", message);
    }
    await deleteOwnedSecrets(this.deps, { meta: base.meta, namespace }, secretNameOf(base.meta, facts));
    this.repairs.forget(base.meta.uid);
    return undefined;
  }

  /** Every token in the account whose description names this cluster and this resource. */
  async #revokeAll(base: ReconcileContext<ServiceAccountTokenStatus> & { facts: ServiceAccountTokenFinalization }, connection: ResolvedConnection, accountId: number): Promise<void> {
    const tokens = (await connection.snapshots.get()).serviceAccounts.find((a) => a.id === accountId)?.tokens ?? [];
    const ours = tokens.filter((t) => {
      const identity = parseTokenDescription(t.description);
      return identity?.uid === base.meta.uid && identity.cluster === this.deps.clusterName;
    });
    await revokeTokens({ events: this.deps.events, context: { meta: base.meta }, connection, accountId }, ours.map((t) => t.id), "the ServiceAccountToken was deleted");
  }

  #abandon(context: ReconcileContext<ServiceAccountTokenStatus>, accountId: number | undefined): void {
    const account = accountId === undefined ? "an unknown service account" : `service account id ${accountId}`;
    const message = `Released without touching Unleash (${ABANDON_ANNOTATION}=true); left behind in Unleash: ${describeTokens(context.status.current)} of ${account}`;
    context.logger.warn({ tokenIds: recordedTokenIds(context.status.current), accountId }, message);
    this.deps.events.record(TOKEN_KIND, context.meta, "Warning", "Abandoned", message);
  }
}

function describeTokens(status: ServiceAccountTokenStatus): string {
  const ids = recordedTokenIds(status);
  return ids.length === 0 ? "no recorded token" : `token(s) ${ids.join(", ")}`;
}

/** Issues that mend something; the first token and scheduled renewals are not repairs. */
function isRepair(reason: IssueReason): boolean {
  return reason !== "Initial" && reason !== "Renewal";
}

function needsAction(plan: TokenPlan): boolean {
  return plan.issue !== undefined || plan.revokeFirst.length > 0 || plan.revokeAfter.length > 0;
}
