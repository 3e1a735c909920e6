import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  Controller,
  type ObjectKey,
  type ReconcileResult,
  type Reconciler, type ReconcileRequest,
  TerminalError,
  keyToString,
  parseKey,
} from "../../../src/runtime/controller.js";
import { ExponentialFailureRateLimiter } from "../../../src/runtime/rate-limiter.js";
import { WorkQueue } from "../../../src/runtime/workqueue.js";

const logger = pino({ level: "silent" });
const BACKOFF_BASE_MS = 1000;

/** Records when each reconcile happened, on the fake clock. */
class ScriptedReconciler implements Reconciler {
  readonly calls: { key: string; at: number }[] = [];
  constructor(private readonly script: (call: number, key: ObjectKey, signal: AbortSignal) => Promise<ReconcileResult>) {}

  reconcile({ key, signal }: ReconcileRequest): Promise<ReconcileResult> {
    this.calls.push({ key: keyToString(key), at: Date.now() });
    return this.script(this.calls.length, key, signal);
  }

  gaps(): number[] {
    return this.calls.slice(1).map((call, i) => call.at - (this.calls[i]?.at ?? 0));
  }
}

function controllerFor(reconciler: Reconciler): Controller {
  const queue = new WorkQueue({ rateLimiter: new ExponentialFailureRateLimiter(BACKOFF_BASE_MS, 60_000) });
  return new Controller({ name: "test", reconciler, logger, queue });
}

describe("object keys", () => {
  it("round-trip namespaced and cluster-scoped keys", () => {
    expect(keyToString({ namespace: "team-a", name: "svc" })).toBe("team-a/svc");
    expect(keyToString({ name: "global" })).toBe("global");
    expect(parseKey("team-a/svc")).toEqual({ namespace: "team-a", name: "svc" });
    expect(parseKey("global")).toEqual({ name: "global" });
    expect(() => parseKey("a/b/c")).toThrow(/invalid object key/);
    expect(() => parseKey("")).toThrow(/invalid object key/);
  });
});

describe("Controller", () => {
  let controller: Controller | undefined;

  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    const stopping = controller?.stop(0);
    await vi.runOnlyPendingTimersAsync();
    await stopping;
    controller = undefined;
    vi.useRealTimers();
  });

  it("passes the parsed key to the reconciler", async () => {
    const reconciler = new ScriptedReconciler(async () => ({}));
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "team-a", name: "svc" });
    controller.enqueue({ name: "cluster-wide" });
    await vi.advanceTimersByTimeAsync(0);
    expect(reconciler.calls.map((call) => call.key)).toEqual(["team-a/svc", "cluster-wide"]);
  });

  it("retries a failing key with growing backoff", async () => {
    const reconciler = new ScriptedReconciler(async () => {
      throw new Error("Unleash unavailable");
    });
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS * 7);
    expect(reconciler.gaps()).toEqual([BACKOFF_BASE_MS, BACKOFF_BASE_MS * 2, BACKOFF_BASE_MS * 4]);
    expect(controller.queue.numRequeues("ns/a")).toBe(4);
  });

  it("waits for an error's retryAfterMs when it is longer than the backoff", async () => {
    const reconciler = new ScriptedReconciler(async (call) => {
      if (call === 1) throw Object.assign(new Error("429 Too Many Requests"), { retryAfterMs: 30_000 });
      return {};
    });
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(29_999);
    expect(reconciler.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(reconciler.calls).toHaveLength(2);
  });

  it("uses the backoff when it is longer than the error's retryAfterMs", async () => {
    const reconciler = new ScriptedReconciler(async () => {
      throw Object.assign(new Error("429"), { retryAfterMs: 10 });
    });
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS * 3);
    expect(reconciler.gaps()).toEqual([BACKOFF_BASE_MS, BACKOFF_BASE_MS * 2]);
  });

  it("does not retry a TerminalError", async () => {
    const reconciler = new ScriptedReconciler(async () => {
      throw new TerminalError("unknown role");
    });
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(reconciler.calls).toHaveLength(1);
    expect(controller.queue.numRequeues("ns/a")).toBe(0);
  });

  it("reconciles again after requeueAfterMs", async () => {
    const reconciler = new ScriptedReconciler(async (call) => (call === 1 ? { requeueAfterMs: 45_000 } : {}));
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(reconciler.gaps()).toEqual([45_000]);
  });

  it("resets the backoff after a success", async () => {
    const reconciler = new ScriptedReconciler(async (call) => {
      if (call === 3) return { requeueAfterMs: 10_000 };
      throw new Error("flaky");
    });
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(BACKOFF_BASE_MS * 3 + 10_000 + BACKOFF_BASE_MS);
    // fail, fail, success (requeue after 10 s), fail: the last backoff starts from the base again.
    expect(reconciler.gaps()).toEqual([BACKOFF_BASE_MS, BACKOFF_BASE_MS * 2, 10_000, BACKOFF_BASE_MS]);
  });

  it("never reconciles one key on two workers at once, even when it is enqueued meanwhile", async () => {
    let running = 0;
    let maxRunning = 0;
    const reconciler = new ScriptedReconciler(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running -= 1;
      return {};
    });
    controller = controllerFor(reconciler);
    controller.start(4);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(10);
    controller.enqueue({ namespace: "ns", name: "a" });
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(1000);
    expect(maxRunning).toBe(1);
    expect(reconciler.calls).toHaveLength(2);
  });

  it("runs different keys concurrently up to the worker count", async () => {
    let running = 0;
    let maxRunning = 0;
    const reconciler = new ScriptedReconciler(async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 100));
      running -= 1;
      return {};
    });
    controller = controllerFor(reconciler);
    controller.start(3);
    for (const name of ["a", "b", "c", "d", "e"]) controller.enqueue({ namespace: "ns", name });
    await vi.advanceTimersByTimeAsync(1000);
    expect(maxRunning).toBe(3);
    expect(reconciler.calls).toHaveLength(5);
  });

  it("stop lets in-flight reconciles finish before the deadline without aborting them", async () => {
    let aborted = false;
    const reconciler = new ScriptedReconciler(async (_call, _key, signal) => {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      aborted = signal.aborted;
      return {};
    });
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    controller.enqueue({ namespace: "ns", name: "queued-behind" });
    await vi.advanceTimersByTimeAsync(1);
    const stopped = controller.stop(10_000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await stopped).toBe(true);
    expect(aborted).toBe(false);
    // Work still queued at stop time is not started.
    expect(reconciler.calls.map((call) => call.key)).toEqual(["ns/a"]);
  });

  it("stop aborts reconciles still running at the deadline and takes no new work", async () => {
    let sawAbort = false;
    const reconciler = new ScriptedReconciler(
      (_call, _key, signal) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener("abort", () => {
            sawAbort = true;
            reject(signal.reason);
          });
        }),
    );
    controller = controllerFor(reconciler);
    controller.start(1);
    controller.enqueue({ namespace: "ns", name: "a" });
    await vi.advanceTimersByTimeAsync(1);
    const stopped = controller.stop(5000);
    await vi.advanceTimersByTimeAsync(4999);
    expect(sawAbort).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await stopped).toBe(false);
    expect(sawAbort).toBe(true);
    controller.enqueue({ namespace: "ns", name: "b" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(reconciler.calls).toHaveLength(1);
  });
});
