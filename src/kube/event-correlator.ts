/**
 * client-go's EventCorrelator, in small: decides for each event whether it is
 * sent as a new Event, counted on one already sent, or dropped, so that a storm
 * of failures on one object cannot produce thousands of Events.
 *
 * - Aggregation: more than `maxSimilar` events of the same object, type and
 *   reason within `similarWindowMs` become one Event "(combined from similar
 *   events): <latest message>" whose count grows.
 * - Spam filter: a token bucket per object (burst `burst`, one token back every
 *   `refillMs`); an event without a token is dropped.
 * - Repeats of an identical event bump the count of the Event already sent.
 */
export interface CorrelatorOptions {
  maxSimilar: number;
  similarWindowMs: number;
  burst: number;
  refillMs: number;
  /** Bounds the memory of objects and events seen. */
  maxKeys: number;
}

/** client-go's defaults: 10 similar events in 10 minutes; 25 per object, then one per 5 minutes. */
export const CORRELATOR_DEFAULTS: CorrelatorOptions = { maxSimilar: 10, similarWindowMs: 10 * 60_000, burst: 25, refillMs: 5 * 60_000, maxKeys: 4096 };

export interface EventInput {
  objectUid: string;
  type: string;
  reason: string;
  message: string;
}

/** `send` a new Event with this message, `count` the one sent under `key` already, or `drop`. */
export type Correlation = { action: "send"; key: string; message: string } | { action: "count"; key: string } | { action: "drop" };

const COMBINED = "(combined from similar events): ";

export class EventCorrelator {
  readonly #similar = new BoundedMap<string, number[]>();
  readonly #buckets = new BoundedMap<string, { tokens: number; at: number }>();
  readonly #sent = new BoundedMap<string, true>();

  constructor(private readonly options: CorrelatorOptions = CORRELATOR_DEFAULTS) {}

  correlate(event: EventInput, now: number): Correlation {
    const similarKey = `${event.objectUid}\u0000${event.type}\u0000${event.reason}`;
    const combined = this.#countSimilar(similarKey, now) > this.options.maxSimilar;
    const key = combined ? `${similarKey}\u0000combined` : `${similarKey}\u0000${event.message}`;
    if (!this.#take(event.objectUid, now)) return { action: "drop" };
    if (this.#sent.get(key)) return { action: "count", key };
    this.#sent.set(key, true, this.options.maxKeys);
    return { action: "send", key, message: combined ? `${COMBINED}${event.message}` : event.message };
  }

  #countSimilar(key: string, now: number): number {
    const recent = (this.#similar.get(key) ?? []).filter((at) => now - at < this.options.similarWindowMs);
    recent.push(now);
    this.#similar.set(key, recent.slice(-(this.options.maxSimilar + 1)), this.options.maxKeys);
    return recent.length;
  }

  #take(objectUid: string, now: number): boolean {
    const bucket = this.#buckets.get(objectUid) ?? { tokens: this.options.burst, at: now };
    const refilled = Math.min(this.options.burst, bucket.tokens + (now - bucket.at) / this.options.refillMs);
    const allowed = refilled >= 1;
    this.#buckets.set(objectUid, { tokens: allowed ? refilled - 1 : refilled, at: now }, this.options.maxKeys);
    return allowed;
  }
}

/** A Map that forgets its oldest entries beyond a size. */
class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  set(key: K, value: V, max: number): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > max) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
    }
  }
}
