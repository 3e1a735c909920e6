// The benchmark's scenarios, each run against one Block.
import { setTimeout as sleep } from "node:timers/promises";
import type { RequestCounts } from "../../test/harness/kube-write-counter.js";
import { runFloor } from "../floor.js";
import { round, type Block, type Usage } from "./block.js";
import { forEachConcurrently } from "./kube-http.js";
import { waitUntilIdle } from "./operator.js";
import { distribution, median, type Distribution } from "./stats.js";
import { checkTokens, type TokenCheck } from "./token-check.js";
import { applyWorkload, key, makeWorkload, type Workload } from "./workload.js";

export interface ScenarioOptions {
  timeoutMs: number;
  applyConcurrency: number;
  /** Extra spec fields of every token applied. */
  tokenSpec?: Record<string, unknown>;
  /** Extra spec fields of every account applied (e.g. project access). */
  accountSpec?: Record<string, unknown>;
}

export interface ConvergeResult {
  tokens: number;
  accounts: number;
  /** Until the last resource was Ready with its token in its Secret. */
  wallMs: number;
  /** How long applying the resources took (included in wallMs). */
  applyMs: number;
  tokenReady: Distribution;
  accountReady: Distribution;
  usage: Usage;
  tokenCheck: TokenCheck;
}

/** 1. Cold converge (and, with a workload added to a converged block, its growth). */
export async function converge(block: Block, added: Workload, options: ScenarioOptions, what: string): Promise<ConvergeResult> {
  const { view, admin } = block.world;
  block.workload.accounts.push(...added.accounts);
  block.workload.tokens.push(...added.tokens);
  const tokenKeys = added.tokens.map(key);
  const accountKeys = added.accounts.map(key);
  const { result, usage } = await block.measure(async () => {
    const started = performance.now();
    const tokenTimes = view.timeUntilAll(tokenKeys, (k) => view.tokenConverged(k), started, options.timeoutMs, `${what}: tokens`);
    const accountTimes = view.timeUntilAll(accountKeys, (k) => view.accountReady(k), started, options.timeoutMs, `${what}: accounts`);
    await applyWorkload(admin, added, block.connectionRef, options.applyConcurrency, undefined, options.tokenSpec, options.accountSpec);
    const applyMs = performance.now() - started;
    const [tokens, accounts] = await Promise.all([tokenTimes, accountTimes]);
    return { applyMs, tokens: [...tokens.values()], accounts: [...accounts.values()] };
  });
  const tokenCheck = await checkTokens(admin, added.tokens, block.operatorEmulator.url);
  return {
    tokens: tokenKeys.length,
    accounts: accountKeys.length,
    wallMs: Math.round(Math.max(...result.tokens, ...result.accounts)),
    applyMs: Math.round(result.applyMs),
    tokenReady: distribution(result.tokens),
    accountReady: distribution(result.accounts),
    usage,
    tokenCheck,
  };
}

export interface FloorScenarioResult {
  wallMs: number;
  tokenReady: Distribution;
  accountReady: Distribution;
  unleashCalls: Record<string, number>;
  kube: RequestCounts;
  tokenCheck: TokenCheck;
  /** CPU seconds of the bench process while the floor ran: the floor client's, plus the bench's own watching. */
  cpuSeconds: number;
}

/** 2. The floor: the same work by a direct client, in the block's floor namespaces. */
export async function floor(block: Block, workload: Workload, options: ScenarioOptions & { concurrency: number }): Promise<FloorScenarioResult> {
  const emulator = block.floorEmulator;
  await Promise.all([emulator.control.resetCalls(), block.floorCounter.reset()]);
  const cpuBefore = process.cpuUsage();
  const result = await runFloor({
    kube: block.floorKube,
    admin: block.world.admin,
    workload,
    connectionRef: block.connectionRef,
    unleash: { url: emulator.url, adminToken: emulator.adminToken },
    concurrency: options.concurrency,
    applyConcurrency: options.applyConcurrency,
    unleashConnections: 10,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const [unleashCalls, kube] = await Promise.all([emulator.control.calls(), block.floorCounter.counts()]);
  return {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallMs: Math.round(result.wallMs),
    tokenReady: distribution(result.tokensMs),
    accountReady: distribution(result.accountsMs),
    unleashCalls: Object.fromEntries(Object.entries(unleashCalls).filter(([, n]) => n > 0)),
    kube,
    tokenCheck: await checkTokens(block.world.admin, workload.tokens, emulator.url),
  };
}

export interface IdleResult {
  periods: number;
  durationMs: number;
  usage: Usage;
  unleashReads: number;
  unleashWrites: number;
  /** GET /api/admin/service-account per connection per resync period. */
  listCallsPerConnectionPerPeriod: number;
  /** Reads of project access (GET /api/admin/projects/:projectId/access) per connection per resync period. */
  projectReadsPerConnectionPerPeriod: number;
}

const UNLEASH_WRITE = /^(POST|PUT|PATCH|DELETE) /;

/** 3. Idle: everything Ready, nothing changes, for `periods` resync periods. */
export async function idle(block: Block, resyncMs: number, periods: number, options: ScenarioOptions): Promise<IdleResult> {
  await waitUntilIdle(block.requireOperator(), { timeoutMs: options.timeoutMs, stableForMs: 2_000 });
  const durationMs = resyncMs * periods;
  const { usage } = await block.measure(() => sleep(durationMs));
  const calls = Object.entries(usage.unleashCalls);
  const connections = block.connection.kind === "cluster" ? 1 : block.namespaces.length;
  return {
    periods,
    durationMs,
    usage,
    unleashReads: calls.filter(([route]) => !UNLEASH_WRITE.test(route)).reduce((sum, [, n]) => sum + n, 0),
    unleashWrites: calls.filter(([route]) => UNLEASH_WRITE.test(route)).reduce((sum, [, n]) => sum + n, 0),
    listCallsPerConnectionPerPeriod: round((usage.unleashCalls["GET /api/admin/service-account"] ?? 0) / periods / connections, 2),
    projectReadsPerConnectionPerPeriod: round((usage.unleashCalls["GET /api/admin/projects/:projectId/access"] ?? 0) / periods / connections, 2),
  };
}

export interface RepairResult {
  secrets: number;
  wallMs: number;
  repaired: Distribution;
  usage: Usage;
  tokenCheck: TokenCheck;
}

/** 4. Repair: delete `count` Secrets at once, spread over the block's tokens. */
export async function repair(block: Block, count: number, options: ScenarioOptions): Promise<RepairResult> {
  const { view, admin } = block.world;
  await waitUntilIdle(block.requireOperator(), { timeoutMs: options.timeoutMs, stableForMs: 1_000 });
  const victims = spread(block.workload.tokens, count, 0);
  const before = new Map(victims.map((t) => [key(t), view.secrets.get(key(t))]));
  const isRepaired = (k: string) => {
    const old = before.get(k);
    const now = view.secrets.get(k);
    return now !== undefined && now.uid !== old?.uid && now.tokenId !== old?.tokenId && view.tokenConverged(k);
  };
  const { result, usage } = await block.measure(async () => {
    const started = performance.now();
    const times = view.timeUntilAll([...before.keys()], isRepaired, started, options.timeoutMs, "repair");
    await forEachConcurrently(victims, victims.length, async (t) => {
      await admin.expect("DELETE", `/api/v1/namespaces/${t.namespace}/secrets/${t.name}`);
    });
    return [...(await times).values()];
  });
  return {
    secrets: victims.length,
    wallMs: Math.round(Math.max(...result)),
    repaired: distribution(result),
    usage,
    tokenCheck: await checkTokens(admin, victims, block.operatorEmulator.url),
  };
}

export interface RevocationResult {
  tokens: number;
  wallMs: number;
  replaced: Distribution;
  usage: Usage;
  tokenCheck: TokenCheck;
}

/** `count` tokens spread over the block's (shifted by `offset`, so scenarios hit different ones). */
function spread<T>(all: readonly T[], count: number, offset: number): T[] {
  const step = Math.max(1, Math.floor(all.length / count));
  return all.filter((_, i) => i % step === offset % step).slice(0, count);
}

/**
 * 5. Revoked in Unleash: an admin revokes `count` tokens after a leak, through the Admin API; the time
 * until each Secret holds a new working token (the operator sees it by its poll of Unleash, or by the
 * age limit of its snapshot, with the benchmark's flags).
 */
export async function revokedInUnleash(block: Block, count: number, options: ScenarioOptions): Promise<RevocationResult> {
  const { view, admin } = block.world;
  await waitUntilIdle(block.requireOperator(), { timeoutMs: options.timeoutMs, stableForMs: 1_000 });
  const victims = spread(block.workload.tokens, count, 1);
  const before = new Map(victims.map((t) => [key(t), view.secrets.get(key(t))?.tokenId]));
  const isReplaced = (k: string) => {
    const now = view.secrets.get(k)?.tokenId;
    return now !== undefined && now !== before.get(k) && view.tokenConverged(k);
  };
  const { url, adminToken } = block.operatorEmulator;
  const { result, usage } = await block.measure(async () => {
    const started = performance.now();
    const times = view.timeUntilAll([...before.keys()], isReplaced, started, options.timeoutMs, "revoked in Unleash");
    await forEachConcurrently(victims, victims.length, async (t) => {
      const accountId = view.accounts.get(`${t.namespace}/${t.account}`)?.id;
      const tokenId = before.get(key(t));
      if (accountId === undefined || tokenId === undefined) throw new Error(`no account or token id for ${key(t)}`);
      const response = await fetch(`${url}/api/admin/service-account/${accountId}/token/${tokenId}`, { method: "DELETE", headers: { authorization: adminToken } });
      if (!response.ok) throw new Error(`revoking ${key(t)}: HTTP ${response.status}`);
    });
    return [...(await times).values()];
  });
  return { tokens: victims.length, wallMs: Math.round(Math.max(...result)), replaced: distribution(result), usage, tokenCheck: await checkTokens(admin, victims, url) };
}

export interface RestartResult {
  /** SIGTERM until the old process was gone. */
  stopMs: number;
  /** New process spawned until /readyz answered. */
  readyMs: number;
  /** New process spawned until queues were empty and every resource was reconciled once. */
  idleMs: number;
  usage: Usage;
}

/** 5. Restart: stop the operator, start a new one, until it is idle again. */
export async function restart(block: Block, options: ScenarioOptions): Promise<RestartResult> {
  await waitUntilIdle(block.requireOperator(), { timeoutMs: options.timeoutMs, stableForMs: 1_000 });
  const { result, usage } = await block.measure(async () => {
    const stopping = performance.now();
    await block.stopOperator();
    const spawned = performance.now();
    const operator = await block.startOperator();
    const ready = performance.now();
    const minimum = { serviceaccounttoken: block.workload.tokens.length, serviceaccount: block.workload.accounts.length };
    const idleAt = await waitUntilIdle(operator, { minimum, timeoutMs: options.timeoutMs, pollMs: 50 });
    return { stopMs: spawned - stopping, readyMs: ready - spawned, idleMs: idleAt - spawned };
  });
  return { stopMs: Math.round(result.stopMs), readyMs: Math.round(result.readyMs), idleMs: Math.round(result.idleMs), usage };
}

export interface MemoryReading {
  tokens: number;
  accounts: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** Series of /metrics in all, and those of the per-resource gauges (unleash_token_*, unleash_serviceaccount_*, unleash_connection_*, unleash_resource_*). */
  series: number;
  resourceSeries: number;
}

const RESOURCE_SERIES = /^unleash_(token|serviceaccount|connection|resource)_/;

/** 6. Memory: the median of five readings one second apart, once the operator is idle. */
export async function readMemory(block: Block, options: ScenarioOptions): Promise<MemoryReading> {
  const operator = block.requireOperator();
  await waitUntilIdle(operator, { timeoutMs: options.timeoutMs, stableForMs: 2_000 });
  const samples: Array<Omit<MemoryReading, "tokens" | "accounts" | "series" | "resourceSeries">> = [];
  const last = await operator.scrape();
  for (let i = 0; i < 5; i++) {
    const scrape = await operator.scrape();
    samples.push({
      rssBytes: scrape.sum("process_resident_memory_bytes"),
      heapUsedBytes: scrape.sum("nodejs_heap_size_used_bytes"),
      heapTotalBytes: scrape.sum("nodejs_heap_size_total_bytes"),
      externalBytes: scrape.sum("nodejs_external_memory_bytes"),
    });
    await sleep(1_000);
  }
  const mid = (pick: (s: (typeof samples)[number]) => number) => median(samples.map(pick)) ?? 0;
  return {
    tokens: block.workload.tokens.length,
    accounts: block.workload.accounts.length,
    rssBytes: mid((s) => s.rssBytes),
    heapUsedBytes: mid((s) => s.heapUsedBytes),
    heapTotalBytes: mid((s) => s.heapTotalBytes),
    externalBytes: mid((s) => s.externalBytes),
    series: last.samples.length,
    // Counters (rotations) are fleet-wide; the gauges per resource are what grows with the fleet.
    resourceSeries: last.samples.filter((sample) => RESOURCE_SERIES.test(sample.name) && !sample.name.endsWith("_total")).length,
  };
}

export interface MemoryGrowth {
  before: MemoryReading;
  after: MemoryReading;
  converge: ConvergeResult;
  perTokenRssBytes: number;
  perTokenHeapBytes: number;
}

/** 6b. Grows the block to `targetTokens` (same namespaces, same tokens per account) and reads memory again. */
export async function growMemory(block: Block, before: MemoryReading, targetTokens: number, tokensPerAccount: number, options: ScenarioOptions): Promise<MemoryGrowth> {
  const missing = Math.max(0, targetTokens - block.workload.tokens.length);
  const added = makeWorkload(block.namespaces, block.workload.accounts.length, Math.ceil(missing / tokensPerAccount), tokensPerAccount);
  const grown = await converge(block, added, options, "memory growth");
  const after = await readMemory(block, options);
  const delta = after.tokens - before.tokens;
  return {
    before,
    after,
    converge: grown,
    perTokenRssBytes: delta > 0 ? Math.round((after.rssBytes - before.rssBytes) / delta) : 0,
    perTokenHeapBytes: delta > 0 ? Math.round((after.heapUsedBytes - before.heapUsedBytes) / delta) : 0,
  };
}
