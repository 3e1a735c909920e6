// A watch whose connection goes half-open never errors: no FIN, no RST, just silence. The
// operator reaches the API server through a fault proxy that freezes its connections; while it
// is blind, a managed Secret is deleted and an account's root role changed. It must notice the
// stall by itself, say so on /readyz, and repair both once the network lets it.
import { fetch } from "undici";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { httpGet } from "../../harness/processes.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";
import { createFleet, fleet, kubeconfigThrough, liveTokenHashes, reportFigures, secondsSince, sha256, tokenInSecret } from "./support.js";

const ACCOUNT = "svc-0";
const TOKEN = "svc-0-t0";
/** Viewer's id among the emulator's seeded roles. */
const VIEWER_ROLE_ID = 3;
/**
 * How long the operator may take to notice the stall on its own. It has no flag for its watch
 * inactivity timeout, so it relies on client-node's 30 s watch timeout, then on three failed
 * reconnects (10 s connect timeout each) before it calls an informer unhealthy.
 */
const DETECTION_BOUND_MS = 80_000;
const REPAIR_BOUND_MS = 30_000;

/** Informers whose informer_watch_healthy gauge is 0. */
async function countUnhealthyWatches(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return text.split("\n").filter((line) => /^informer_watch_healthy\{.*\} 0$/.test(line)).length;
}

describe("silent watch death", () => {
  let proxy: FaultProxy;
  let world: World;

  beforeAll(async () => {
    const server = new URL(inject("controlPlaneServer"));
    proxy = await startFaultProxy({ target: { host: server.hostname, port: Number(server.port) } });
    const kubeconfigPath = await kubeconfigThrough(inject("kubeconfigPath"), proxy);
    world = await createWorld("silent-watch", { kubeconfigPath });
    await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken));
    await createFleet(world.custom, world.namespace, fleet(1, 1));
    await world.waitForCondition("ServiceAccountToken", TOKEN, "Ready", "True", 60_000);
  });
  afterAll(async () => {
    proxy.setMode("pass");
    await world?.close();
    await proxy?.stop();
  });

  it("notices a frozen watch without any TCP error, reports not ready, and repairs what changed meanwhile", async () => {
    const before = tokenOf(await world.secret(TOKEN));
    proxy.setMode("freeze");
    const frozenAt = performance.now();
    await world.core.deleteNamespacedSecret({ namespace: world.namespace, name: TOKEN });
    await world.kubectl(["patch", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev", ACCOUNT, "--type=merge", "-p", '{"spec":{"rootRole":"Viewer"}}']);

    const stall = await eventually(
      async () => {
        const readyz = (await httpGet({ url: `${world.operator.probeUrl}/readyz` })).status;
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

    proxy.setMode("pass");
    const unfrozenAt = performance.now();
    await eventually(
      async () => {
        const state = await world.control.state();
        const account = state.users.find((u) => u.username === ACCOUNT && u.deletedAt === null);
        expect(account?.rootRole).toBe(VIEWER_ROLE_ID);
        const secret = await world.secret(TOKEN);
        const value = secret && tokenInSecret(secret);
        expect(value).toBeDefined();
        expect(liveTokenHashes(state).has(sha256(value ?? ""))).toBe(true);
      },
      { timeoutMs: REPAIR_BOUND_MS, intervalMs: 250 },
    );
    const repairedS = secondsSince(unfrozenAt);
    await eventually(async () => expect((await httpGet({ url: `${world.operator.probeUrl}/readyz` })).status).toBe(200), { timeoutMs: REPAIR_BOUND_MS });
    expect(tokenOf(await world.secret(TOKEN))).not.toBe(before);
    reportFigures("silent watch death", {
      detected_after_s: detectedS,
      detection_bound_s: DETECTION_BOUND_MS / 1000,
      repaired_after_unfreeze_s: repairedS,
      readyz_while_stalled: stall.readyz,
      unhealthy_watches_while_stalled: stall.unhealthyWatches,
      frozen_connections_held: heldWhileFrozen,
    });
  }, 150_000);
});
