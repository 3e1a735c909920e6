// Operator replicas under leader election on a real Lease: SIGKILL the leader in the middle of
// the work and the standby takes over once the lease expires, creating nothing twice; SIGTERM a
// leader and it hands the lease over at once.
import { randomBytes } from "node:crypto";
import { CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { httpGet } from "../../harness/processes.js";
import { metricValue } from "../support/metrics.js";
import type { RunningOperator } from "../support/operator.js";
import { convergeBoundMs, createFleet, readyCount, sizedFleet, type Fleet } from "./fleet.js";
import { ledgerProblems, waitConverged } from "./ledger.js";
import { startScene, type Scene } from "./scene.js";
import { identityOf, reportFigures, secondsSince } from "./support.js";

/** The operator's lease duration; a standby may take over only after it. */
const LEASE_DURATION_MS = 15_000;
/** Beyond the lease: the standby notices expiry on its next attempt (retry period 2 s, jitter up to 2.2×). */
const TAKEOVER_MARGIN_MS = 10_000;
/** A released lease is taken on the standby's next attempt: one retry period with jitter, plus the leader's shutdown. */
const HANDOVER_BOUND_MS = 8_000;

const httpText = async (url: string) => (await fetch(url)).text();

describe("leader failover", () => {
  const lease = `operator-${randomBytes(3).toString("hex")}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(inject("kubeconfigPath"));
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const expected: Fleet = sizedFleet([10, 5], [20, 10]);
  let scene: Scene;
  const replicas: { operator: RunningOperator; identity: string }[] = [];

  const holder = async () => (await coordination.readNamespacedLease({ name: lease, namespace: scene.namespace })).spec?.holderIdentity ?? "";
  const startReplica = async () => {
    const operator = await scene.startOperator({
      extraArgs: ["--leader-elect", `--leader-election-namespace=${scene.namespace}`, `--leader-election-id=${lease}`],
      // Only the leader's informers run; whether a standby is ready is a test of its own below.
      waitUntilReady: false,
    });
    const replica = { operator, identity: await identityOf(operator) };
    replicas.push(replica);
    return replica;
  };
  const waitForHolder = (identity: string, timeoutMs: number) =>
    eventually(async () => expect(await holder()).toBe(identity), { timeoutMs, intervalMs: 100 });

  beforeAll(async () => {
    scene = await startScene(inject("kubeconfigPath"), "failover");
  });
  afterAll(() => scene?.close());

  it("takes over within the lease duration after the leader is SIGKILLed mid-work, creating nothing twice", async () => {
    const first = await startReplica();
    const second = await startReplica();
    await eventually(async () => expect([first.identity, second.identity]).toContain(await holder()), { timeoutMs: 30_000, intervalMs: 200 });
    const leader = (await holder()) === first.identity ? first : second;
    const standby = leader === first ? second : first;

    await createFleet(scene.custom, scene.namespace, expected);
    await eventually(async () => expect(await readyCount(scene.custom, scene.namespace, "ServiceAccountToken")).toBeGreaterThanOrEqual(expected.tokens.length / 4), {
      timeoutMs: convergeBoundMs(expected.tokens.length),
      intervalMs: 250,
    });
    const readyAtKill = await readyCount(scene.custom, scene.namespace, "ServiceAccountToken");
    // Only the leader exports the fleet's per-resource series; a standby's would double them.
    expect(await metricValue(leader.operator.metricsUrl, "unleash_operator_leader")).toBe(1);
    expect(await metricValue(leader.operator.metricsUrl, "unleash_token_ready_status")).toBeGreaterThan(0);
    expect(await metricValue(standby.operator.metricsUrl, "unleash_operator_leader")).toBe(0);
    expect(await httpText(standby.operator.metricsUrl)).not.toContain("unleash_token_ready_status{");
    // SIGKILL: no shutdown, no lease release; the lease has to expire.
    process.kill(-leader.operator.process.pid, "SIGKILL");
    const killedAt = performance.now();
    await leader.operator.process.exited;

    await waitForHolder(standby.identity, LEASE_DURATION_MS + TAKEOVER_MARGIN_MS);
    const takeoverS = secondsSince(killedAt);
    expect(standby.operator.output()).toContain('"msg":"became leader"');
    await waitConverged(scene, expected, convergeBoundMs(expected.tokens.length));
    const convergedS = secondsSince(killedAt);

    expect(await ledgerProblems(scene)).toEqual([]);
    expect(await metricValue(standby.operator.metricsUrl, "unleash_token_ready_status", { condition: "True" })).toBe(expected.tokens.length);
    reportFigures("leader failover (SIGKILL)", {
      tokens: expected.tokens.length,
      ready_at_kill: readyAtKill,
      takeover_s: takeoverS,
      takeover_bound_s: (LEASE_DURATION_MS + TAKEOVER_MARGIN_MS) / 1000,
      converged_after_kill_s: convergedS,
    });
  }, 600_000);

  it("hands the lease over at once when the leader is stopped with SIGTERM", async () => {
    const leader = replicas.find((r) => !r.operator.process.hasExited());
    if (!leader) throw new Error("the previous test left no leader");
    const next = await startReplica();
    await waitForHolder(leader.identity, 5_000);

    const stopping = leader.operator.stop();
    const terminatedAt = performance.now();
    await waitForHolder(next.identity, HANDOVER_BOUND_MS);
    const handoverS = secondsSince(terminatedAt);
    await stopping;
    expect(leader.operator.output()).toContain('"msg":"released leadership"');

    // The new leader does the work from here on.
    const grown: Fleet = { accounts: expected.accounts, tokens: [...expected.tokens, { name: "after-handover", account: expected.accounts[0] ?? "" }] };
    await createFleet(scene.custom, scene.namespace, { accounts: [], tokens: grown.tokens.slice(-1) });
    // The new leader starts by checking every resource; the new one waits its turn.
    await waitConverged(scene, grown, convergeBoundMs(grown.tokens.length));
    expect(await ledgerProblems(scene)).toEqual([]);
    reportFigures("leader hand-over (SIGTERM)", { handover_s: handoverS, handover_bound_s: HANDOVER_BOUND_MS / 1000, lease_duration_s: LEASE_DURATION_MS / 1000 });
  }, 60_000 + convergeBoundMs(expected.tokens.length));

  it("reports a replica that waits for leadership as ready, so a Deployment of two replicas becomes available", async () => {
    const standby = await startReplica();
    expect(await holder()).not.toBe(standby.identity);
    await eventually(async () => expect((await httpGet({ url: `${standby.operator.probeUrl}/readyz` })).status).toBe(200), { timeoutMs: 30_000, intervalMs: 500 });
  }, 60_000);
});
