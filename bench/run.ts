// `npm run bench`: cold converge against the floor, idle, repair, restart and memory, once per
// emulator latency; prints one table and writes the same figures to bench/results/<time>.json.
// No thresholds: it fails only when a scenario cannot run.
import { execFileSync } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../test/harness/repo.js";
import { summarizeCpuProfile, summarizeHeapSnapshot, renderCpuSummary, renderHeapSummary } from "./profile-summary.js";
import { parseRunArgs, RUN_HELP, type RunArgs } from "./lib/args.js";
import { Block, type BenchWorld } from "./lib/block.js";
import { openBenchWorld } from "./lib/world.js";
import { runWithCleanup } from "./lib/lifecycle.js";
import { renderTable, writeReport, type BenchReport, type BlockResult } from "./lib/report.js";
import { converge, floor, growMemory, idle, readMemory, repair, restart, revokedInUnleash, type MemoryGrowth, type ScenarioOptions } from "./lib/scenarios.js";
import { makeWorkload, PROJECT_ACCESS } from "./lib/workload.js";

const RESULTS_DIR = join(repoRoot, "bench", "results");
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function runBlock(block: Block, args: RunArgs, last: boolean): Promise<BlockResult> {
  const loadAtStart = loadavg()[0] ?? 0;
  const tag = `[${block.spec.latencyMs} ms]`;
  const options: ScenarioOptions = {
    timeoutMs: args.timeout.ms,
    applyConcurrency: args["apply-concurrency"],
    ...(args["project-access"] ? { accountSpec: PROJECT_ACCESS } : {}),
  };
  const perAccount = args["tokens-per-account"];
  log(`${tag} floor: ${args.accounts} accounts x ${perAccount} tokens by a direct client`);
  const floorResult = await floor(block, makeWorkload(block.floorNamespaces, 0, args.accounts, perAccount), { ...options, concurrency: args.concurrency });
  log(`${tag} starting the operator`);
  await block.startOperator();
  log(`${tag} cold converge`);
  const cold = await converge(block, makeWorkload(block.namespaces, 0, args.accounts, perAccount), options, "cold converge");
  log(`${tag} idle for ${args["idle-periods"]} resync periods`);
  const idleResult = await idle(block, args.resync.ms, args["idle-periods"], options);
  log(`${tag} repair of ${args.repair} Secrets`);
  const repairResult = await repair(block, args.repair, options);
  log(`${tag} ${args.revoke} tokens revoked in Unleash`);
  const revocation = await revokedInUnleash(block, args.revoke, options);
  log(`${tag} restart`);
  const restartResult = await restart(block, options);
  log(`${tag} memory`);
  const memory = await readMemory(block, options);
  const growth: MemoryGrowth[] = [];
  for (const target of last && !args["skip-memory-5000"] ? args["memory-tokens"] : []) {
    const before = growth.at(-1)?.after ?? memory;
    if (target <= before.tokens) continue;
    log(`${tag} memory: growing to ${target} tokens`);
    growth.push(await growMemory(block, before, target, perAccount, options));
  }
  return {
    latencyMs: block.spec.latencyMs,
    loadAverage: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    floor: floorResult,
    cold,
    coldOverFloor: Math.round((100 * cold.wallMs) / Math.max(1, floorResult.wallMs)) / 100,
    idle: idleResult,
    repair: repairResult,
    revocation,
    restart: restartResult,
    memory,
    ...(growth.length > 0 ? { growth } : {}),
  };
}

function describeMachine(): Record<string, unknown> {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}

function describeOperator(args: RunArgs): Record<string, unknown> {
  const git = (gitArgs: string[]) => execFileSync("git", gitArgs, { cwd: repoRoot, encoding: "utf8" }).trim();
  return {
    commit: `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "src"]) ? "+uncommitted src changes" : ""}`,
    maxConcurrentReconciles: args.concurrency,
    resyncPeriod: args.resync.text,
    nodeOptions: args["operator-node-options"] ?? "none (V8 sizes its heap from the machine)",
    unleashTimeout: "10s (default)",
    logLevel: "info",
    unleashConnectionsPerConnection: "10 (src/unleash/client.ts default)",
    workqueueRateLimit: "per key 5 ms..1000 s exponential, overall 10 qps burst 100, on retries only (src/runtime/rate-limiter.ts default)",
    kubernetesClientRateLimit: "none",
  };
}

async function summarizeDiagnostics(dir: string): Promise<Record<string, unknown>> {
  const files = (await readdir(dir).catch(() => [])).sort();
  const out: Record<string, unknown> = { dir };
  for (const file of files) {
    const raw = JSON.parse(await readFile(join(dir, file), "utf8")) as unknown;
    if (file.endsWith(".cpuprofile")) {
      const summary = summarizeCpuProfile(raw, 15);
      log(`CPU profile ${file}\n${renderCpuSummary(summary)}`);
      out[file] = summary;
    } else if (file.endsWith(".heapsnapshot")) {
      const summary = summarizeHeapSnapshot(raw, 20);
      log(`heap snapshot ${file}\n${renderHeapSummary(summary)}`);
      out[file] = summary;
    }
  }
  return out;
}

async function bench(args: RunArgs, cleanup: BenchWorld["cleanup"]): Promise<void> {
  const startedAt = new Date().toISOString();
  const world = await openBenchWorld("bench", cleanup, log);
  const diagnosticsDir = join(RESULTS_DIR, "profiles", startedAt.replace(/[:.]/g, "-"));
  const diagnostics = {
    ...(args["cpu-prof"] ? { cpuProfileDir: diagnosticsDir } : {}),
    ...(args["heap-snapshot"] ? { heapSnapshotDir: diagnosticsDir } : {}),
  };

  const blocks: BlockResult[] = [];
  for (const [index, latencyMs] of args.latency.entries()) {
    const block = await Block.open(world, {
      index,
      latencyMs,
      namespaces: args.namespaces,
      connection: args.connection,
      projectAccess: args["project-access"],
      knobs: { concurrency: args.concurrency, resync: args.resync.text, nodeOptions: args["operator-node-options"] },
      diagnostics,
    });
    world.watch(block.namespaces);
    const last = index === args.latency.length - 1;
    blocks.push(await runBlock(block, args, last));
    if (last && args["heap-snapshot"]) log(`heap snapshot written to ${await block.requireOperator().heapSnapshot()}`);
    await block.close();
  }

  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: describeMachine(),
    workload: {
      accounts: args.accounts,
      tokensPerAccount: args["tokens-per-account"],
      tokens: args.accounts * args["tokens-per-account"],
      namespaces: args.namespaces,
      connection: args.connection,
      projectAccess: args["project-access"],
      applyConcurrency: args["apply-concurrency"],
    },
    operator: describeOperator(args),
    blocks,
    ...(args["cpu-prof"] || args["heap-snapshot"] ? { profiles: await summarizeDiagnostics(diagnosticsDir) } : {}),
  };
  process.stdout.write(`${renderTable(report)}\n`);
  const path = await writeReport(report, RESULTS_DIR);
  process.stdout.write(`\nresults: ${path}\n`);
  await rm(world.dir, { recursive: true, force: true });
}

const parsed = parseRunArgs(process.argv.slice(2));
if (parsed === "help") {
  process.stdout.write(`${RUN_HELP}\n`);
} else {
  await runWithCleanup("bench", (cleanup) => bench(parsed, cleanup));
}
