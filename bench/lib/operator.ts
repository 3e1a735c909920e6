// The compiled operator as a process, started the way the integration tests start it, with the
// benchmark's knobs, optional V8 profiling, and readings of its CPU and memory.
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startOperator, type RunningOperator } from "../../test/integration/support/operator.js";
import { Scrape } from "./prom.js";
import { cpuSeconds, rssBytes } from "./proc.js";

export interface OperatorKnobs {
  /** --max-concurrent-reconciles */
  concurrency: number;
  /** --resync-period, e.g. "30s" */
  resync: string;
  /** NODE_OPTIONS for the operator (e.g. the chart's heap cap); unset: V8 sizes its heap from the machine. */
  nodeOptions?: string | undefined;
}

export interface Diagnostics {
  /** Write a V8 CPU profile here when the process exits. */
  cpuProfileDir?: string;
  /** Allow heap snapshots on SIGUSR2, written here. */
  heapSnapshotDir?: string;
}

export interface OperatorSpec {
  kubeconfigPath: string;
  namespaces: readonly string[];
  knobs: OperatorKnobs;
  diagnostics?: Diagnostics;
}

export interface OperatorProcess {
  readonly pid: number;
  readonly metricsUrl: string;
  readonly logFile: string;
  scrape(): Promise<Scrape>;
  cpuSeconds(): number;
  rssBytes(): number;
  /** Asks V8 for a heap snapshot and returns its path once written. */
  heapSnapshot(): Promise<string>;
  /** SIGTERM, as Kubernetes stops a pod (a CPU profile is written on the way out). */
  stop(): Promise<void>;
}

export async function launchOperator(spec: OperatorSpec): Promise<OperatorProcess> {
  const nodeOptions = await nodeOptionsFor(spec.diagnostics ?? {}, spec.knobs);
  const running = await startOperator({
    kubeconfigPath: spec.kubeconfigPath,
    namespaces: spec.namespaces,
    clusterName: "bench",
    resyncPeriod: spec.knobs.resync,
    // The test helper logs at debug; a benchmark measures what ships.
    extraArgs: [`--max-concurrent-reconciles=${spec.knobs.concurrency}`, "--log-level=info"],
    ...(nodeOptions ? { env: { NODE_OPTIONS: nodeOptions } } : {}),
  });
  return wrap(running, spec.diagnostics?.heapSnapshotDir);
}

async function nodeOptionsFor(diagnostics: Diagnostics, knobs: OperatorKnobs): Promise<string | undefined> {
  const options: string[] = knobs.nodeOptions ? [knobs.nodeOptions] : [];
  if (diagnostics.cpuProfileDir) {
    await mkdir(diagnostics.cpuProfileDir, { recursive: true });
    options.push("--cpu-prof", `--cpu-prof-dir=${diagnostics.cpuProfileDir}`);
  }
  if (diagnostics.heapSnapshotDir) {
    await mkdir(diagnostics.heapSnapshotDir, { recursive: true });
    options.push("--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${diagnostics.heapSnapshotDir}`);
  }
  return options.length > 0 ? options.join(" ") : undefined;
}

function wrap(running: RunningOperator, heapSnapshotDir: string | undefined): OperatorProcess {
  const pid = running.process.pid;
  return {
    pid,
    metricsUrl: running.metricsUrl,
    logFile: running.logFile,
    scrape: () => Scrape.of(running.metricsUrl),
    cpuSeconds: () => cpuSeconds(pid),
    rssBytes: () => rssBytes(pid),
    heapSnapshot: async () => {
      if (!heapSnapshotDir) throw new Error("the operator was started without heap snapshots");
      const before = new Set(await readdir(heapSnapshotDir));
      process.kill(pid, "SIGUSR2");
      for (let waited = 0; waited < 120_000; waited += 500) {
        await sleep(500);
        const fresh = (await readdir(heapSnapshotDir)).find((file) => file.endsWith(".heapsnapshot") && !before.has(file));
        // V8 writes the file in one go but not atomically: wait until the process is responsive again.
        if (fresh && (await isResponsive(running.metricsUrl))) return join(heapSnapshotDir, fresh);
      }
      throw new Error("no heap snapshot after 120 s");
    },
    stop: () => running.stop(),
  };
}

async function isResponsive(metricsUrl: string): Promise<boolean> {
  try {
    await Scrape.of(metricsUrl);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until the operator has nothing left to do: queues empty, no reconcile running, at least
 * `minimum` reconciles done per controller, and (with `stableForMs`) no new reconcile for that long.
 * Resolves with performance.now() of the first poll that saw it idle.
 */
export async function waitUntilIdle(
  operator: OperatorProcess,
  options: { minimum?: Record<string, number>; timeoutMs: number; stableForMs?: number; pollMs?: number },
): Promise<number> {
  const deadline = performance.now() + options.timeoutMs;
  let last = "";
  let idleSince: { at: number; reconciles: number } | undefined;
  for (;;) {
    try {
      const scrape = await operator.scrape();
      const reconciled = scrape.byLabel("controller_runtime_reconcile_total", "controller");
      const short = Object.entries(options.minimum ?? {}).filter(([controller, count]) => (reconciled[controller] ?? 0) < count);
      const depth = scrape.sum("workqueue_depth");
      const active = scrape.sum("controller_runtime_active_workers");
      const reconciles = Object.values(reconciled).reduce((a, b) => a + b, 0);
      if (short.length === 0 && depth === 0 && active === 0) {
        if (idleSince?.reconciles !== reconciles) idleSince = { at: performance.now(), reconciles };
        if (performance.now() - idleSince.at >= (options.stableForMs ?? 0)) return idleSince.at;
      } else {
        idleSince = undefined;
      }
      last = `depth ${depth}, active ${active}, reconciled ${JSON.stringify(reconciled)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (performance.now() > deadline) throw new Error(`operator not idle after ${options.timeoutMs} ms (${last})`);
    await sleep(options.pollMs ?? 100);
  }
}
