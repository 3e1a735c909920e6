import { setTimeout as sleep } from "node:timers/promises";

export interface EventuallyOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/**
 * Retries `probe` until it resolves (an assertion that holds, a read that succeeds) and returns
 * its result; past the deadline, rethrows its last failure. For conditions that settle
 * asynchronously, instead of a fixed sleep.
 */
export async function eventually<T>(probe: () => Promise<T> | T, options: EventuallyOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await sleep(options.intervalMs ?? 250);
  }
}
