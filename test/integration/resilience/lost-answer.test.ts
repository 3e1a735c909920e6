// A creation Unleash carried out whose answer never reached the operator (it gave up waiting):
// the operator must recognise what it created instead of creating it twice or leaking it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import type { FaultProxy } from "../../harness/fault-proxy.js";
import { createWorld, type World } from "../support/world.js";
import { createFleet, fleet, type Fleet } from "./fleet.js";
import { ledgerProblems, waitConverged } from "./ledger.js";
import { failedReconciles } from "./retry-log.js";
import { proxyUnleash, reportFigures, secondsSince } from "./support.js";

/** Each direction is held this long: the request arrives, the answer comes after the operator gave up (--unleash-timeout=2s). */
const ONE_WAY_DELAY_MS = 1_500;
const CONVERGE_BOUND_MS = 30_000;

describe("creations whose answer was lost", () => {
  let world: World;
  let proxy: FaultProxy;

  beforeAll(async () => {
    world = await createWorld("lost-answer", { extraArgs: ["--unleash-timeout=2s"] });
    proxy = await proxyUnleash(world);
    await createFleet(world.custom, world.namespace, fleet(1, 0));
    await world.waitForCondition("ServiceAccount", "svc-0", "Ready", "True");
  });
  afterAll(async () => {
    proxy?.setMode("pass");
    await world?.close();
    await proxy?.stop();
  });

  /** Slows the network down, does `act`, and lets traffic through again once Unleash has `created` what the operator asked for. */
  async function loseTheAnswer(act: () => Promise<unknown>, created: () => Promise<boolean>): Promise<number> {
    proxy.setMode("delay", { delayMs: ONE_WAY_DELAY_MS });
    try {
      await act();
      await eventually(async () => expect(await created()).toBe(true), { timeoutMs: 30_000, intervalMs: 100 });
    } finally {
      proxy.setMode("pass");
    }
    return performance.now();
  }

  /** The operator gave up on `name` at least once: the answer was lost indeed. */
  const gaveUpOn = (name: string) => failedReconciles(world.operator.output()).some((f) => f.key === `${world.namespace}/${name}`);

  it("converges a token that Unleash created while the operator never saw the answer", async () => {
    const expected: Fleet = { accounts: ["svc-0"], tokens: [{ name: "svc-0-t0", account: "svc-0" }] };
    const answered = await loseTheAnswer(
      () => createFleet(world.custom, world.namespace, { accounts: [], tokens: expected.tokens }),
      async () => (await world.control.state()).tokens.some((t) => t.deletedAt === null),
    );

    await waitConverged(world, expected, CONVERGE_BOUND_MS);
    expect(gaveUpOn("svc-0-t0")).toBe(true);
    reportFigures("lost answer to a token creation", { converged_after_s: secondsSince(answered), bound_s: CONVERGE_BOUND_MS / 1000 });
    expect(await ledgerProblems(world)).toEqual([]);
  }, 120_000);

  it("converges an account that Unleash created while the operator never saw the answer", async () => {
    // Stalled on a root role that does not exist: its finalizer is in place, and the spec fix
    // below is the only event that makes the operator create the account.
    await world.apply(`apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccount
metadata: { name: svc-1 }
spec: { connectionRef: { kind: UnleashConnection, name: unleash }, rootRole: NoSuchRole }`);
    await world.waitForCondition("ServiceAccount", "svc-1", "Stalled", "True");
    const answered = await loseTheAnswer(
      () => world.kubectl(["patch", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev", "svc-1", "--type=merge", "-p", '{"spec":{"rootRole":"Editor"}}']),
      async () => (await world.control.state()).users.some((u) => u.username === "svc-1"),
    );

    await waitConverged(world, { accounts: ["svc-1"], tokens: [] }, CONVERGE_BOUND_MS);
    expect(gaveUpOn("svc-1")).toBe(true);
    reportFigures("lost answer to an account creation", { converged_after_s: secondsSince(answered), bound_s: CONVERGE_BOUND_MS / 1000 });
    expect(await ledgerProblems(world)).toEqual([]);
  }, 120_000);
});
