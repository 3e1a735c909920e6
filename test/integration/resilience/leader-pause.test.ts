// A leader frozen past its lease (a long GC pause, a frozen VM, a starved node: here SIGSTOP) and woken
// again after the standby took over writes nothing at all: not to Kubernetes (counted by a proxy in
// front of the old leader alone) and not to Unleash (counted by its User-Agent). Everything converges
// under the new leader, nothing leaks and nothing is duplicated.
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { CoordinationV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { PKI_DIR } from "../../harness/identities.js";
import { KubeWriteCounter } from "../../harness/kube-write-counter.js";
import type { RunningOperator } from "../support/operator.js";
import { convergeBoundMs, createFleet, sizedFleet, type Fleet } from "./fleet.js";
import { ledgerProblems, waitConverged } from "./ledger.js";
import { startScene, type Scene } from "./scene.js";
import { identityOf, reportFigures, secondsSince } from "./support.js";

const PAUSE_AFTER_APPLY_MS = 1_500;
const PAUSE_MS = 25_000;
const UNLEASH_LATENCY_MS = 1_000;
const WRITE = /^(POST|PUT|DELETE) /;

interface Replica {
  operator: RunningOperator;
  identity: string;
  counter: KubeWriteCounter;
}

describe("a leader paused past its lease", () => {
  const adminKubeconfig = inject("kubeconfigPath");
  const lease = `pause-${randomBytes(3).toString("hex")}`;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(adminKubeconfig);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  const expected: Fleet = sizedFleet([20, 1], [40, 1]);
  const replicas: Replica[] = [];
  let scene: Scene;

  const holder = async () => (await coordination.readNamespacedLease({ name: lease, namespace: scene.namespace })).spec?.holderIdentity ?? "";

  /** A replica whose Kubernetes traffic goes through a counting proxy of its own. */
  const startReplica = async (): Promise<Replica> => {
    const pki = join(dirname(adminKubeconfig), PKI_DIR);
    const counter = await KubeWriteCounter.start({ upstreamKubeconfig: adminKubeconfig, tlsCertFile: join(pki, "apiserver.crt"), tlsKeyFile: join(pki, "apiserver.key") });
    const kubeconfigPath = join(dirname(adminKubeconfig), `${lease}-${replicas.length}.kubeconfig`);
    await counter.writeClientKubeconfig(adminKubeconfig, kubeconfigPath);
    const operator = await scene.startOperator({
      kubeconfigPath,
      extraArgs: ["--leader-elect", `--leader-election-namespace=${scene.namespace}`, `--leader-election-id=${lease}`],
      waitUntilReady: false,
    });
    const replica = { operator, identity: await identityOf(operator), counter };
    replicas.push(replica);
    return replica;
  };

  beforeAll(async () => {
    scene = await startScene(adminKubeconfig, "pause");
  });
  afterAll(async () => {
    for (const { operator } of replicas) if (!operator.process.hasExited()) process.kill(-operator.process.pid, "SIGCONT");
    await scene?.close();
    await Promise.all(replicas.map((r) => r.counter.stop()));
  });

  it("writes nothing once woken, and everything is Ready under the new leader without leaks or duplicates", async () => {
    const first = await startReplica();
    const second = await startReplica();
    await eventually(async () => expect([first.identity, second.identity]).toContain(await holder()), { timeoutMs: 30_000, intervalMs: 200 });
    const old = (await holder()) === first.identity ? first : second;
    const next = old === first ? second : first;

    // A slow Unleash keeps the leader's work in flight when it freezes: answers arrive while it sleeps.
    await scene.control.setLatency("*", UNLEASH_LATENCY_MS);
    await createFleet(scene.custom, scene.namespace, expected);
    await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_APPLY_MS));
    process.kill(-old.operator.process.pid, "SIGSTOP");
    const pausedAt = performance.now();
    await scene.control.setLatency("*", 0);
    await eventually(async () => expect(await holder()).toBe(next.identity), { timeoutMs: PAUSE_MS, intervalMs: 250 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, PAUSE_MS - (performance.now() - pausedAt))));

    // Everything the old leader sends from here on is counted.
    old.counter.reset();
    const unleashBefore = await scene.control.callsBy(old.identity);
    process.kill(-old.operator.process.pid, "SIGCONT");
    const resumedAt = performance.now();
    const exit = await Promise.race([old.operator.process.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000))]);
    const exitedS = secondsSince(resumedAt);

    const kubeWrites = Object.entries(old.counter.counts().byRoute).filter(([route, n]) => /^(create|update|patch|delete)/.test(route) && !route.endsWith(" leases") && n > 0);
    const unleashAfter = await scene.control.callsBy(old.identity);
    const unleashWrites = Object.entries(unleashAfter).filter(([route, n]) => WRITE.test(route) && n > (unleashBefore[route] ?? 0));

    await waitConverged(scene, expected, convergeBoundMs(expected.tokens.length));
    const readyS = secondsSince(resumedAt);
    const problems = await ledgerProblems(scene);

    reportFigures("leader paused past its lease (SIGSTOP, SIGCONT)", {
      tokens: expected.tokens.length,
      pause_s: PAUSE_MS / 1000,
      old_leader_exit_after_resume_s: exitedS,
      old_leader_kube_writes_after_resume: kubeWrites.reduce((sum, [, n]) => sum + n, 0),
      old_leader_kube_write_routes: kubeWrites.map(([route]) => route).join(",") || "none",
      old_leader_unleash_writes_after_resume: unleashWrites.length,
      all_ready_after_resume_s: readyS,
      leaked_or_duplicated: problems.length,
    });
    expect(exit, "the old leader exits once it sees the lease lost").toBeDefined();
    expect(kubeWrites).toEqual([]);
    expect(unleashWrites).toEqual([]);
    expect(problems).toEqual([]);
  }, 240_000);
});
