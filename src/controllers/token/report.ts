import { ready, stalled } from "../../api/v1alpha1/conditions.js";
import type { ServiceAccountTokenStatus } from "../../api/v1alpha1/service-account-token.js";
import { reportOutcome } from "../shared/report.js";
import type { TokenContext } from "./context.js";
import type { CurrentToken, Execution } from "./execute.js";
import type { TokenPlan } from "./plan.js";
import { secretNameOf } from "./secret-writer.js";

/** Room under the token limit appears when another resource's grace period ends, which no event announces. */
const TOKEN_LIMIT_RETRY_MS = 60_000;
/** Timers cannot wait longer than 2^31-1 ms; the periodic resync covers anything further out. */
const MAX_REQUEUE_MS = 24 * 3_600_000;

/** Writes what the execution left (current token, renewal, grace periods) and Ready, or why no token could be issued. */
export async function reportToken(context: TokenContext, plan: TokenPlan, execution: Execution): Promise<void> {
  const { current, held } = execution;
  const secretName = secretNameOf(context.meta, context.spec);
  const renewalTime = current ? new Date(Date.parse(current.expiresAt) - plan.renewBeforeMs).toISOString() : undefined;
  const fields: ServiceAccountTokenStatus = {
    ...(current ? { tokenId: current.id, expiresAt: current.expiresAt, renewalTime, lifetime: context.spec.lifetime } : {}),
    ...usage(context.status.current, current),
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

/**
 * Unleash updates a token's last use every time it is used. Status follows it a day at a time (measured
 * from the issue when no use is recorded yet), so that use costs at most one status write per token per
 * day, and a freshly issued token in use costs none: what people look for is tokens nobody uses.
 */
const SEEN_STEP_MS = 24 * 3_600_000;

/** When the current token was issued and last used; a new token starts with neither of the old one's. */
function usage(previous: ServiceAccountTokenStatus, current: CurrentToken | undefined): Pick<ServiceAccountTokenStatus, "issuedAt" | "lastSeenAt"> {
  if (!current) return {};
  const same = previous.tokenId === current.id;
  // Once recorded, the issue time of a token stays: a list that says otherwise is no news.
  const issuedAt = (same ? previous.issuedAt : undefined) ?? current.issuedAt;
  const recorded = same ? previous.lastSeenAt : undefined;
  const since = recorded ?? issuedAt;
  const seen = current.seenAt;
  const news = seen !== undefined && (since === undefined || Date.parse(seen) - Date.parse(since) >= SEEN_STEP_MS);
  const lastSeenAt = news ? seen : recorded;
  return { ...(issuedAt ? { issuedAt } : {}), ...(lastSeenAt ? { lastSeenAt } : {}) };
}

/** The next moment this token needs attention: its renewal, or the end of a grace period. */
export function nextWake(plan: TokenPlan, execution: Execution, now: number): number {
  if (!execution.current) return TOKEN_LIMIT_RETRY_MS;
  const moments = [Date.parse(execution.current.expiresAt) - plan.renewBeforeMs, ...execution.held.map((h) => Date.parse(h.revokeAfter))];
  return Math.min(MAX_REQUEUE_MS, Math.max(1_000, Math.min(...moments) - now));
}
