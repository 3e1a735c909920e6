import type { V1Secret } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { EventSink } from "../../kube/events.js";
import type { SecretClient, WorkloadRestarter } from "../../kube/secrets.js";
import { SecretValue } from "../../logging/secret-value.js";
import type { ResolvedConnection } from "../connection/registry.js";
import { crashPoint } from "../shared/crash-points.js";
import { StalledError } from "../shared/outcomes.js";
import { stalled } from "../../api/v1alpha1/conditions.js";
import { isInvalid, kubeErrorMessage } from "../../kube/api-errors.js";
import type { IssueReason, ObservedToken, TokenPlan } from "./plan.js";
import { Annotations, sha256, type HeldToken } from "./secret-record.js";
import { desiredSecret, secretDrifted, secretKeys, type TokenSecretState } from "./secret-writer.js";
import { ROTATE_ANNOTATION, TOKEN_KIND, type TokenContext } from "./context.js";

export interface ExecutionDeps {
  context: TokenContext;
  connection: ResolvedConnection;
  accountId: number;
  secrets: Pick<SecretClient, "write" | "delete">;
  workloads: Pick<WorkloadRestarter, "restart">;
  events: EventSink;
  logger: Logger;
  now: () => Date;
  /** Hears of every token issued, and why (the rotations metric). */
  onIssued?: ((reason: IssueReason) => void) | undefined;
}

/** What revoking needs: which account, where, and on whose behalf the Events are recorded. */
export interface RevokeDeps {
  context: Pick<TokenContext, "meta">;
  connection: ResolvedConnection;
  accountId: number;
  events: EventSink;
}

/** The token the resource holds after an execution, as far as Unleash said. */
export interface CurrentToken {
  id: number;
  expiresAt: string;
  /** When it was issued; Unleash's createdAt, or the operator's clock for a token it just made. */
  issuedAt?: string | undefined;
  seenAt?: string | undefined;
}

export interface Execution {
  current?: CurrentToken;
  held: HeldToken[];
  /** Serial of the current token, from its description in Unleash. */
  serial?: number;
  tokenHash?: string;
  rotateRequest?: string;
}

const ISSUE_MESSAGES: Record<IssueReason, string> = {
  Initial: "Issued token",
  SecretMissing: "Re-issued token because its Secret was deleted",
  SecretEdited: "Re-issued token because its Secret was edited",
  TokenRevoked: "Re-issued token because it no longer exists in Unleash",
  TokenExpired: "Re-issued token because it expired",
  Renewal: "Rotated token before its expiry",
  LifetimeChanged: "Rotated token because spec.lifetime changed",
  RotationRequested: "Rotated token on request (accounts.unleash.dev/rotate)",
  SecretRenamed: "Rotated token into the Secret that spec.secret.name now names; the previous Secret goes once its grace period ends",
};

/**
 * Carries out a token plan in the only order that never loses a working
 * token: create, write the Secret, then (revokeReplaced, once status says
 * so) revoke what it replaced. A token whose Secret write failed is revoked
 * at once, so no untracked token stays.
 */
export async function executePlan(deps: ExecutionDeps & { plan: TokenPlan; secret: V1Secret | undefined }): Promise<Execution> {
  const { plan, context } = deps;
  await revokeTokens(deps, plan.revokeFirst, "making room under Unleash's token limit");
  const rotateRequest = context.meta.annotations?.[ROTATE_ANNOTATION];
  let execution: Execution;
  if (plan.issue) {
    execution = await issue(deps, plan.issue, plan.held, rotateRequest);
  } else {
    const { current } = plan;
    const known = current && { id: current.id, expiresAt: current.expiresAt, issuedAt: current.createdAt, seenAt: current.seenAt };
    execution = { held: plan.held, ...(known ? { current: known, serial: plan.currentSerial } : {}) };
    if (current && deps.secret) Object.assign(execution, await enforceSecret(deps, current, plan.held, deps.secret));
  }
  return execution;
}

/**
 * The last step: revoke what the new token replaced. It comes after the status write, so a workload
 * waiting for its repaired Secret never waits for it; a crash before it leaves tokens that the next
 * reconcile finds as this resource's and no longer current or held, and revokes.
 */
export async function revokeReplaced(deps: RevokeDeps, plan: Pick<TokenPlan, "revokeAfter">): Promise<void> {
  await revokeTokens(deps, plan.revokeAfter, "it was replaced");
  crashPoint("after-revoke");
}

type IssueRequest = NonNullable<TokenPlan["issue"]>;

async function issue(deps: ExecutionDeps & { secret: V1Secret | undefined }, request: IssueRequest, held: HeldToken[], rotateRequest: string | undefined): Promise<Execution> {
  const { connection, accountId, context } = deps;
  const created = await connection.client.createToken(accountId, { description: request.description, expiresAt: request.expiresAt }).catch((err: unknown) => {
    // Unleash may have created the token although its answer was lost, or another create took the last slot:
    // count again from Unleash, so the next attempt sees the orphan as a stray and moves to a fresh serial.
    connection.snapshots.invalidate();
    throw err;
  });
  const { secret: tokenText, ...stored } = created;
  connection.snapshots.recordToken(accountId, stored);
  crashPoint("after-token-create");
  const token = tokenText;
  const state: TokenSecretState = { tokenId: created.id, token, expiresAt: created.expiresAt, held, rotateRequest };
  try {
    await deps.secrets.write(desiredSecret(context.meta, context.spec, connection.url, state, deps.secret));
  } catch (err) {
    await revokeTokens(deps, [created.id], "its Secret could not be written").catch((revokeErr: unknown) =>
      deps.logger.warn({ err: revokeErr, tokenId: created.id }, "could not revoke a token whose Secret write failed; it is revoked on the next reconcile"),
    );
    // Admission should have refused such a spec; should something still slip through, retrying would only mint more tokens.
    if (isInvalid(err)) throw new StalledError(stalled("InvalidSpec", `the API server refused the Secret: ${kubeErrorMessage(err)}; fix spec.secret`));
    throw err;
  }
  crashPoint("after-secret-write");
  deps.events.record(TOKEN_KIND, context.meta, "Normal", request.reason === "Initial" ? "Issued" : "Rotated", `${ISSUE_MESSAGES[request.reason]} (token id ${created.id}, expires ${created.expiresAt})`);
  deps.onIssued?.(request.reason);
  if (request.reason !== "Initial") await restartWorkloads(deps);
  return {
    current: { id: created.id, expiresAt: created.expiresAt, issuedAt: created.createdAt ?? deps.now().toISOString() },
    held,
    serial: request.serial,
    tokenHash: sha256(token.reveal()),
    ...(rotateRequest === undefined ? {} : { rotateRequest }),
  };
}

/** Keeps labels, annotations and the URL as declared, with the token the Secret already holds. */
async function enforceSecret(deps: ExecutionDeps, current: ObservedToken, held: HeldToken[], secret: V1Secret): Promise<Partial<Execution>> {
  const { context, connection } = deps;
  const encoded = secret.data?.[secretKeys(context.spec).token] ?? "";
  const token = new SecretValue(Buffer.from(encoded, "base64").toString("utf8"));
  const annotations = secret.metadata?.annotations ?? {};
  const rotateRequest = annotations[Annotations.rotateRequest];
  const state: TokenSecretState = {
    tokenId: current.id,
    token,
    expiresAt: annotations[Annotations.expiresAt] ?? current.expiresAt,
    held,
    rotateRequest,
  };
  const desired = desiredSecret(context.meta, context.spec, connection.url, state, secret);
  if (secretDrifted(secret, desired)) {
    await deps.secrets.write(desired);
    deps.events.record(TOKEN_KIND, context.meta, "Normal", "SecretUpdated", "Restored the Secret's declared keys, labels and annotations");
  }
  return { tokenHash: sha256(token.reveal()), ...(rotateRequest === undefined ? {} : { rotateRequest }) };
}

export async function revokeTokens(deps: RevokeDeps, ids: readonly number[], why: string): Promise<void> {
  for (const id of ids) {
    await deps.connection.client.deleteToken(deps.accountId, id);
    deps.connection.snapshots.recordTokenDeleted(deps.accountId, id);
    deps.events.record(TOKEN_KIND, deps.context.meta, "Normal", "Revoked", `Revoked token ${id} because ${why}`);
  }
}

async function restartWorkloads(deps: ExecutionDeps): Promise<void> {
  const { context } = deps;
  for (const target of context.spec.rolloutRestartTargets ?? []) {
    try {
      await deps.workloads.restart(target.kind, context.namespace, target.name, deps.now());
      deps.events.record(TOKEN_KIND, context.meta, "Normal", "RolloutRestarted", `Restarted ${target.kind} ${target.name} to pick up the new token`);
    } catch (err) {
      deps.events.record(TOKEN_KIND, context.meta, "Warning", "RolloutRestartFailed", `Could not restart ${target.kind} ${target.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
