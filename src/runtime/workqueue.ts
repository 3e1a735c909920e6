import { Fifo } from "./fifo.js";
import { createDefaultRateLimiter, type RateLimiter } from "./rate-limiter.js";

/** What a queue reports about the keys it is currently handing out. */
export interface ProcessingProbe {
  unfinishedWorkSeconds(): number;
  longestRunningProcessorSeconds(): number;
}

/** Port for workqueue_* metrics; `createMetrics().forWorkQueue(name)` implements it. */
export interface WorkQueueMetrics {
  depth(length: number): void;
  added(): void;
  queued(seconds: number): void;
  worked(seconds: number): void;
  retried(): void;
  observeProcessing(probe: ProcessingProbe): void;
}

export interface WorkQueueOptions {
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
}

interface DelayedAdd {
  readyAt: number;
  timer: NodeJS.Timeout;
}

/**
 * Rate-limiting delaying work queue with client-go semantics: a key is queued at most once,
 * is never handed to two workers at once, and a key added while it is being processed is
 * handed out again after `done`.
 */
export class WorkQueue<K extends string = string> implements ProcessingProbe {
  private readonly queue = new Fifo<K>();
  /** Keys that need processing: queued, or re-added while processing. */
  private readonly dirty = new Set<K>();
  /** Keys handed out and not yet done, with the time they were handed out. */
  private readonly processing = new Map<K, number>();
  private readonly addedAt = new Map<K, number>();
  private readonly delayed = new Map<K, DelayedAdd>();
  /** Keys the server asked not to retry before a time (Retry-After): no event brings them sooner. */
  private readonly notBefore = new Map<K, number>();
  private readonly waitingWorkers: (() => void)[] = [];
  private drainWaiters: (() => void)[] = [];
  private shuttingDown = false;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.rateLimiter = options.rateLimiter ?? createDefaultRateLimiter();
    this.metrics = options.metrics;
    this.metrics?.observeProcessing(this);
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    const wait = this.retryAfterRemaining(key);
    if (wait > 0) return this.addAfter(key, wait);
    this.metrics?.added();
    this.dirty.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, performance.now());
    if (this.processing.has(key)) return;
    this.enqueue(key);
  }

  /**
   * Adds `key` unless it failed and its retry is already scheduled: news that the retry will see anyway
   * (it reconciles from fresh state) must not cut the backoff short.
   */
  addUnlessBackingOff(key: K): void {
    if (this.rateLimiter.numRequeues(key) > 0 && this.delayed.has(key)) return;
    this.add(key);
  }

  /** Adds `key` after `delayMs`; if it is already waiting, the earlier time wins. */
  addAfter(key: K, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = performance.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.delayed.set(key, { readyAt, timer });
  }

  /** Retries `key` after its backoff, or after `minDelayMs` if that is longer (e.g. Retry-After). */
  addRateLimited(key: K, minDelayMs = 0): void {
    if (this.shuttingDown) return;
    if (minDelayMs > 0) this.notBefore.set(key, performance.now() + minDelayMs);
    this.metrics?.retried();
    this.addAfter(key, Math.max(minDelayMs, this.rateLimiter.when(key)));
  }

  /** Resets the backoff of `key`; call after it was processed successfully. */
  forget(key: K): void {
    this.rateLimiter.forget(key);
    this.notBefore.delete(key);
  }

  numRequeues(key: K): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** Waits for the next key; resolves undefined once the queue is shut down. */
  async get(): Promise<K | undefined> {
    for (;;) {
      if (this.shuttingDown) return undefined;
      const key = this.queue.shift();
      if (key !== undefined) return this.handOut(key);
      await new Promise<void>((resolve) => this.waitingWorkers.push(resolve));
    }
  }

  /** Marks `key` as processed; if it was re-added meanwhile, it is queued again. */
  done(key: K): void {
    const startedAt = this.processing.get(key);
    if (startedAt === undefined) return;
    this.processing.delete(key);
    this.metrics?.worked((performance.now() - startedAt) / 1000);
    if (this.dirty.has(key)) {
      // Re-added while processing but asked to wait (Retry-After): its delayed add brings it back.
      if (this.retryAfterRemaining(key) > 0 && this.delayed.has(key)) {
        this.dirty.delete(key);
        this.addedAt.delete(key);
      } else this.enqueue(key);
    }
    if (this.processing.size === 0) this.notifyDrained();
  }

  private retryAfterRemaining(key: K): number {
    const at = this.notBefore.get(key);
    if (at === undefined) return 0;
    const remaining = at - performance.now();
    if (remaining > 1) return remaining;
    this.notBefore.delete(key);
    return 0;
  }

  len(): number {
    return this.queue.length;
  }

  /** Stops handing out keys and ignores further adds. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const wake of this.waitingWorkers.splice(0)) wake();
  }

  /** Shuts down, then waits until every handed-out key is done; false if `timeoutMs` passed first. */
  async shutdownWithDrain(timeoutMs: number): Promise<boolean> {
    this.shutdown();
    if (this.processing.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.drainWaiters.push(() => resolve(true)));
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  unfinishedWorkSeconds(): number {
    const now = performance.now();
    let total = 0;
    for (const startedAt of this.processing.values()) total += now - startedAt;
    return total / 1000;
  }

  longestRunningProcessorSeconds(): number {
    const now = performance.now();
    let longest = 0;
    for (const startedAt of this.processing.values()) longest = Math.max(longest, now - startedAt);
    return longest / 1000;
  }

  private enqueue(key: K): void {
    this.queue.push(key);
    this.metrics?.depth(this.queue.length);
    this.waitingWorkers.shift()?.();
  }

  private handOut(key: K): K {
    const now = performance.now();
    this.dirty.delete(key);
    this.processing.set(key, now);
    this.metrics?.depth(this.queue.length);
    const addedAt = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (addedAt !== undefined) this.metrics?.queued((now - addedAt) / 1000);
    return key;
  }

  private notifyDrained(): void {
    for (const resolve of this.drainWaiters.splice(0)) resolve();
  }
}
