import type { V1Secret } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { progressing, ready, stalled, type Outcome } from "../../api/v1alpha1/conditions.js";
import type { ServiceAccountResource, ServiceAccountTokenResource } from "../../api/v1alpha1/resources.js";
import type { ServiceAccountTokenSpec, ServiceAccountTokenStatus } from "../../api/v1alpha1/service-account-token.js";
import { isReady, findCondition } from "../../kube/conditions.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { SecretClient, WorkloadRestarter } from "../../kube/secrets.js";
import type { ObjectKey, Reconciler, ReconcileResult } from "../../runtime/controller.js";
import { keyToString } from "../../runtime/object-key.js";
import type { ConnectionRegistry, ResolvedConnection } from "../connection/registry.js";
import type { Listers } from "../shared/listers.js";
import { isStaleWrite, outcomeForError, StalledError } from "../shared/outcomes.js";
import { reportOutcome, specErrorMessage, type Reporter } from "../shared/report.js";
import { customResourceFinalizers, ensureFinalizer, hasFinalizer, removeFinalizer, StatusWriters, type StatusWriter } from "../shared/status.js";
import { RepairBudget } from "../shared/repair-budget.js";
import { ABANDON_ANNOTATION, abandons, withAbandonHint } from "../shared/abandon.js";
import { executePlan, revokeTokens, type Execution } from "./execute.js";
import { planToken, type IssueReason, type TokenPlan } from "./plan.js";
import { Annotations, ownershipOf, readSecretRecord } from "./secret-record.js";
import { secretKeys, secretNameOf } from "./secret-writer.js";
import { parseTokenDescription } from "./description.js";

export const ROTATE_ANNOTATION = "accounts.unleash.dev/rotate";
export const UNLEASH_TOKEN_LIMIT = 10;
const KIND = "ServiceAccountToken";
/** Room under the token limit appears when another resource's grace period ends, which no event announces. */
const TOKEN_LIMIT_RETRY_MS = 60_000;
/** Timers cannot wait longer than 2^31-1 ms; the periodic resync covers anything further out. */
const MAX_REQUEUE_MS = 24 * 3_600_000;

export interface TokenReconcilerDeps {
  listers: Pick<Listers, "serviceAccounts" | "tokens">;
  secretCache: { get(key: string): V1Secret | undefined };
  /** The Secrets whose ownerReference names this resource UID (an index over the Secret cache). */
  ownedSecrets(ownerUid: string): V1Secret[];
  connections: ConnectionRegistry;
  resources: CustomResourceClient;
  secrets: SecretClient;
  workloads: WorkloadRestarter;
  events: EventSink;
  logger: Logger;
  clusterName: string;
  enqueueServiceAccount: (key: ObjectKey) => void;
  now: () => Date;
}

interface ObservedSecret {
  secret: V1Secret | undefined;
  renamedFrom?: V1Secret;
}

export interface TokenContext {
  resource: ServiceAccountTokenResource;
  spec: ServiceAccountTokenSpec;
  namespace: string;
  status: StatusWriter<ServiceAccountTokenStatus>;
  reporter: Reporter;
}

/** Keeps one valid token per ServiceAccountToken resource in its Secret, rotating and repairing it. */
export class ServiceAccountTokenReconciler implements Reconciler {
  readonly #statuses: StatusWriters<ServiceAccountTokenStatus>;
  readonly #repairs = new RepairBudget();

  constructor(private readonly deps: TokenReconcilerDeps) {
    this.#statuses = new StatusWriters(deps.resources, KIND, deps.now);
  }

  /** A status change that is not this process's own write is news: a stale writer, or a person editing status. */
  isOwnStatus(uid: string, status: ServiceAccountTokenStatus): boolean {
    return this.#statuses.isOwnEcho(uid, status);
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const resource = this.deps.listers.tokens.get(keyToString(key));
    if (!resource) return {};
    const status = this.#statuses.for(resource.metadata, resource.status);
    const reporter: Reporter = { kind: KIND, meta: resource.metadata, events: this.deps.events, logger: this.deps.logger };
    if (!resource.spec.success) {
      await reportOutcome(reporter, status, stalled("InvalidSpec", specErrorMessage(resource.spec.error.issues)));
      return {};
    }
    const context: TokenContext = { resource, spec: resource.spec.data, namespace: resource.metadata.namespace ?? "", status, reporter };
    try {
      if (resource.metadata.deletionTimestamp) return await this.#finalize(context);
      await ensureFinalizer(customResourceFinalizers(this.deps.resources, KIND, resource.metadata), resource.metadata);
      return await this.#sync(context);
    } catch (err) {
      if (isStaleWrite(err)) throw err;
      const { outcome: failure, retry } = outcomeForError(err);
      const outcome = resource.metadata.deletionTimestamp ? withAbandonHint(failure) : failure;
      const failures = retry ? { failedAttempts: (status.current.failedAttempts ?? 0) + 1, lastFailureTime: this.deps.now().toISOString() } : {};
      await reportOutcome(reporter, status, outcome, { ...status.current, ...failures });
      if (retry) throw err;
      return {};
    }
  }

  async #sync(context: TokenContext): Promise<ReconcileResult> {
    const account = await this.#account(context);
    if ("waiting" in account) {
      await reportOutcome(context.reporter, context.status, account.waiting);
      return {};
    }
    const { connection, accountId } = account;
    const tokens = (await connection.snapshots.get()).serviceAccounts.find((a) => a.id === accountId)?.tokens ?? [];
    let observed = await this.#observeSecret(context, (name) => this.deps.secretCache.get(`${context.namespace}/${name}`));
    let plan = this.#plan(context, tokens, observed);
    if (needsAction(plan) || plan.current === undefined) {
      // Act only on what the API server says now: the cache may not show our last write yet.
      observed = await this.#observeSecret(context, (name) => this.deps.secrets.get(context.namespace, name));
      plan = this.#plan(context, tokens, observed);
    }
    const { secret } = observed;
    const repair = plan.issue && isRepair(plan.issue.reason) ? plan.issue.reason : undefined;
    const { uid, generation, annotations } = context.resource.metadata;
    const now = this.deps.now().getTime();
    if (repair) {
      const verdict = this.#repairs.check(uid, { generation, annotations }, now);
      if (!verdict.allowed) {
        await reportOutcome(context.reporter, context.status, verdict.outcome);
        return { requeueAfterMs: verdict.retryAfterMs };
      }
    }
    const execution: Execution = await executePlan({ ...this.deps, context, connection, accountId, plan, secret });
    if (repair) this.#repairs.record(uid, { generation, annotations }, `re-issue the token (${repair})`, now);
    await this.#deleteStaleSecrets(context, execution);
    return this.#finish(context, plan, execution);
  }

  /**
   * The Secret the spec names, and, when it does not exist yet because spec.secret.name changed, the
   * Secret the resource used before: its token is the current one until the rotation into the new name.
   */
  async #observeSecret(context: TokenContext, read: (name: string) => Promise<V1Secret | undefined> | V1Secret | undefined): Promise<ObservedSecret> {
    const name = secretNameOf(context.resource, context.spec);
    const secret = await read(name);
    const before = context.status.current.secretName;
    if (secret || before === undefined || before === name) return { secret };
    const previous = await read(before);
    return ownershipOf(previous, context.resource.metadata.uid) === "owned" ? { secret, renamedFrom: previous } : { secret };
  }

  /** Secrets of this resource that its spec no longer names go once the token they hold is out of its grace period. */
  async #deleteStaleSecrets(context: TokenContext, execution: Execution): Promise<void> {
    const current = secretNameOf(context.resource, context.spec);
    const held = new Set(execution.held.map((h) => h.id));
    for (const stale of this.deps.ownedSecrets(context.resource.metadata.uid)) {
      const name = stale.metadata?.name;
      const uid = stale.metadata?.uid;
      if (!name || !uid || name === current || held.has(Number(stale.metadata?.annotations?.[Annotations.tokenId]))) continue;
      await this.deps.secrets.delete(context.namespace, name, uid);
      this.deps.events.record(KIND, context.resource.metadata, "Normal", "SecretDeleted", `Deleted Secret ${name}, which spec.secret.name no longer names, once its token's grace period ended`);
    }
  }

  #plan(context: TokenContext, tokens: ReadonlyArray<{ id: number; description: string; expiresAt: string }>, { secret, renamedFrom }: ObservedSecret): TokenPlan {
    const { resource, spec, namespace } = context;
    const ownership = ownershipOf(secret, resource.metadata.uid);
    if (ownership === "foreign" || (ownership === "unowned" && !spec.secret?.adopt)) {
      const owner = ownership === "foreign" ? "is owned by another object" : "exists and is not managed by the operator (set spec.secret.adopt: true to take it over)";
      throw new StalledError(stalled("SecretConflict", `Secret ${namespace}/${secretNameOf(resource, spec)} ${owner}; nothing was written`));
    }
    return planToken({
      now: this.deps.now().getTime(),
      identity: { cluster: this.deps.clusterName, namespace, name: resource.metadata.name, uid: resource.metadata.uid },
      spec,
      lastSerial: context.status.current.serial ?? 0,
      rotateRequest: resource.metadata.annotations?.[ROTATE_ANNOTATION],
      secret: readSecretRecord(renamedFrom ?? secret, resource.metadata.uid, secretKeys(spec).token),
      secretRenamed: renamedFrom !== undefined,
      accountTokens: tokens,
      tokenLimit: UNLEASH_TOKEN_LIMIT,
    });
  }

  /** The Unleash account of the token's ServiceAccount, or why the token has to wait for it. */
  async #account(context: TokenContext): Promise<{ connection: ResolvedConnection; accountId: number } | { waiting: Outcome }> {
    const name = context.spec.serviceAccountRef.name;
    const serviceAccount = this.deps.listers.serviceAccounts.get(`${context.namespace}/${name}`);
    if (!serviceAccount) return { waiting: progressing("WaitingForServiceAccount", `ServiceAccount ${name} does not exist yet`) };
    const accountId = serviceAccount.status.id;
    if (serviceAccount.metadata.deletionTimestamp) return { waiting: progressing("WaitingForServiceAccount", `ServiceAccount ${name} is being deleted`) };
    if (!serviceAccount.spec.success || accountId === undefined || !isReady(serviceAccount.status.conditions)) {
      return { waiting: progressing("WaitingForServiceAccount", `ServiceAccount ${name} is not Ready${reasonOf(serviceAccount)}`) };
    }
    const connection = await this.deps.connections.resolve(serviceAccount.spec.data.connectionRef, context.namespace);
    const snapshot = await connection.snapshots.get();
    if (!snapshot.serviceAccounts.some((a) => a.id === accountId)) {
      this.deps.enqueueServiceAccount({ namespace: context.namespace, name });
      return { waiting: progressing("WaitingForServiceAccount", `the Unleash account of ServiceAccount ${name} is gone; waiting for it to be re-created`) };
    }
    return { connection, accountId };
  }

  #finish(context: TokenContext, plan: TokenPlan, execution: Execution): Promise<ReconcileResult> {
    return this.#writeStatus(context, plan, execution).then(() => ({ requeueAfterMs: nextWake(plan, execution, this.deps.now().getTime()) }));
  }

  async #writeStatus(context: TokenContext, plan: TokenPlan, execution: Execution): Promise<void> {
    const { current, held } = execution;
    const secretName = secretNameOf(context.resource, context.spec);
    const renewalTime = current ? new Date(Date.parse(current.expiresAt) - plan.renewBeforeMs).toISOString() : undefined;
    const fields: ServiceAccountTokenStatus = {
      ...(current ? { tokenId: current.id, expiresAt: current.expiresAt, renewalTime, lifetime: context.spec.lifetime } : {}),
      ...(execution.serial === undefined ? {} : { serial: execution.serial }),
      secretName,
      ...(execution.tokenHash ? { tokenHash: execution.tokenHash } : {}),
      ...(held.length > 0 ? { previousTokens: held } : {}),
      ...(execution.rotateRequest === undefined ? {} : { lastRotateRequest: execution.rotateRequest }),
    };
    if (plan.tokenLimitReached || !current) {
      await reportOutcome(context.reporter, context.status, stalled("TokenLimitReached", plan.tokenLimitReached ?? "no token could be issued"), fields);
      return;
    }
    await context.status.write(fields, ready(`token ${current.id} in Secret ${secretName}, expires ${current.expiresAt}, renews ${renewalTime}`));
  }

  async #finalize(context: TokenContext): Promise<ReconcileResult> {
    const { resource } = context;
    if (!hasFinalizer(resource.metadata)) return {};
    const serviceAccount = this.deps.listers.serviceAccounts.get(`${context.namespace}/${context.spec.serviceAccountRef.name}`);
    const accountId = serviceAccount?.status.id;
    const connectionRef = serviceAccount?.spec.success ? serviceAccount.spec.data.connectionRef : undefined;
    if (abandons(resource.metadata, connectionRef && this.deps.connections.metadataOf(connectionRef, context.namespace))) {
      this.#abandon(context, accountId);
    } else if (connectionRef && accountId !== undefined) {
      const connection = await this.deps.connections.resolve(connectionRef, context.namespace);
      const tokens = (await connection.snapshots.get()).serviceAccounts.find((a) => a.id === accountId)?.tokens ?? [];
      const ours = tokens.filter((t) => {
        const identity = parseTokenDescription(t.description);
        return identity?.uid === resource.metadata.uid && identity.cluster === this.deps.clusterName;
      });
      await revokeTokens({ ...this.deps, context, connection, accountId }, ours.map((t) => t.id), "the ServiceAccountToken was deleted");
    } else if (context.status.current.tokenId !== undefined) {
      const message = `Released: ServiceAccount ${context.spec.serviceAccountRef.name} is gone, so ${this.#recordedTokens(context)} went with its account in Unleash, or stayed with it if it was abandoned`;
      this.deps.events.record(KIND, resource.metadata, "Normal", "Released", message);
    }
    await this.#deleteOwnedSecrets(context);
    await removeFinalizer(customResourceFinalizers(this.deps.resources, KIND, resource.metadata), resource.metadata);
    this.#repairs.forget(resource.metadata.uid);
    return {};
  }

  /** Every Secret this resource owns: the one its spec names (read live), and any it named before. */
  async #deleteOwnedSecrets(context: TokenContext): Promise<void> {
    const { resource, namespace } = context;
    const current = await this.deps.secrets.get(namespace, secretNameOf(resource, context.spec));
    const owned = [current, ...this.deps.ownedSecrets(resource.metadata.uid)].filter((secret) => ownershipOf(secret, resource.metadata.uid) === "owned");
    const byUid = new Map(owned.flatMap((secret) => (secret?.metadata?.uid && secret.metadata.name ? [[secret.metadata.uid, secret.metadata.name] as const] : [])));
    for (const [uid, name] of byUid) await this.deps.secrets.delete(namespace, name, uid);
  }

  #abandon(context: TokenContext, accountId: number | undefined): void {
    const account = accountId === undefined ? "an unknown service account" : `service account id ${accountId}`;
    const message = `Released without touching Unleash (${ABANDON_ANNOTATION}=true); left behind in Unleash: ${this.#recordedTokens(context)} of ${account}`;
    const { metadata } = context.resource;
    this.deps.logger.warn({ kind: KIND, namespace: metadata.namespace, name: metadata.name, tokenIds: recordedTokenIds(context), accountId }, message);
    this.deps.events.record(KIND, metadata, "Warning", "Abandoned", message);
  }

  #recordedTokens(context: TokenContext): string {
    const ids = recordedTokenIds(context);
    return ids.length === 0 ? "no recorded token" : `token(s) ${ids.join(", ")}`;
  }
}

/** The current token and those in their grace period, as status records them. */
function recordedTokenIds(context: TokenContext): number[] {
  const { tokenId, previousTokens = [] } = context.status.current;
  return [...(tokenId === undefined ? [] : [tokenId]), ...previousTokens.map((held) => held.id)];
}

function isRepair(reason: IssueReason): boolean {
  return reason !== "Initial" && reason !== "Renewal";
}

function needsAction(plan: TokenPlan): boolean {
  return plan.issue !== undefined || plan.revokeFirst.length > 0 || plan.revokeAfter.length > 0;
}

function reasonOf(serviceAccount: ServiceAccountResource): string {
  const condition = findCondition(serviceAccount.status.conditions, "Ready");
  return condition?.reason ? ` (${condition.reason}: ${condition.message})` : "";
}

/** The next moment this token needs attention: its renewal, or the end of a grace period. */
function nextWake(plan: TokenPlan, execution: Execution, now: number): number {
  if (!execution.current) return TOKEN_LIMIT_RETRY_MS;
  const moments = [Date.parse(execution.current.expiresAt) - plan.renewBeforeMs, ...execution.held.map((h) => Date.parse(h.revokeAfter))];
  return Math.min(MAX_REQUEUE_MS, Math.max(1_000, Math.min(...moments) - now));
}
