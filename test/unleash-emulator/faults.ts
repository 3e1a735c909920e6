import type { Fault } from "./control-schema.js";
import type { Reply } from "./http-io.js";

interface ActiveFault {
  fault: Fault;
  remaining: number | undefined;
  random: () => number;
}

const ANY_ROUTE = "*";

/** Call counters, latency and injected faults, all keyed by route key ("METHOD /pattern"). */
export class Faults {
  private readonly counters = new Map<string, number>();
  /** The same counters per User-Agent, to tell apart clients that share a URL (e.g. two operator replicas). */
  private readonly byAgent = new Map<string, Map<string, number>>();
  private readonly latencies = new Map<string, number>();
  private active: ActiveFault[] = [];

  count(key: string, userAgent = ""): void {
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
    const agent = this.byAgent.get(userAgent) ?? new Map<string, number>();
    agent.set(key, (agent.get(key) ?? 0) + 1);
    this.byAgent.set(userAgent, agent);
  }

  /** Every call, or with `agent` only the calls whose User-Agent contains it. */
  calls(agent?: string): Record<string, number> {
    if (agent === undefined) return Object.fromEntries(this.counters);
    const sum = new Map<string, number>();
    for (const [userAgent, counts] of this.byAgent) {
      if (!userAgent.includes(agent)) continue;
      for (const [key, n] of counts) sum.set(key, (sum.get(key) ?? 0) + n);
    }
    return Object.fromEntries(sum);
  }

  resetCalls(): void {
    this.counters.clear();
    this.byAgent.clear();
  }

  setLatency(route: string, ms: number): void {
    if (ms === 0) this.latencies.delete(route);
    else this.latencies.set(route, ms);
  }

  latencyFor(key: string): number {
    return this.latencies.get(key) ?? this.latencies.get(ANY_ROUTE) ?? 0;
  }

  add(fault: Fault): void {
    this.active.push({ fault, remaining: fault.times, random: seededRandom(fault.seed ?? 1) });
  }

  clear(): void {
    this.active = [];
  }

  /** The fault to inject into this call, if any. A fault limited to N calls is used up by N hits. */
  take(key: string): Fault | undefined {
    const hit = this.active.find((candidate) => appliesTo(candidate, key));
    if (hit === undefined) return undefined;
    if (hit.remaining !== undefined) {
      hit.remaining -= 1;
      if (hit.remaining === 0) this.active = this.active.filter((candidate) => candidate !== hit);
    }
    return hit.fault;
  }
}

function appliesTo(candidate: ActiveFault, key: string): boolean {
  const { route, probability } = candidate.fault;
  if (route !== key && route !== ANY_ROUTE) return false;
  return probability === undefined || candidate.random() < probability;
}

/** mulberry32: a small, fast generator that is good enough to decide which calls fail. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), state | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultReply(fault: Extract<Fault, { kind: "status" }>): Reply {
  if (fault.status === 429) {
    return {
      status: 429,
      headers: { "retry-after": String(fault.retryAfterSeconds ?? 1) },
      body: { name: "RateLimitError", message: "Too many requests (fault injected by the Unleash emulator)." },
    };
  }
  return {
    status: fault.status,
    body: { name: "InternalError", message: `Fault injected by the Unleash emulator (HTTP ${fault.status}).` },
  };
}
