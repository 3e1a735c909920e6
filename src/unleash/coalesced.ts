/** A value listed from Unleash, stamped with the time the list call started. */
export interface Fetched {
  /** Epoch ms when the list call that produced this value started. Writes do not renew it. */
  readonly fetchedAt: number;
}

export interface CoalescedOptions {
  /** A value older than this is listed again; the operator passes its resync period. */
  maxAgeMs: number;
  /** Clock in epoch ms; tests replace it. */
  now?: () => number;
}

export type Change<T> = (value: T) => T;

interface Flight<T> {
  readonly promise: Promise<T>;
  /** Writes recorded while the list was in flight, replayed onto its result. */
  readonly changes: Change<T>[];
}

/**
 * One list call serves every reconcile that needs it: concurrent callers share the call in flight, and
 * the result is reused until it is `maxAgeMs` old or invalidated. Writes the operator makes are applied
 * to the cached value (write-through) instead of listing again, including onto a list still in flight.
 */
export class CoalescedCache<T extends Fetched> {
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private current: T | undefined;
  /** The last value listed, kept across invalidation: what metrics show between two lists. */
  private lastKnown: T | undefined;
  private flight: Flight<T> | undefined;

  constructor(
    private readonly load: (fetchedAt: number) => Promise<T>,
    options: CoalescedOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<T> {
    if (this.current !== undefined && this.now() - this.current.fetchedAt < this.maxAgeMs) {
      return this.current;
    }
    this.flight ??= this.startFlight();
    return this.flight.promise;
  }

  /** The last value listed (with the writes since), however old; never lists. */
  peek(): T | undefined {
    return this.current ?? this.lastKnown;
  }

  /** Forgets the value; a list already in flight still answers its callers but is not kept. */
  invalidate(): void {
    this.current = undefined;
    this.flight = undefined;
  }

  apply(change: Change<T>): void {
    if (this.current !== undefined) this.current = change(this.current);
    if (this.lastKnown !== undefined) this.lastKnown = change(this.lastKnown);
    this.flight?.changes.push(change);
  }

  private startFlight(): Flight<T> {
    const changes: Change<T>[] = [];
    const isCurrentFlight = () => this.flight?.changes === changes;
    const promise = this.load(this.now()).then(
      (loaded) => {
        const value = changes.reduce((result, change) => change(result), loaded);
        if (isCurrentFlight()) {
          this.current = value;
          this.lastKnown = value;
          this.flight = undefined;
        }
        return value;
      },
      (err: unknown) => {
        if (isCurrentFlight()) this.flight = undefined;
        throw err;
      },
    );
    return { promise, changes };
  }
}
