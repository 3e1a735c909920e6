// `npm run soak`: bounded churn against one operator for --minutes (create and delete accounts
// with their tokens, update accounts, rotate tokens by annotation, delete Secrets), sampling
// the operator's RSS, heap, open file descriptors and active handles. Prints the samples, a
// least-squares slope per metric and a verdict, and writes the same as JSON to bench/results/.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { repoRoot } from "../test/harness/repo.js";
import { parseSoakArgs, SOAK_HELP, type SoakArgs } from "./lib/args.js";
import { Block, type BenchWorld } from "./lib/block.js";
import { openBenchWorld } from "./lib/world.js";
import { forEachConcurrently } from "./lib/kube-http.js";
import { runWithCleanup } from "./lib/lifecycle.js";
import { waitUntilIdle, type OperatorProcess } from "./lib/operator.js";
import { converge } from "./lib/scenarios.js";
import { linearRegression } from "./lib/stats.js";
import { checkTokens } from "./lib/token-check.js";
import { API, applyWorkload, key, makeWorkload, type AccountRef, type TokenRef } from "./lib/workload.js";

const RESULTS_DIR = join(repoRoot, "bench", "results");
const MERGE_PATCH = { contentType: "application/merge-patch+json" };
const log = (message: string) => process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

interface Sample {
  minute: number;
  rssMB: number;
  heapUsedMB: number;
  openFds: number;
  activeHandles: number;
}

const METRICS: ReadonlyArray<{ name: keyof Omit<Sample, "minute">; unit: string; tolerance: (mean: number) => number }> = [
  // Growth = the fitted line rises by more than this over the run.
  { name: "rssMB", unit: "MB", tolerance: (mean) => Math.max(10, mean * 0.1) },
  { name: "heapUsedMB", unit: "MB", tolerance: (mean) => Math.max(5, mean * 0.1) },
  { name: "openFds", unit: "fds", tolerance: () => 10 },
  { name: "activeHandles", unit: "handles", tolerance: () => 10 },
];

async function sample(operator: OperatorProcess, startedAt: number): Promise<Sample> {
  const scrape = await operator.scrape();
  return {
    minute: Math.round((performance.now() - startedAt) / 600) / 100,
    rssMB: Math.round(scrape.sum("process_resident_memory_bytes") / 104_857.6) / 10,
    heapUsedMB: Math.round(scrape.sum("nodejs_heap_size_used_bytes") / 104_857.6) / 10,
    openFds: scrape.sum("process_open_fds"),
    activeHandles: scrape.sum("nodejs_active_handles_total"),
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so two soaks churn alike. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface LiveAccount {
  account: AccountRef;
  tokens: TokenRef[];
}

/** The churn: each step picks one change at random and applies it through the API server. */
class Churn {
  readonly live = new Map<string, LiveAccount>();
  readonly counts: Record<string, number> = {};
  #next: number;
  #rotation = 0;
  readonly #pick = random(7);

  constructor(
    private readonly block: Block,
    private readonly args: SoakArgs,
  ) {
    this.#next = args.accounts;
  }

  async step(): Promise<void> {
    const roll = this.#pick();
    const size = this.live.size;
    const action =
      roll < 0.2 && size < this.args.accounts * 1.5 ? "create" : roll < 0.4 && size > this.args.accounts / 2 ? "delete" : roll < 0.6 ? "update" : roll < 0.85 ? "rotate" : "deleteSecret";
    await this[action]();
    this.counts[action] = (this.counts[action] ?? 0) + 1;
  }

  private any(): LiveAccount {
    const all = [...this.live.values()];
    return all[Math.floor(this.#pick() * all.length)] as LiveAccount;
  }

  private async create(): Promise<void> {
    const added = makeWorkload(this.block.namespaces, this.#next++, 1, this.args["tokens-per-account"]);
    await applyWorkload(this.block.world.admin, added, this.block.connectionRef, 1, undefined, SOAK_TOKEN_SPEC);
    const account = added.accounts[0] as AccountRef;
    this.live.set(key(account), { account, tokens: added.tokens });
  }

  private async delete(): Promise<void> {
    const { account, tokens } = this.any();
    this.live.delete(key(account));
    const admin = this.block.world.admin;
    await forEachConcurrently(tokens, tokens.length, async (t) => {
      await admin.expect("DELETE", `${API}/namespaces/${t.namespace}/serviceaccounttokens/${t.name}`, undefined, { accept: [404] });
    });
    await admin.expect("DELETE", `${API}/namespaces/${account.namespace}/serviceaccounts/${account.name}`, undefined, { accept: [404] });
  }

  private async update(): Promise<void> {
    const { account } = this.any();
    const path = `${API}/namespaces/${account.namespace}/serviceaccounts/${account.name}`;
    await this.block.world.admin.expect("PATCH", path, { spec: { displayName: `${account.name} ${this.#rotation++}` } }, MERGE_PATCH);
  }

  private async rotate(): Promise<void> {
    const { tokens } = this.any();
    const token = tokens[Math.floor(this.#pick() * tokens.length)] as TokenRef;
    const path = `${API}/namespaces/${token.namespace}/serviceaccounttokens/${token.name}`;
    await this.block.world.admin.expect("PATCH", path, { metadata: { annotations: { "accounts.unleash.dev/rotate": String(this.#rotation++) } } }, MERGE_PATCH);
  }

  private async deleteSecret(): Promise<void> {
    const { tokens } = this.any();
    const token = tokens[Math.floor(this.#pick() * tokens.length)] as TokenRef;
    await this.block.world.admin.expect("DELETE", `/api/v1/namespaces/${token.namespace}/secrets/${token.name}`, undefined, { accept: [404] });
  }
}

/** Rotations keep the previous token for the grace period; a short one keeps accounts under Unleash's 10 tokens. */
const SOAK_TOKEN_SPEC = { rotationGracePeriod: "20s" };

function verdicts(samples: readonly Sample[]): Array<{ metric: string; slopePerHour: number; r2: number; verdict: string }> {
  const fitted = samples.slice(1); // the first sample is taken right after the initial converge
  return METRICS.map(({ name, unit, tolerance }) => {
    const trend = linearRegression(fitted.map((s) => ({ x: s.minute, y: s[name] })));
    const span = (fitted.at(-1)?.minute ?? 0) - (fitted[0]?.minute ?? 0);
    const mean = fitted.reduce((sum, s) => sum + s[name], 0) / Math.max(1, fitted.length);
    const rise = trend.slope * span;
    const verdict = fitted.length >= 3 && rise > tolerance(mean) && trend.r2 > 0.5 ? "growth" : "no growth trend";
    return { metric: `${name} (${unit})`, slopePerHour: Math.round(trend.slope * 60 * 100) / 100, r2: Math.round(trend.r2 * 100) / 100, verdict };
  });
}

function render(samples: readonly Sample[], trends: ReturnType<typeof verdicts>, args: SoakArgs): string {
  const header = ["minute", "RSS MB", "heap used MB", "open fds", "active handles"];
  const rows = samples.map((s) => [s.minute.toFixed(2), s.rssMB.toFixed(1), s.heapUsedMB.toFixed(1), String(s.openFds), String(s.activeHandles)]);
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] ?? 0)).join("  ");
  return [
    `soak: ${args.minutes} min, ${args.accounts} accounts x ${args["tokens-per-account"]} tokens, churn every ${args["churn-every"].text}, cores ${availableParallelism()}`,
    line(header),
    ...rows.map(line),
    "",
    ...trends.map((t) => `${t.metric.padEnd(22)} slope ${String(t.slopePerHour).padStart(8)} per hour (r2 ${t.r2.toFixed(2)}): ${t.verdict}`),
  ].join("\n");
}

async function soak(args: SoakArgs, cleanup: BenchWorld["cleanup"]): Promise<void> {
  const startedAt = new Date().toISOString();
  const world = await openBenchWorld("soak", cleanup, log);
  const block = await Block.open(
    world,
    { index: 0, latencyMs: args.latency, namespaces: args.namespaces, connection: "cluster", projectAccess: false, knobs: { concurrency: args.concurrency, resync: args.resync.text }, diagnostics: {} },
  );
  world.watch(block.namespaces);
  const operator = await block.startOperator();
  const timeoutMs = 10 * 60_000;
  const initial = makeWorkload(block.namespaces, 0, args.accounts, args["tokens-per-account"]);
  log(`converging ${initial.tokens.length} tokens`);
  await converge(block, initial, { timeoutMs, applyConcurrency: 16, tokenSpec: SOAK_TOKEN_SPEC }, "initial converge");
  const churn = new Churn(block, args);
  for (const account of initial.accounts) churn.live.set(key(account), { account, tokens: initial.tokens.filter((t) => t.account === account.name) });

  const started = performance.now();
  const samples: Sample[] = [await sample(operator, started)];
  const endAt = started + args.minutes * 60_000;
  let nextSample = started + args["sample-every"].ms;
  log(`churning for ${args.minutes} min`);
  while (performance.now() < endAt) {
    await churn.step();
    if (performance.now() >= nextSample) {
      samples.push(await sample(operator, started));
      nextSample += args["sample-every"].ms;
      log(`sample ${JSON.stringify(samples.at(-1))}`);
    }
    await sleep(args["churn-every"].ms);
  }
  log("churn over; waiting until every remaining token is Ready with a working token");
  const liveTokens = [...churn.live.values()].flatMap((l) => l.tokens);
  await world.view.timeUntilAll(liveTokens.map(key), (k) => world.view.tokenConverged(k), performance.now(), timeoutMs, "after churn");
  await waitUntilIdle(operator, { timeoutMs, stableForMs: 2_000 });
  samples.push(await sample(operator, started));
  const tokenCheck = await checkTokens(world.admin, liveTokens, block.operatorEmulator.url);
  const trends = verdicts(samples);
  process.stdout.write(`${render(samples, trends, args)}\n`);
  process.stdout.write(`churn steps: ${JSON.stringify(churn.counts)}; working tokens after churn: ${tokenCheck.working}/${tokenCheck.checked}\n`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `soak-${startedAt.replace(/[:.]/g, "-")}.json`);
  const report = { startedAt, args: { ...args, resync: args.resync.text, "sample-every": args["sample-every"].text, "churn-every": args["churn-every"].text }, cores: availableParallelism(), loadAverageAtEnd: loadavg()[0], churn: churn.counts, tokenCheck, samples, trends };
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`results: ${path}\n`);
  await block.close();
  await rm(world.dir, { recursive: true, force: true });
}

const parsed = parseSoakArgs(process.argv.slice(2));
if (parsed === "help") process.stdout.write(`${SOAK_HELP}\n`);
else await runWithCleanup("soak", (cleanup) => soak(parsed, cleanup));
