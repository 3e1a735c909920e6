// Reads the operator's own account of its retries from its JSON log: every failed reconcile is
// logged with its key, how many times in a row it has failed, and any Retry-After it was given.
import { z } from "zod";
import { parseJsonOrUndefined } from "../../harness/json.js";

const FAILED_MESSAGE = "reconcile failed; retrying with backoff";

const failedLine = z.object({
  msg: z.literal(FAILED_MESSAGE),
  time: z.string(),
  controller: z.string(),
  key: z.string(),
  requeues: z.number().int(),
  retryAfterMs: z.number().optional(),
});

export interface FailedReconcile {
  /** Epoch ms. */
  at: number;
  controller: string;
  key: string;
  /** Failures in a row of this key, this one included. */
  requeues: number;
  retryAfterMs: number | undefined;
}

export function failedReconciles(log: string): FailedReconcile[] {
  return log.split("\n").flatMap((line) => {
    if (!line.includes(FAILED_MESSAGE)) return [];
    const parsed = failedLine.safeParse(parseJsonOrUndefined(line));
    if (!parsed.success) return [];
    const { time, controller, key, requeues, retryAfterMs } = parsed.data;
    return [{ at: Date.parse(time), controller, key, requeues, retryAfterMs }];
  });
}


/** The delay the per-key backoff imposes after a key's n-th failure in a row: base·2^(n-1), or Retry-After if longer. */
export function backoffAfter(failure: FailedReconcile, baseDelayMs: number): number {
  return Math.max(baseDelayMs * 2 ** (failure.requeues - 1), failure.retryAfterMs ?? 0);
}

export interface EarlyRetry {
  controller: string;
  key: string;
  /** Failures in a row before the early one. */
  requeues: number;
  gapMs: number;
  backoffMs: number;
}

/**
 * Every retry that failed again: consecutive failures of one key, the second one's count one
 * higher (so no success came between). `early` are those that came sooner than the first one's
 * backoff allowed.
 */
export function checkRetries(failures: readonly FailedReconcile[], baseDelayMs: number, toleranceMs: number): { checked: number; early: EarlyRetry[] } {
  const byKey = Map.groupBy(failures, (failure) => `${failure.controller} ${failure.key}`);
  let checked = 0;
  const early: EarlyRetry[] = [];
  for (const series of byKey.values()) {
    const sorted = series.toSorted((a, b) => a.at - b.at);
    sorted.forEach((next, i) => {
      const previous = sorted[i - 1];
      if (!previous || next.requeues !== previous.requeues + 1) return;
      checked += 1;
      const gapMs = next.at - previous.at;
      const backoffMs = backoffAfter(previous, baseDelayMs);
      if (gapMs + toleranceMs < backoffMs) early.push({ controller: next.controller, key: next.key, requeues: previous.requeues, gapMs, backoffMs });
    });
  }
  return { checked, early };
}
