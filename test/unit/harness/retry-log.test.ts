import { describe, expect, it } from "vitest";
import { checkRetries, failedReconciles, type FailedReconcile } from "../../integration/resilience/retry-log.js";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

function logLine(offsetMs: number, key: string, requeues: number, retryAfterMs?: number): string {
  return JSON.stringify({
    level: 50,
    time: new Date(T0 + offsetMs).toISOString(),
    controller: "serviceaccounttoken",
    key,
    requeues,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    err: { message: "Unleash failed to answer (503)" },
    msg: "reconcile failed; retrying with backoff",
  });
}

const failure = (offsetMs: number, key: string, requeues: number, retryAfterMs?: number): FailedReconcile => ({
  at: T0 + offsetMs,
  controller: "serviceaccounttoken",
  key,
  requeues,
  retryAfterMs,
});

describe("the operator's retry log", () => {
  it("reads failed reconciles from the JSON log and ignores every other line", () => {
    const log = ['{"level":30,"msg":"operator started"}', logLine(0, "ns/a", 1), "not json", logLine(40, "ns/a", 2, 2000)].join("\n");
    expect(failedReconciles(log)).toEqual([failure(0, "ns/a", 1), failure(40, "ns/a", 2, 2000)]);
  });

  it("flags a retry that came sooner than the exponential backoff allowed", () => {
    // After the 4th failure in a row the key waits 5·2^3 = 40 ms.
    expect(checkRetries([failure(0, "ns/a", 4), failure(30, "ns/a", 5)], 5, 2)).toEqual({
      checked: 1,
      early: [{ controller: "serviceaccounttoken", key: "ns/a", requeues: 4, gapMs: 30, backoffMs: 40 }],
    });
    expect(checkRetries([failure(0, "ns/a", 4), failure(40, "ns/a", 5)], 5, 2)).toEqual({ checked: 1, early: [] });
  });

  it("flags a retry that came sooner than the Retry-After it was given", () => {
    expect(checkRetries([failure(0, "ns/a", 1, 2000), failure(500, "ns/a", 2)], 5, 2).early).toHaveLength(1);
    expect(checkRetries([failure(0, "ns/a", 1, 2000), failure(2100, "ns/a", 2)], 5, 2).early).toEqual([]);
  });

  it("compares failures of one key in time order, whatever order the log has them in", () => {
    expect(checkRetries([failure(30, "ns/a", 5), failure(0, "ns/a", 4)], 5, 2).early).toHaveLength(1);
  });

  it("does not compare failures a success separated, nor failures of different keys", () => {
    // The count starting over means the key succeeded in between: its next failure is a new series.
    expect(checkRetries([failure(0, "ns/a", 3), failure(1, "ns/a", 1), failure(2, "ns/b", 4)], 5, 2)).toEqual({ checked: 0, early: [] });
  });
});
