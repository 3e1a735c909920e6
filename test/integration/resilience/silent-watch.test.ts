// A watch whose connection goes half-open never errors: no FIN, no RST, just silence. The
// operator reaches the API server through a fault proxy that freezes its connections; while it
// is blind, a managed Secret is deleted and an account's root role changed. It must notice the
// stall by itself, say so on /readyz, and repair both once new connections get through. And while its
// watches lag, what it wrote itself must not be forgotten.
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { httpGet } from "../../harness/processes.js";
import { metricValue } from "../support/metrics.js";
import type { OperatorOptions } from "../support/operator.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";
import { createFleet, fleet, VIEWER_ROLE_ID } from "./fleet.js";
import { ledgerProblems, liveTokenHashes, sha256, tokenInSecret } from "./ledger.js";
import { failedReconciles } from "./retry-log.js";
import { kubeconfigThrough, reportFigures, secondsSince, waitIdle } from "./support.js";

const ACCOUNT = "svc-0";
const TOKEN = "svc-0-t0";
/** The operator's --watch-inactivity-timeout, at its minimum. */
const INACTIVITY_TIMEOUT_S = 35;
/** The timeout, plus the informer's health check interval (a quarter of it), plus a margin. */
const DETECTION_BOUND_MS = (INACTIVITY_TIMEOUT_S * 1.25 + 15) * 1000;
/**
 * Frozen connections stay frozen: a list already waiting on one gives up only at the informer's
 * list timeout (60 s). Then a short backoff, a list on a fresh connection, and the repairs.
 */
const REPAIR_BOUND_MS = 60_000 + 30_000;

async function probeStatus(world: World): Promise<number> {
  return (await httpGet({ url: `${world.operator.probeUrl}/readyz` })).status;
}

/** Informers whose informer_watch_healthy gauge is 0. */
async function countUnhealthyWatches(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text.split("\n").filter((line) => /^informer_watch_healthy\{.*\} 0$/.test(line)).length;
}

/** A world whose operator reaches the API server through a fault proxy, with one Ready token and nothing left to do. */
async function proxiedWorld(prefix: string, operatorOptions: Partial<OperatorOptions>): Promise<{ world: World; proxy: FaultProxy }> {
  const server = new URL(inject("controlPlaneServer"));
  const proxy = await startFaultProxy({ target: { host: server.hostname, port: Number(server.port) } });
  const kubeconfigPath = await kubeconfigThrough(inject("kubeconfigPath"), proxy);
  const world = await createWorld(prefix, { kubeconfigPath, ...operatorOptions });
  await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken));
  await createFleet(world.custom, world.namespace, fleet(1, 1));
  await world.waitForCondition("ServiceAccountToken", TOKEN, "Ready", "True", 60_000);
  // Freezing the network must catch no reconcile half-way.
  await waitIdle(world.operator.metricsUrl);
  return { world, proxy };
}

describe("silent watch death", () => {
  let proxy: FaultProxy;
  let world: World;

  beforeAll(async () => {
    ({ world, proxy } = await proxiedWorld("silent-watch", { extraArgs: [`--watch-inactivity-timeout=${INACTIVITY_TIMEOUT_S}s`] }));
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await world?.close();
    await proxy?.stop();
  });

  it("notices a frozen watch without any TCP error, reports not ready, and repairs what changed meanwhile", async () => {
    const tokenBefore = tokenInSecret((await world.secret(TOKEN)) ?? {});
    const relistsBefore = await metricValue(world.operator.metricsUrl, "informer_relists_total");
    // Every connection, open or new, goes silent: the operator can neither watch nor reconnect.
    proxy.setMode("freeze");
    const frozenAt = performance.now();
    await world.core.deleteNamespacedSecret({ namespace: world.namespace, name: TOKEN });
    await world.kubectl(["patch", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev", ACCOUNT, "--type=merge", "-p", '{"spec":{"rootRole":"Viewer"}}']);

    const stall = await eventually(
      async () => {
        const readyz = await probeStatus(world);
        const unhealthyWatches = await countUnhealthyWatches(world.operator.metricsUrl);
        expect(readyz !== 200 || unhealthyWatches > 0, `readyz ${readyz}, unhealthy watches ${unhealthyWatches}`).toBe(true);
        return { readyz, unhealthyWatches };
      },
      { timeoutMs: DETECTION_BOUND_MS, intervalMs: 500 },
    );
    const detectedS = secondsSince(frozenAt);
    // The proxy closed nothing: the operator found out by itself.
    const heldWhileFrozen = proxy.connections();
    expect(heldWhileFrozen).toBeGreaterThan(0);

    // New connections get through again; the frozen ones stay frozen, as half-open ones do.
    proxy.setMode("pass");
    const unfrozenAt = performance.now();
    await eventually(
      async () => {
        const state = await world.control.state();
        expect(state.users.find((u) => u.username === ACCOUNT && u.deletedAt === null)?.rootRole).toBe(VIEWER_ROLE_ID);
        const value = tokenInSecret((await world.secret(TOKEN)) ?? {});
        expect(value, `Secret ${TOKEN} holds a token`).toBeDefined();
        expect(liveTokenHashes(state).has(sha256(value ?? "")), `Secret ${TOKEN} holds a token Unleash accepts`).toBe(true);
      },
      { timeoutMs: REPAIR_BOUND_MS, intervalMs: 250 },
    );
    const repairedS = secondsSince(unfrozenAt);
    await eventually(async () => expect(await probeStatus(world)).toBe(200), { timeoutMs: REPAIR_BOUND_MS });
    const readyAgainS = secondsSince(unfrozenAt);

    reportFigures("silent watch death", {
      detected_after_s: detectedS,
      detection_bound_s: DETECTION_BOUND_MS / 1000,
      readyz_while_stalled: stall.readyz,
      unhealthy_watches_while_stalled: stall.unhealthyWatches,
      frozen_connections_held: heldWhileFrozen,
      repaired_after_unfreeze_s: repairedS,
      ready_after_unfreeze_s: readyAgainS,
      repair_bound_s: REPAIR_BOUND_MS / 1000,
      // Listing again or watching again from where it was: either misses nothing.
      informer_relists: (await metricValue(world.operator.metricsUrl, "informer_relists_total")) - relistsBefore,
    });
    // A new token in the recreated Secret, and the one that was in the deleted Secret revoked.
    expect(tokenInSecret((await world.secret(TOKEN)) ?? {})).not.toBe(tokenBefore);
    expect(await ledgerProblems(world)).toEqual([]);
  }, 60_000 + DETECTION_BOUND_MS + 2 * REPAIR_BOUND_MS);
});

describe("a retry that succeeds while the watch lags", () => {
  let proxy: FaultProxy;
  let world: World;
  /** The periodic resync is what reconciles the token while the operator's watches are dead. */
  const RESYNC = "15s";
  /** Well below the resync period, which would hide a forgotten status. */
  const RESTORED_BOUND_MS = 5_000;

  beforeAll(async () => {
    ({ world, proxy } = await proxiedWorld("lagging-watch", { resyncPeriod: RESYNC }));
  });
  afterAll(async () => {
    await world?.control.clearFaults();
    await world?.close();
    await proxy?.stop();
  });

  it("does not leave the status of a failed attempt in place once a retry succeeded", async () => {
    // Open connections (the watches) go dead; new ones (every write) still get through.
    proxy.setMode("freeze");
    proxy.setMode("pass");
    // The resync lists Unleash again: that one list fails, the retry right after it succeeds.
    await world.control.setFault({ kind: "status", status: 503, route: "GET /api/admin/service-account", times: 1 });
    const key = `${world.namespace}/${TOKEN}`;
    await eventually(() => expect(failedReconciles(world.operator.output()).some((f) => f.key === key), `a reconcile of ${key} failed on the 503`).toBe(true), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const failedAt = performance.now();

    await eventually(
      async () => {
        const ready = (await world.get("ServiceAccountToken", TOKEN))?.status?.conditions?.find((c) => c.type === "Ready");
        expect(ready?.status, `Ready ${ready?.status} (${ready?.reason})`).toBe("True");
      },
      { timeoutMs: RESTORED_BOUND_MS, intervalMs: 250 },
    );
    reportFigures("retry while the watch lags", { ready_again_after_s: secondsSince(failedAt), bound_s: RESTORED_BOUND_MS / 1000 });
  }, 120_000);
});
