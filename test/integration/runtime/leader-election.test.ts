// Leader election on a real Lease: one leader, quick hand-over on release, take-over after expiry.
import { randomBytes } from "node:crypto";
import { CoordinationV1Api, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { LeaderElector, type LeaderElectorOptions } from "../../../src/runtime/leader-election.js";
import { CuttableProxy } from "./cuttable-proxy.js";

const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(inject("kubeconfigPath"));
const core = kubeConfig.makeApiClient(CoreV1Api);
const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
const namespace = `leader-election-test-${randomBytes(3).toString("hex")}`;

/** Short periods keep the tests quick; their ratios are client-go's. */
const TIMING = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

interface Candidate {
  identity: string;
  elector: LeaderElector;
  /** Shared log of leadership changes across candidates, in the order they happened. */
  log: string[];
}

const electors: LeaderElector[] = [];
const proxies: CuttableProxy[] = [];

function candidate(identity: string, lease: string, log: string[], overrides: Partial<LeaderElectorOptions> = {}): Candidate {
  const elector = new LeaderElector({
    kubeConfig,
    namespace,
    name: lease,
    identity,
    ...TIMING,
    logger: pino({ level: "silent" }),
    onStartedLeading: () => log.push(`${identity} started`),
    onStoppedLeading: () => log.push(`${identity} stopped`),
    ...overrides,
  });
  electors.push(elector);
  void elector.run();
  return { identity, elector, log };
}

async function holderOf(lease: string): Promise<string> {
  const current = await coordination.readNamespacedLease({ name: lease, namespace });
  return current.spec?.holderIdentity ?? "";
}

function leaseName(): string {
  return `operator-${randomBytes(3).toString("hex")}`;
}

beforeAll(async () => {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((elector) => elector.release()));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.stop()));
});

afterAll(async () => {
  await core.deleteNamespace({ name: namespace });
});

describe("LeaderElector on a real Lease", () => {
  it("elects exactly one of two candidates and keeps it while it renews", async () => {
    const lease = leaseName();
    const log: string[] = [];
    const a = candidate("replica-a", lease, log);
    const b = candidate("replica-b", lease, log);
    await eventually(() => expect(log).toHaveLength(1), { timeoutMs: 30_000 });
    const leader = a.elector.isLeader() ? a : b;
    const follower = leader === a ? b : a;
    expect(await holderOf(lease)).toBe(leader.identity);

    // Several lease durations later the same candidate still leads, and the other never did.
    await new Promise((resolve) => setTimeout(resolve, TIMING.leaseDurationMs * 3));
    expect(log).toEqual([`${leader.identity} started`]);
    expect(follower.elector.isLeader()).toBe(false);
    expect(await holderOf(lease)).toBe(leader.identity);
  });

  it("hands over at once on release(), long before the lease would expire", async () => {
    const lease = leaseName();
    const log: string[] = [];
    // A lease far longer than the test's wait: only a release lets the second replica in.
    const slowExpiry = { leaseDurationMs: 120_000, renewDeadlineMs: 60_000, retryPeriodMs: 500 };
    const first = candidate("replica-first", lease, log, slowExpiry);
    await eventually(() => expect(first.elector.isLeader()).toBe(true), { timeoutMs: 30_000 });
    const second = candidate("replica-second", lease, log, slowExpiry);

    await first.elector.release();
    expect(first.elector.isLeader()).toBe(false);
    await eventually(() => expect(second.elector.isLeader()).toBe(true), { timeoutMs: 15_000 });
    expect(await holderOf(lease)).toBe("replica-second");
    // release() is voluntary: it does not report a lost leadership.
    expect(log).toEqual(["replica-first started", "replica-second started"]);
  });

  it("lets the other replica take over after expiry when the leader cannot renew, never both at once", async () => {
    const lease = leaseName();
    const log: string[] = [];
    const proxy = new CuttableProxy(new URL(inject("controlPlaneServer")));
    await proxy.start();
    proxies.push(proxy);
    const cutOff = candidate("replica-cut-off", lease, log, { kubeConfig: proxy.kubeConfigThrough(kubeConfig) });
    await eventually(() => expect(cutOff.elector.isLeader()).toBe(true), { timeoutMs: 30_000 });
    const standby = candidate("replica-standby", lease, log);

    proxy.cut();
    await eventually(() => expect(standby.elector.isLeader()).toBe(true), { timeoutMs: 30_000 });
    expect(cutOff.elector.isLeader()).toBe(false);
    // The cut-off leader gave up (renew deadline) before the standby took over (lease expiry).
    expect(log).toEqual(["replica-cut-off started", "replica-cut-off stopped", "replica-standby started"]);
    expect(await holderOf(lease)).toBe("replica-standby");
  });
});
