import { formatDuration } from "../../api/v1alpha1/duration.js";
import { stalled, type StalledOutcome } from "../../api/v1alpha1/conditions.js";

/**
 * How many repairs one resource may make in a window before the operator
 * presumes a loop. Legitimate repairs are rare: a person deletes a Secret, an
 * admin revokes a token or edits an account in Unleash. Five in ten minutes is
 * far beyond that, and small enough that a loop (another controller rewriting
 * the Secret, a webhook mutating it, a bug) costs Unleash five tokens, not
 * thousands. Scheduled rotations do not count: admission keeps them at least a
 * minute apart.
 */
export const REPAIR_BUDGET = { repairs: 5, windowMs: 10 * 60_000 } as const;

/** What a resource's repairs depend on: a new epoch (spec or annotations changed) starts a fresh budget. */
export interface RepairEpoch {
  generation: number | undefined;
  annotations: Readonly<Record<string, string>> | undefined;
}

interface History {
  epoch: string;
  /** Epoch ms of each repair in the current window, oldest first. */
  at: number[];
  what: string;
}

export type RepairVerdict = { allowed: true } | { allowed: false; outcome: StalledOutcome; retryAfterMs: number };

/**
 * Counts the repairs each resource (by UID) makes and refuses more once the
 * budget is spent, until the window since the last repair has passed or the
 * resource's spec or annotations change. Kept in memory: a restart grants one
 * more budget, which is still a bound.
 */
export class RepairBudget {
  readonly #histories = new Map<string, History>();

  constructor(private readonly budget: { repairs: number; windowMs: number } = REPAIR_BUDGET) {}

  /** Whether `uid` may repair now. */
  check(uid: string, epoch: RepairEpoch, now: number): RepairVerdict {
    const history = this.#current(uid, epoch, now);
    if (!history || history.at.length < this.budget.repairs) return { allowed: true };
    const last = history.at[history.at.length - 1] ?? now;
    const until = last + this.budget.windowMs;
    const window = formatDuration(this.budget.windowMs);
    const message =
      `the operator had to ${history.what} ${history.at.length} times within ${window}: something keeps undoing its work ` +
      `(another controller or a webhook rewriting the Secret, or a person or tool changing Unleash). It writes nothing more for this resource ` +
      `until its spec or an annotation changes, or until ${new Date(until).toISOString()}`;
    return { allowed: false, outcome: stalled("RepairLoopDetected", message), retryAfterMs: Math.max(1_000, until - now) };
  }

  /** Counts one repair; `what` says what was repaired, in the words of the condition message. */
  record(uid: string, epoch: RepairEpoch, what: string, now: number): void {
    const history = this.#current(uid, epoch, now) ?? { epoch: epochKey(epoch), at: [], what };
    history.at.push(now);
    history.what = what;
    this.#histories.set(uid, history);
  }

  forget(uid: string): void {
    this.#histories.delete(uid);
  }

  #current(uid: string, epoch: RepairEpoch, now: number): History | undefined {
    const history = this.#histories.get(uid);
    if (!history) return undefined;
    const last = history.at[history.at.length - 1] ?? 0;
    if (history.epoch !== epochKey(epoch) || now - last >= this.budget.windowMs) {
      this.#histories.delete(uid);
      return undefined;
    }
    history.at = history.at.filter((at) => now - at < this.budget.windowMs || history.at.length >= this.budget.repairs);
    return history;
  }
}

function epochKey(epoch: RepairEpoch): string {
  const annotations = Object.entries(epoch.annotations ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([epoch.generation, annotations]);
}
