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
import { outcomeForError, StalledError } from "../shared/outcomes.js";
import { reportOutcome, specErrorMessage, type Reporter } from "../shared/report.js";
import { ensureFinalizer, hasFinalizer, removeFinalizer, StatusWriters, type StatusWriter } from "../shared/status.js";
import { executePlan, revokeTokens, type Execution } from "./execute.js";
import { planToken, type TokenPlan } from "./plan.js";
import { ownershipOf, readSecretRecord } from "./secret-record.js";
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

  constructor(private readonly deps: TokenReconcilerDeps) {
    this.#statuses = new StatusWriters(deps.resources, KIND, deps.now);
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
      await ensureFinalizer(this.deps.resources, KIND, resource.metadata);
      return await this.#sync(context);
    } catch (err) {
      const { outcome, retry } = outcomeForError(err);
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
    let secret = this.deps.secretCache.get(`${context.namespace}/${secretNameOf(context.resource, context.spec)}`);
    let plan = this.#plan(context, tokens, secret);
    if (needsAction(plan) || plan.current === undefined) {
      // Act only on what the API server says now: the cache may not show our last write yet.
      secret = await this.deps.secrets.get(context.namespace, secretNameOf(context.resource, context.spec));
      plan = this.#plan(context, tokens, secret);
    }
    const execution: Execution = await executePlan({ ...this.deps, context, connection, accountId, plan, secret });
    return this.#finish(context, plan, execution);
  }

  #plan(context: TokenContext, tokens: ReadonlyArray<{ id: number; description: string; expiresAt: string }>, secret: V1Secret | undefined): TokenPlan {
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
      secret: readSecretRecord(secret, resource.metadata.uid, secretKeys(spec).token),
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
    if (serviceAccount?.spec.success && accountId !== undefined) {
      const connection = await this.deps.connections.resolve(serviceAccount.spec.data.connectionRef, context.namespace);
      const tokens = (await connection.snapshots.get()).serviceAccounts.find((a) => a.id === accountId)?.tokens ?? [];
      const ours = tokens.filter((t) => {
        const identity = parseTokenDescription(t.description);
        return identity?.uid === resource.metadata.uid && identity.cluster === this.deps.clusterName;
      });
      await revokeTokens({ ...this.deps, context, connection, accountId }, ours.map((t) => t.id), "the ServiceAccountToken was deleted");
    }
    const secretName = secretNameOf(resource, context.spec);
    const secret = await this.deps.secrets.get(context.namespace, secretName);
    if (secret?.metadata?.uid && ownershipOf(secret, resource.metadata.uid) === "owned") {
      await this.deps.secrets.delete(context.namespace, secretName, secret.metadata.uid);
    }
    await removeFinalizer(this.deps.resources, KIND, resource.metadata);
    return {};
  }
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
