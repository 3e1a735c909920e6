import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  ExponentialFailureRateLimiter,
  TokenBucketRateLimiter,
  createDefaultRateLimiter,
} from "../../../src/runtime/rate-limiter.js";
import { WorkQueue } from "../../../src/runtime/workqueue.js";

/** Lets pending promise callbacks run, so that "still pending" means really pending. */
async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** The key is queued exactly `ms` from now: not a millisecond earlier. */
async function expectQueuedAfter(queue: WorkQueue, ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(queue.len()).toBe(0);
  await vi.advanceTimersByTimeAsync(1);
  expect(queue.len()).toBe(1);
}

function tracked<T>(promise: Promise<T>): { settled: () => boolean; value: Promise<T> } {
  let settled = false;
  void promise.then(() => (settled = true));
  return { settled: () => settled, value: promise };
}

describe("WorkQueue", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("queues a key once however often it is added, in FIFO order", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    queue.add("b");
    queue.add("a");
    expect(queue.len()).toBe(2);
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
    expect(queue.len()).toBe(0);
  });

  it("lets news wait for a failed key's scheduled retry, but not for a requeue after success", async () => {
    const queue = new WorkQueue();
    queue.add("failed");
    queue.done((await queue.get()) ?? "");
    queue.addRateLimited("failed");
    queue.addUnlessBackingOff("failed");
    expect(queue.len()).toBe(0);

    queue.add("fine");
    queue.done((await queue.get()) ?? "");
    queue.forget("fine");
    queue.addAfter("fine", 60_000);
    queue.addUnlessBackingOff("fine");
    expect(queue.len()).toBe(1);
  });

  it("never hands a key to a second worker while the first is processing it", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    const first = await queue.get();
    const second = tracked(queue.get());
    queue.add("a");
    await settle();
    expect(second.settled()).toBe(false);
    expect(queue.len()).toBe(0);

    queue.done(first ?? "");
    expect(await second.value).toBe("a");
  });

  it("re-queues a key that was added while processing once it is done, and only once", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    await queue.get();
    queue.add("a");
    queue.add("a");
    queue.done("a");
    expect(queue.len()).toBe(1);
    expect(await queue.get()).toBe("a");
    queue.done("a");
    expect(queue.len()).toBe(0);
  });

  it("wakes a waiting worker when a key arrives", async () => {
    const queue = new WorkQueue();
    const waiting = tracked(queue.get());
    await settle();
    expect(waiting.settled()).toBe(false);
    queue.add("a");
    expect(await waiting.value).toBe("a");
  });

  it("addAfter delivers the key only when its delay has passed", async () => {
    const queue = new WorkQueue();
    queue.addAfter("a", 1000);
    await expectQueuedAfter(queue, 1000);
  });

  it("addAfter keeps the earliest pending time for a key", async () => {
    const queue = new WorkQueue();
    queue.addAfter("late-then-early", 5000);
    queue.addAfter("late-then-early", 100);
    queue.addAfter("early-then-late", 100);
    queue.addAfter("early-then-late", 5000);
    await vi.advanceTimersByTimeAsync(100);
    expect(queue.len()).toBe(2);
    for (let i = 0; i < 2; i++) queue.done((await queue.get()) ?? "");

    await vi.advanceTimersByTimeAsync(10_000);
    expect(queue.len()).toBe(0);
  });

  it("backs a failing key off exponentially and starts over after forget", async () => {
    const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(100, 60_000) });
    const delays: number[] = [];
    for (let failure = 0; failure < 4; failure++) {
      const addedAt = Date.now();
      queue.addRateLimited("a");
      await vi.advanceTimersByTimeAsync(1);
      while (queue.len() === 0) await vi.advanceTimersByTimeAsync(1);
      delays.push(Date.now() - addedAt);
      queue.done((await queue.get()) ?? "");
    }
    expect(delays).toEqual([100, 200, 400, 800]);
    expect(queue.numRequeues("a")).toBe(4);

    queue.forget("a");
    expect(queue.numRequeues("a")).toBe(0);
    queue.addRateLimited("a");
    await expectQueuedAfter(queue, 100);
  });

  it("waits at least minDelayMs even when the backoff is shorter", async () => {
    const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(5, 1000) });
    queue.addRateLimited("a", 3000);
    await expectQueuedAfter(queue, 3000);
  });

  it("holds a key to its Retry-After even when an event adds it again meanwhile", async () => {
    const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(5, 1000) });
    queue.addRateLimited("a", 3000);
    queue.add("a");
    await expectQueuedAfter(queue, 3000);
  });

  it("does not hand out a key re-added during a failed attempt before its Retry-After", async () => {
    const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(5, 1000) });
    queue.add("a");
    const key = await queue.get();
    queue.add("a"); // e.g. the echo of a write this attempt made
    queue.addRateLimited("a", 2000);
    queue.done(key as string);
    await expectQueuedAfter(queue, 2000);
  });

  it("lets events through again once the key succeeded (forget)", async () => {
    const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(5, 1000) });
    queue.addRateLimited("a", 3000);
    queue.forget("a");
    queue.add("a");
    expect(queue.len()).toBe(1);
  });

  it("get resolves undefined for waiting and later callers after shutdown, and ignores adds", async () => {
    const queue = new WorkQueue();
    const waiting = queue.get();
    queue.shutdown();
    expect(await waiting).toBeUndefined();
    queue.add("a");
    queue.addAfter("b", 10);
    queue.addRateLimited("c");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(queue.len()).toBe(0);
    expect(await queue.get()).toBeUndefined();
  });

  it("shutdownWithDrain waits until every handed-out key is done", async () => {
    const queue = new WorkQueue();
    queue.add("a");
    queue.add("b");
    await queue.get();
    await queue.get();
    const drained = tracked(queue.shutdownWithDrain(60_000));
    queue.done("a");
    await settle();
    expect(drained.settled()).toBe(false);
    queue.done("b");
    expect(await drained.value).toBe(true);
  });

  it("shutdownWithDrain gives up after its timeout", async () => {
    const queue = new WorkQueue();
    queue.add("stuck");
    await queue.get();
    const drained = queue.shutdownWithDrain(5000);
    await vi.advanceTimersByTimeAsync(5000);
    expect(await drained).toBe(false);
  });
});

describe("rate limiters", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("per-key backoff doubles from 5 ms and is capped at 1000 s by default", () => {
    const limiter = createDefaultRateLimiter();
    const delays = Array.from({ length: 30 }, () => limiter.when("a"));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(Math.max(...delays)).toBe(1_000_000);
    // Other keys have their own count.
    expect(limiter.when("b")).toBe(5);
  });

  it("the overall bucket lets a burst through, then spaces retries at its rate", () => {
    const bucket = new TokenBucketRateLimiter(10, 100);
    const burst = Array.from({ length: 100 }, () => bucket.when());
    expect(burst.every((delay) => delay === 0)).toBe(true);
    expect(bucket.when()).toBeCloseTo(100);
    expect(bucket.when()).toBeCloseTo(200);
  });

  it("the overall bucket refills with time", () => {
    const bucket = new TokenBucketRateLimiter(10, 100);
    for (let i = 0; i < 100; i++) bucket.when();
    vi.advanceTimersByTime(1000);
    const refilled = Array.from({ length: 10 }, () => bucket.when());
    expect(refilled.every((delay) => delay === 0)).toBe(true);
    expect(bucket.when()).toBeGreaterThan(0);
  });

  it("the default limiter applies the bucket across keys: the 101st distinct key waits", () => {
    const limiter = createDefaultRateLimiter();
    const firstDelays = Array.from({ length: 100 }, (_, i) => limiter.when(`key-${i}`));
    expect(firstDelays.every((delay) => delay === 5)).toBe(true);
    expect(limiter.when("key-100")).toBeCloseTo(100);
  });

  it("bucket and per-key limits are configurable", () => {
    const limiter = createDefaultRateLimiter({ baseDelayMs: 50, maxDelayMs: 150, qps: 1, burst: 1 });
    expect(limiter.when("a")).toBe(50);
    expect(limiter.when("a")).toBeCloseTo(1000);
    vi.advanceTimersByTime(10_000);
    expect(limiter.when("a")).toBe(150);
  });
});
