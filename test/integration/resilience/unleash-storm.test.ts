// An Unleash that fails a third of all calls (5xx, 429 with Retry-After, dropped connections),
// answers slowly, and whose TCP connections are reset now and then, while hundreds of tokens
// converge. Afterwards everything converges, nothing is created twice or leaked, no Secret ever
// held a token Unleash would refuse, and no key was retried sooner than its backoff allows.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import type { Fault } from "../../unleash-emulator/control-client.js";
import { metricValue } from "../support/metrics.js";
import { createWorld, type World } from "../support/world.js";
import { convergeBoundMs, createFleet, sizedFleet, type Fleet } from "./fleet.js";
import { ledgerProblems, liveTokenHashes, managedSecrets, sha256, tokenInSecret, unconverged, waitConverged } from "./ledger.js";
import { checkRetries, failedReconciles } from "./retry-log.js";
import { proxyUnleash, reportFigures, secondsSince } from "./support.js";

/** How long the faults last once the whole fleet exists. */
const STORM_MS = 25_000;
const LATENCY_MS = 50;
const RESET_EVERY_MS = 3_000;
const RETRY_AFTER_S = 2;
/** The operator's per-key backoff (controller-runtime's default): 5 ms·2^(n-1) after the n-th failure in a row. */
const BASE_DELAY_MS = 5;
/** Log timestamps are in whole milliseconds. */
const TIMESTAMP_TOLERANCE_MS = 2;

const STORM: Fault[] = [
  { kind: "status", status: 500, route: "*", probability: 0.12, seed: 11 },
  { kind: "status", status: 502, route: "*", probability: 0.1, seed: 12 },
  { kind: "status", status: 503, route: "*", probability: 0.1, seed: 13 },
  { kind: "status", status: 429, retryAfterSeconds: RETRY_AFTER_S, route: "*", probability: 0.05, seed: 14 },
  { kind: "drop", route: "*", probability: 0.03, seed: 15 },
];

interface SecretGuard {
  rounds(): number;
  /** Stops guarding (idempotent) and returns what it saw go wrong, its own failure included. */
  stop(): Promise<string[]>;
}

/**
 * Watches every managed Secret: once one holds a token, it must always hold a token Unleash
 * accepts. Unleash is read before and after the Secrets, so a rotation between the reads is no
 * false alarm.
 */
function guardSecrets(world: World): SecretGuard {
  const violations = new Set<string>();
  const everHadToken = new Set<string>();
  let running = true;
  let rounds = 0;
  const round = async () => {
    const before = liveTokenHashes(await world.control.state());
    const secrets = await managedSecrets(world.core, world.namespace);
    const after = liveTokenHashes(await world.control.state());
    const present = new Set<string>();
    for (const secret of secrets) {
      const name = secret.metadata?.name ?? "";
      const value = tokenInSecret(secret);
      if (value === undefined) continue;
      present.add(name);
      everHadToken.add(name);
      const hash = sha256(value);
      if (!before.has(hash) && !after.has(hash)) violations.add(`Secret ${name} held a token Unleash refuses`);
    }
    for (const name of everHadToken) if (!present.has(name)) violations.add(`Secret ${name} lost its token`);
    rounds += 1;
  };
  const loop = (async () => {
    while (running) {
      await round();
      await sleep(500);
    }
  })().catch((error: unknown) => void violations.add(`the guard itself failed: ${String(error)}`));
  return {
    rounds: () => rounds,
    stop: async () => {
      running = false;
      await loop;
      return [...violations];
    },
  };
}

/** Resets every connection between the operator and Unleash now and then, mid-request or not. */
function resetPulses(proxy: FaultProxy): { stop(): number } {
  let pulses = 0;
  const timer = setInterval(() => {
    proxy.setMode("reset");
    pulses += 1;
    setTimeout(() => proxy.setMode("pass"), 20);
  }, RESET_EVERY_MS);
  return {
    stop: () => {
      clearInterval(timer);
      proxy.setMode("pass");
      return pulses;
    },
  };
}

/** Turns the storm on, creates the fleet into it, keeps it up for STORM_MS, then calms everything. */
async function runStorm(world: World, proxy: FaultProxy, expected: Fleet, figures: Record<string, number | string>): Promise<{ startedAt: number }> {
  await world.control.resetCalls();
  for (const fault of STORM) await world.control.setFault(fault);
  await world.control.setLatency("*", LATENCY_MS);
  const pulses = resetPulses(proxy);
  const startedAt = Date.now();
  try {
    await createFleet(world.custom, world.namespace, expected);
    figures.created_in_storm_s = (Date.now() - startedAt) / 1000;
    await sleep(STORM_MS);
  } finally {
    await world.control.clearFaults();
    await world.control.setLatency("*", 0);
    figures.connection_reset_pulses = pulses.stop();
  }
  figures.storm_s = (Date.now() - startedAt) / 1000;
  figures.unleash_calls_in_storm = Object.values(await world.control.calls()).reduce((sum, n) => sum + n, 0);
  figures.unconverged_at_storm_end = (await unconverged(world, expected)).length;
  return { startedAt };
}

describe("Unleash fault storm", () => {
  let world: World;
  let proxy: FaultProxy;
  const expected = sizedFleet([20, 10], [50, 10]);
  const convergeBound = convergeBoundMs(expected.tokens.length);

  beforeAll(async () => {
    world = await createWorld("storm");
    proxy = await proxyUnleash(world);
  });
  afterAll(async () => {
    await world?.control.clearFaults();
    await world?.close();
    await proxy?.stop();
  });

  it("converges every token through 5xx, 429, latency and dropped connections, losing and leaking nothing", async () => {
    const figures: Record<string, number | string> = { tokens: expected.tokens.length, accounts: expected.accounts.length };
    const guard = guardSecrets(world);
    try {
      const storm = await runStorm(world, proxy, expected, figures);
      const calm = performance.now();
      await waitConverged(world, expected, convergeBound);
      figures.converged_after_storm_s = secondsSince(calm);
      figures.converge_bound_s = convergeBound / 1000;

      figures.secret_guard_rounds = guard.rounds();
      expect(await guard.stop()).toEqual([]);
      expect(await ledgerProblems(world)).toEqual([]);

      const failures = failedReconciles(world.operator.output()).filter((failure) => failure.at >= storm.startedAt);
      const retries = checkRetries(failures, BASE_DELAY_MS, TIMESTAMP_TOLERANCE_MS);
      Object.assign(figures, {
        failed_reconciles: failures.length,
        failed_with_retry_after: failures.filter((f) => f.retryAfterMs !== undefined).length,
        reconcile_errors_total: await metricValue(world.operator.metricsUrl, "controller_runtime_reconcile_errors_total"),
        retries_that_failed_again: retries.checked,
        retries_sooner_than_backoff: retries.early.length,
      });
      // The storm reached the operator, 429s included: the backoff check below has something to check.
      expect(failures.filter((f) => f.retryAfterMs === RETRY_AFTER_S * 1000).length).toBeGreaterThan(0);
      expect(retries.checked).toBeGreaterThan(0);
      expect(retries.early, "retries that came sooner than the key's backoff (or Retry-After) allowed").toEqual([]);
    } finally {
      await guard.stop();
      reportFigures("Unleash fault storm", figures);
    }
  }, 60_000 + STORM_MS + 2 * convergeBound);
});
