import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { onEvery, type EventSource, type WatchEvent } from "./events.js";
import { type ObjectKey, keyToString, parseKey } from "./object-key.js";
import { sleep } from "./timing.js";
import { WorkQueue } from "./workqueue.js";

export { type ObjectKey, keyToString, parseKey } from "./object-key.js";

/**
 * `{}` means done; `requeueAfterMs` asks for another visit later (e.g. before a token expires);
 * `terminal` means the resource needs a change by a person (it is Stalled): not retried, counted as a
 * terminal error, as controller-runtime's reconcile.TerminalError.
 */
export type ReconcileResult = { requeueAfterMs?: number; terminal?: boolean };

/** One reconcile: the key, the signal aborted at shutdown, and a logger carrying controller, namespace, name and a reconcile id. */
export interface ReconcileRequest {
  key: ObjectKey;
  signal: AbortSignal;
  logger: Logger;
}

/** A failure that retrying cannot fix (e.g. invalid spec); the key is not retried until it changes. */
export class TerminalError extends Error {
  override name = "TerminalError";
}

/**
 * A failure that is part of normal operation, such as a write that lost an optimistic-concurrency race
 * (409): retried with backoff like any error, but logged without alarm.
 */
export class ExpectedRetry extends Error {
  override name = "ExpectedRetry";
}

export interface Reconciler {
  reconcile(request: ReconcileRequest): Promise<ReconcileResult>;
}

/** Which keys of this controller an event of a watched kind concerns. */
export type Mapper<T> = (event: WatchEvent<T>) => Iterable<ObjectKey>;

export type ReconcileOutcome = "success" | "requeue_after" | "error" | "terminal_error";

/** Port for controller_runtime_* metrics; `createMetrics().forController(name)` implements it. */
export interface ControllerMetrics {
  maxConcurrentReconciles(workers: number): void;
  reconcileStarted(): void;
  reconciled(outcome: ReconcileOutcome, seconds: number): void;
}

export interface ControllerOptions {
  name: string;
  reconciler: Reconciler;
  logger: Logger;
  /** Defaults to a queue with controller-runtime's rate limits. */
  queue?: WorkQueue;
  metrics?: ControllerMetrics;
  /** After aborting reconciles at the stop deadline, how long to wait for them to unwind. */
  abortGraceMs?: number;
}

/** Runs a reconciler with N workers over a rate-limited work queue, like controller-runtime. */
export class Controller {
  readonly queue: WorkQueue;
  private readonly abortController = new AbortController();
  private readonly logger: Logger;
  private workers: Promise<void>[] = [];
  #primaryKeys: () => Iterable<ObjectKey> = () => [];

  constructor(private readonly options: ControllerOptions) {
    this.queue = options.queue ?? new WorkQueue();
    this.logger = options.logger.child({ controller: options.name });
  }

  /** Queues a reconcile of `key`; safe to call from informer event handlers. */
  enqueue(key: ObjectKey): void {
    this.queue.add(keyToString(key));
  }

  /**
   * controller-runtime's Watches: events of `source` queue the keys `map` names. With `deferToBackoff`,
   * a key whose failed reconcile is already scheduled for a retry waits for it (news from a poll must not
   * turn backoff into a busy loop against a failing Unleash).
   */
  watch<T>(source: EventSource<T>, map: Mapper<T>, options: { deferToBackoff?: boolean } = {}): this {
    onEvery(source, (event) => {
      for (const key of map(event)) {
        if (options.deferToBackoff) this.queue.addUnlessBackingOff(keyToString(key));
        else this.enqueue(key);
      }
    });
    return this;
  }

  /** The keys of every object of the primary kind, queued at each periodic resync. */
  resyncFrom(keys: () => Iterable<ObjectKey>): this {
    this.#primaryKeys = keys;
    return this;
  }

  resync(): void {
    for (const key of this.#primaryKeys()) this.enqueue(key);
  }

  start(concurrency: number): void {
    if (this.workers.length > 0) throw new Error(`controller ${this.options.name} already started`);
    this.options.metrics?.maxConcurrentReconciles(concurrency);
    this.workers = Array.from({ length: concurrency }, () => this.runWorker());
    this.logger.info({ workers: concurrency }, "controller started");
  }

  /**
   * Stops taking work and lets in-flight reconciles finish until `deadlineMs`; then aborts their
   * signal. Resolves true if all finished in time.
   */
  async stop(deadlineMs: number): Promise<boolean> {
    const drained = await this.queue.shutdownWithDrain(deadlineMs);
    if (drained) {
      await Promise.all(this.workers);
    } else {
      this.logger.warn({ deadlineMs }, "reconciles still running at the stop deadline; aborting them");
      this.abortController.abort(new Error(`controller ${this.options.name} is stopping`));
      await Promise.race([Promise.all(this.workers), sleep(this.options.abortGraceMs ?? 1000)]);
    }
    this.logger.info({ drained }, "controller stopped");
    return drained;
  }

  private async runWorker(): Promise<void> {
    for (let key = await this.queue.get(); key !== undefined; key = await this.queue.get()) {
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const startedAt = performance.now();
    this.options.metrics?.reconcileStarted();
    let outcome: ReconcileOutcome;
    const objectKey = parseKey(key);
    const logger = this.logger.child({ ...objectKey, reconcileID: randomUUID() });
    try {
      const result = await this.options.reconciler.reconcile({ key: objectKey, signal: this.abortController.signal, logger });
      outcome = this.onSuccess(key, result);
    } catch (error) {
      outcome = this.onError(key, error);
    } finally {
      this.queue.done(key);
    }
    this.options.metrics?.reconciled(outcome, (performance.now() - startedAt) / 1000);
  }

  private onSuccess(key: string, result: ReconcileResult): ReconcileOutcome {
    this.queue.forget(key);
    const requeueAfterMs = result.requeueAfterMs ?? 0;
    if (result.terminal && requeueAfterMs <= 0) return "terminal_error";
    if (requeueAfterMs <= 0) return "success";
    this.queue.addAfter(key, requeueAfterMs);
    return "requeue_after";
  }

  private onError(key: string, error: unknown): ReconcileOutcome {
    if (error instanceof TerminalError) {
      this.queue.forget(key);
      this.logger.error({ key, err: error }, "reconcile failed permanently; not retrying");
      return "terminal_error";
    }
    const retryAfterMs = retryAfterOf(error);
    this.queue.addRateLimited(key, retryAfterMs);
    if (error instanceof ExpectedRetry) {
      this.logger.info({ key, reason: error.message, requeues: this.queue.numRequeues(key) }, "reconcile will be retried");
      return "error";
    }
    this.logger.error(
      { key, err: error, retryAfterMs, requeues: this.queue.numRequeues(key) },
      "reconcile failed; retrying with backoff",
    );
    return "error";
  }
}

/** A numeric `retryAfterMs` on the error (e.g. from an Unleash 429 Retry-After) sets a minimum delay. */
function retryAfterOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("retryAfterMs" in error)) return undefined;
  const { retryAfterMs } = error;
  return typeof retryAfterMs === "number" && Number.isFinite(retryAfterMs) ? retryAfterMs : undefined;
}
