// Small pieces the resilience tests share: fault proxies in front of the API server or Unleash,
// waiting for an idle operator, an operator's leader-election identity, and printing each test's figures.
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { expect } from "vitest";
import { z } from "zod";
import { eventually } from "../../harness/eventually.js";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";
import { metricValue } from "../support/metrics.js";
import { connectionYaml, type World } from "../support/world.js";
import type { RunningOperator } from "../support/operator.js";
import { parseJsonOrUndefined } from "../../harness/json.js";

/**
 * A copy of a kubeconfig whose server is the fault proxy, beside the original (so it goes when
 * the control plane's directory goes). The proxy works at the TCP level: the client still
 * verifies the API server's own certificate, whose SAN holds 127.0.0.1.
 */
export async function kubeconfigThrough(kubeconfigPath: string, proxy: { host: string; port: number }): Promise<string> {
  const original = new KubeConfig();
  original.loadFromFile(kubeconfigPath);
  const proxied = new KubeConfig();
  proxied.loadFromOptions({
    clusters: original.clusters.map((cluster) => ({ ...cluster, server: `https://${proxy.host}:${proxy.port}` })),
    users: original.users,
    contexts: original.contexts,
    currentContext: original.currentContext,
  });
  const path = join(dirname(kubeconfigPath), `through-proxy-${proxy.port}.kubeconfig`);
  await writeFile(path, proxied.exportConfig(), { mode: 0o600 });
  return path;
}

/** Points the world's UnleashConnection at a fault proxy in front of its emulator. */
export async function proxyUnleash(world: World): Promise<FaultProxy> {
  const emulatorUrl = new URL(world.emulator.url);
  const proxy = await startFaultProxy({ target: { host: emulatorUrl.hostname, port: Number(emulatorUrl.port) } });
  try {
    await world.apply(connectionYaml(world.namespace, `http://${proxy.host}:${proxy.port}`, world.emulator.adminToken));
    await world.waitForCondition("UnleashConnection", "unleash", "Ready", "True");
    return proxy;
  } catch (error) {
    await proxy.stop();
    throw error;
  }
}

/**
 * Waits until the operator has nothing queued and nothing running, twice in a row: an idle
 * operator, so that a fault injected next hits no reconcile in flight.
 */
export async function waitIdle(metricsUrl: string, timeoutMs = 60_000): Promise<void> {
  const busy = async () =>
    (await metricValue(metricsUrl, "controller_runtime_active_workers")) + (await metricValue(metricsUrl, "workqueue_depth"));
  await eventually(
    async () => {
      expect(await busy()).toBe(0);
      await sleep(500);
      expect(await busy()).toBe(0);
    },
    { timeoutMs },
  );
}

/** One line per test with its figures, easy to find in CI output. */
export function reportFigures(scenario: string, figures: Record<string, number | string>): void {
  const text = Object.entries(figures)
    .map(([name, value]) => `${name}=${typeof value === "number" ? Math.round(value * 100) / 100 : value}`)
    .join(" ");
  console.log(`[resilience] ${scenario}: ${text}`);
}

export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}

const waitingLine = z.object({ msg: z.literal("waiting for leadership"), identity: z.string() });

/** The identity an operator campaigns with, from its "waiting for leadership" log line. */
export async function identityOf(operator: RunningOperator): Promise<string> {
  return eventually(
    () => {
      for (const line of operator.output().split("\n")) {
        const parsed = waitingLine.safeParse(parseJsonOrUndefined(line));
        if (parsed.success) return parsed.data.identity;
      }
      throw new Error(`operator ${operator.process.pid} has not logged its identity yet`);
    },
    { timeoutMs: 30_000 },
  );
}


