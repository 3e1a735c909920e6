// SIGTERM while a call to a frozen Unleash is in flight: the operator aborts the call at its shutdown
// deadline and exits, well inside the pod's termination grace period (30 s in the chart).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { serviceAccountYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";
import { reportFigures, secondsSince } from "./support.js";

/** src/app.ts's SHUTDOWN_DEADLINE_MS, and the chart's terminationGracePeriodSeconds. */
const SHUTDOWN_DEADLINE_S = 20;
const TERMINATION_GRACE_S = 30;

describe("SIGTERM during a call to a frozen Unleash", () => {
  let world: World;

  beforeAll(async () => {
    // The Unleash call itself would wait two minutes: only the shutdown can end it.
    world = await createWorld("shutdown", { extraArgs: ["--unleash-timeout=120s"] });
    await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken));
    await world.waitForCondition("UnleashConnection", "unleash", "Ready", "True");
    await world.control.setLatency("*", 120_000);
    await world.control.resetCalls();
    await world.apply(serviceAccountYaml("app"));
  });
  afterAll(async () => {
    await world.control.setLatency("*", 0);
    // An operator again, to release the finalizers as the world is cleaned up.
    await world.restartOperator();
    await world.close();
  });

  it("aborts the call at the shutdown deadline and exits in time", async () => {
    // A list with no snapshot cached, or the account's create: either is frozen.
    await eventually(async () => expect(Object.values(await world.control.calls()).reduce((a, b) => a + b, 0)).toBeGreaterThan(0), { timeoutMs: 30_000 });
    const { process: child } = world.operator;
    const terminatedAt = performance.now();
    globalThis.process.kill(-child.pid, "SIGTERM");
    const exit = await child.exited;
    const exitS = secondsSince(terminatedAt);
    reportFigures("SIGTERM with a frozen Unleash call", { exit_s: exitS, shutdown_deadline_s: SHUTDOWN_DEADLINE_S, termination_grace_s: TERMINATION_GRACE_S, exit_code: exit.code ?? "signal" });
    expect(exit.code).toBe(0);
    expect(exitS).toBeLessThan(TERMINATION_GRACE_S);
    const aborted = world.operator
      .output()
      .split("\n")
      .filter((line) => line.includes("reconcile failed; retrying with backoff") && line.includes("the operator is stopping"));
    expect(aborted.length, "the frozen call ends by the shutdown's abort").toBeGreaterThan(0);
  });
});
