// One plain-text table (a column per latency) and the same figures as JSON.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { RequestCounts } from "../../test/harness/kube-write-counter.js";
import type { ConvergeResult, FloorScenarioResult, IdleResult, MemoryGrowth, MemoryReading, RepairResult, RestartResult, RevocationResult } from "./scenarios.js";
import type { Distribution } from "./stats.js";
import type { Usage } from "./block.js";

export interface BlockResult {
  latencyMs: number;
  /** 1-minute load average of the machine when the block started and ended: other work on it skews wall times. */
  loadAverage: { start: number; end: number };
  floor: FloorScenarioResult;
  cold: ConvergeResult;
  /** cold.wallMs / floor.wallMs */
  coldOverFloor: number;
  idle: IdleResult;
  repair: RepairResult;
  revocation: RevocationResult;
  restart: RestartResult;
  memory: MemoryReading;
  /** One reading per growth point (e.g. 5,000 and 10,000 tokens), in order. */
  growth?: MemoryGrowth[];
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  workload: Record<string, unknown>;
  operator: Record<string, unknown>;
  blocks: BlockResult[];
  profiles?: Record<string, unknown>;
}

type Cell = (block: BlockResult) => string;
interface Row {
  scenario: string;
  metric: string;
  cell: Cell;
}

export const seconds = (ms: number | undefined): string => (ms === undefined ? "-" : ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(2)} s`);
const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
const spread = (d: Distribution): string => `${seconds(d.p50Ms)} / ${seconds(d.p99Ms)} / ${seconds(d.maxMs)}`;
const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const kubeWrites = (kube: RequestCounts): Record<string, number> =>
  Object.fromEntries(Object.entries(kube.byRoute).filter(([route]) => /^(create|update|patch|delete|deletecollection) /.test(route)));
const kubeReads = (kube: RequestCounts): Record<string, number> =>
  Object.fromEntries(Object.entries(kube.byRoute).filter(([route]) => /^(get|list|watch) /.test(route)));

/** A total row, then one indented row per route that any block used. */
function routeRows(blocks: BlockResult[], scenario: string, label: string, pick: (block: BlockResult) => Record<string, number>): Row[] {
  const routes = [...new Set(blocks.flatMap((b) => Object.keys(pick(b))))].sort();
  return [
    { scenario, metric: label, cell: (b) => String(total(pick(b))) },
    ...routes.map((route) => ({ scenario, metric: `  ${route}`, cell: (b: BlockResult) => String(pick(b)[route] ?? 0) })),
  ];
}

/** Milliseconds of CPU per token. */
function perToken(cpuSeconds: number, tokens: number): string {
  return `${((1000 * cpuSeconds) / Math.max(1, tokens)).toFixed(2)} ms`;
}

function usageRows(blocks: BlockResult[], scenario: string, pick: (block: BlockResult) => Usage): Row[] {
  return [
    ...routeRows(blocks, scenario, "unleash calls", (b) => pick(b).unleashCalls),
    ...routeRows(blocks, scenario, "k8s writes", (b) => kubeWrites(pick(b).kube)),
    { scenario, metric: "k8s reads (get/list/watch)", cell: (b) => String(total(kubeReads(pick(b).kube))) },
    { scenario, metric: "k8s TLS connections opened", cell: (b) => String(pick(b).kube.connections) },
    { scenario, metric: "operator CPU", cell: (b) => `${pick(b).cpuSeconds.toFixed(2)} s` },
    { scenario, metric: "(write counter CPU)", cell: (b) => `${pick(b).counterCpuSeconds.toFixed(2)} s` },
  ];
}

function rows(blocks: BlockResult[]): Row[] {
  const growth = blocks.filter((b) => b.growth);
  return [
    { scenario: "machine", metric: "load average at start / end", cell: (b) => `${b.loadAverage.start.toFixed(1)} / ${b.loadAverage.end.toFixed(1)}` },
    { scenario: "cold", metric: "resources", cell: (b) => `${b.cold.accounts} accounts, ${b.cold.tokens} tokens` },
    { scenario: "cold", metric: "wall time (of which apply)", cell: (b) => `${seconds(b.cold.wallMs)} (${seconds(b.cold.applyMs)})` },
    { scenario: "cold", metric: "token ready p50/p99/max", cell: (b) => spread(b.cold.tokenReady) },
    { scenario: "cold", metric: "account ready p50/p99/max", cell: (b) => spread(b.cold.accountReady) },
    { scenario: "cold", metric: "working tokens in Secrets", cell: (b) => `${b.cold.tokenCheck.working}/${b.cold.tokenCheck.checked}` },
    ...usageRows(blocks, "cold", (b) => b.cold.usage),
    { scenario: "floor", metric: "wall time", cell: (b) => seconds(b.floor.wallMs) },
    { scenario: "floor", metric: "token ready p50/p99/max", cell: (b) => spread(b.floor.tokenReady) },
    { scenario: "floor", metric: "unleash calls", cell: (b) => String(total(b.floor.unleashCalls)) },
    { scenario: "floor", metric: "k8s writes", cell: (b) => String(b.floor.kube.writes) },
    { scenario: "floor", metric: "k8s TLS connections opened", cell: (b) => String(b.floor.kube.connections) },
    { scenario: "floor", metric: "working tokens in Secrets", cell: (b) => `${b.floor.tokenCheck.working}/${b.floor.tokenCheck.checked}` },
    { scenario: "floor", metric: "OPERATOR / FLOOR (cold wall time)", cell: (b) => `${b.coldOverFloor.toFixed(2)}x` },
    {
      scenario: "floor",
      metric: "CPU per converged token: operator / floor client",
      cell: (b) => `${perToken(b.cold.usage.cpuSeconds, b.cold.tokens)} / ${perToken(b.floor.cpuSeconds, b.cold.tokens)}`,
    },
    { scenario: "idle", metric: "watched", cell: (b) => `${seconds(b.idle.durationMs)} (${b.idle.periods} resyncs)` },
    { scenario: "idle", metric: "unleash reads / writes", cell: (b) => `${b.idle.unleashReads} / ${b.idle.unleashWrites}` },
    { scenario: "idle", metric: "list calls per connection per resync", cell: (b) => String(b.idle.listCallsPerConnectionPerPeriod) },
    { scenario: "idle", metric: "project access reads per connection per resync", cell: (b) => String(b.idle.projectReadsPerConnectionPerPeriod) },
    ...usageRows(blocks, "idle", (b) => b.idle.usage),
    { scenario: "repair", metric: "Secrets deleted at once", cell: (b) => String(b.repair.secrets) },
    { scenario: "repair", metric: "restored p50/p99/max", cell: (b) => spread(b.repair.repaired) },
    { scenario: "repair", metric: "working tokens in Secrets", cell: (b) => `${b.repair.tokenCheck.working}/${b.repair.tokenCheck.checked}` },
    ...usageRows(blocks, "repair", (b) => b.repair.usage),
    { scenario: "revoked", metric: "tokens revoked in Unleash at once", cell: (b) => String(b.revocation.tokens) },
    { scenario: "revoked", metric: "replaced in their Secrets p50/p99/max", cell: (b) => spread(b.revocation.replaced) },
    { scenario: "revoked", metric: "working tokens in Secrets", cell: (b) => `${b.revocation.tokenCheck.working}/${b.revocation.tokenCheck.checked}` },
    ...usageRows(blocks, "revoked", (b) => b.revocation.usage),
    { scenario: "restart", metric: "stop / ready / idle", cell: (b) => `${seconds(b.restart.stopMs)} / ${seconds(b.restart.readyMs)} / ${seconds(b.restart.idleMs)}` },
    ...usageRows(blocks, "restart", (b) => b.restart.usage),
    { scenario: "memory", metric: "tokens", cell: (b) => String(b.memory.tokens) },
    { scenario: "memory", metric: "RSS / heap used", cell: (b) => `${mb(b.memory.rssBytes)} / ${mb(b.memory.heapUsedBytes)}` },
    { scenario: "memory", metric: "metric series: all / per resource", cell: (b) => `${b.memory.series} / ${b.memory.resourceSeries}` },
    ...growthRows(growth),
  ];
}

/** One group of rows per growth point, e.g. 5,000 then 10,000 tokens. */
function growthRows(blocks: BlockResult[]): Row[] {
  const points = Math.max(0, ...blocks.map((b) => b.growth?.length ?? 0));
  return Array.from({ length: points }, (_, i) => {
    const at = (b: BlockResult, show: (g: MemoryGrowth) => string) => {
      const point = b.growth?.[i];
      return point ? show(point) : "-";
    };
    const scenario = `growth ${i + 1}`;
    return [
      { scenario, metric: "grown to tokens", cell: (b: BlockResult) => at(b, (g) => String(g.after.tokens)) },
      { scenario, metric: "converge wall time of the added tokens", cell: (b: BlockResult) => at(b, (g) => seconds(g.converge.wallMs)) },
      { scenario, metric: "operator CPU per added token", cell: (b: BlockResult) => at(b, (g) => `${((1000 * g.converge.usage.cpuSeconds) / Math.max(1, g.converge.tokens)).toFixed(2)} ms`) },
      { scenario, metric: "RSS / heap used", cell: (b: BlockResult) => at(b, (g) => `${mb(g.after.rssBytes)} / ${mb(g.after.heapUsedBytes)}`) },
      { scenario, metric: "per token since the last reading: RSS / heap", cell: (b: BlockResult) => at(b, (g) => `${kb(g.perTokenRssBytes)} / ${kb(g.perTokenHeapBytes)}`) },
      { scenario, metric: "metric series: all / per resource", cell: (b: BlockResult) => at(b, (g) => `${g.after.series} / ${g.after.resourceSeries}`) },
    ];
  }).flat();
}

export function renderTable(report: BenchReport): string {
  const blocks = report.blocks;
  const header = ["scenario", "metric", ...blocks.map((b) => `latency ${b.latencyMs} ms`)];
  const body = rows(blocks).map((row) => [row.scenario, row.metric, ...blocks.map((b) => row.cell(b))]);
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => (line[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  const title = [
    `unleash-accounts-operator benchmark, ${report.startedAt}`,
    `machine: ${JSON.stringify(report.machine)}`,
    `workload: ${JSON.stringify(report.workload)}`,
    `operator: ${JSON.stringify(report.operator)}`,
  ];
  return [...title, "", line(header), rule, ...body.map(line)].join("\n");
}

export async function writeReport(report: BenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${report.startedAt.replace(/[:.]/g, "-")}.json`);
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  return path;
}
