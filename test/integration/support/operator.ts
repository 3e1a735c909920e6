import { readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { freeLoopbackPorts } from "../../harness/ports.js";
import { spawnLogged, waitForHttpReady, logTail, type ManagedProcess } from "../../harness/processes.js";
import { repoRoot } from "../../harness/repo.js";

export interface OperatorOptions {
  kubeconfigPath: string;
  namespaces: readonly string[];
  clusterName?: string;
  resyncPeriod?: string;
  /** How often Unleash is polled for changes; by default the resync period when one is given (tests that
   * shorten the resync expect Unleash's drift to be seen as often), else the operator's default. */
  unleashPollInterval?: string;
  extraArgs?: readonly string[];
  env?: Record<string, string>;
  /** The compiled entry point; default this tree's dist/main.js (an upgrade test runs an older build). */
  entry?: string;
  /** Default true; false returns at once, e.g. for an operator that is expected to crash. */
  waitUntilReady?: boolean;
}

export interface RunningOperator {
  process: ManagedProcess;
  metricsUrl: string;
  probeUrl: string;
  logFile: string;
  /** Everything the operator printed so far (for secret scans and debugging). */
  output(): string;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

const NODE = join(repoRoot, "node_modules", ".bin", "node");

/** In a test run, the run's log directory, which the global teardown scans for credentials; elsewhere (demo, bench) a temp dir. */
function runLogDir(): string {
  try {
    return inject("operatorLogDir");
  } catch {
    return tmpdir();
  }
}

/** Starts the compiled operator (dist/main.js, built by the global setup) as its own process. */
export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const [metricsPort, probePort] = await freeLoopbackPorts(2);
  const dir = await mkdtemp(join(runLogDir(), "operator-"));
  const logFile = join(dir, "operator.log");
  const args = [
    options.entry ?? join(repoRoot, "dist", "main.js"),
    `--kubeconfig=${options.kubeconfigPath}`,
    `--namespaces=${options.namespaces.join(",")}`,
    `--metrics-bind-address=127.0.0.1:${metricsPort}`,
    `--health-probe-bind-address=127.0.0.1:${probePort}`,
    `--cluster-name=${options.clusterName ?? "test-cluster"}`,
    `--resync-period=${options.resyncPeriod ?? "10m"}`,
    ...pollInterval(options),
    "--log-level=debug",
    ...(options.extraArgs ?? []),
  ];
  const child = await spawnLogged("operator", NODE, args, { logFile, env: { ...process.env, ...options.env } });
  const probeUrl = `http://127.0.0.1:${probePort}`;
  try {
    if (options.waitUntilReady !== false) await waitForHttpReady({ url: `${probeUrl}/readyz` }, { timeoutMs: 60_000, process: child });
  } catch (err) {
    await child.stop();
    throw new Error(`operator did not become ready: ${String(err)}\n${logTail(logFile, 40)}`);
  }
  return {
    process: child,
    metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    probeUrl,
    logFile,
    output: () => readFileSync(logFile, "utf8"),
    stop: () => child.stop(25_000),
    kill: () => child.stop(0),
  };
}

function pollInterval(options: Pick<OperatorOptions, "resyncPeriod" | "unleashPollInterval">): string[] {
  const interval = options.unleashPollInterval ?? options.resyncPeriod;
  return interval === undefined ? [] : [`--unleash-poll-interval=${interval}`];
}
