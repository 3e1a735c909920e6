// Summaries of V8 diagnostics, as text: where a .cpuprofile spends its time (self time by
// package/module and by function, inclusive time of the operator's own functions), and what
// a .heapsnapshot holds (shallow size and count by constructor).
// CLI: `npx tsx bench/profile-summary.ts FILE.cpuprofile|FILE.heapsnapshot [--top N]`.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";

const cpuProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
      children: z.array(z.number()).optional(),
    }),
  ),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()),
});

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) time. */
  percent: number;
}

export interface CpuSummary {
  wallMs: number;
  busyMs: number;
  byModule: Share[];
  bySelfFunction: Share[];
  /** The operator's own functions (dist/), by time including their callees. */
  byOperatorFunction: Share[];
}

const SPECIAL = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

/** Package, Node module or operator file a frame belongs to. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return SPECIAL.has(functionName) ? functionName : "(native)";
  if (url.startsWith("node:")) return url.split("/").slice(0, 2).join("/");
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg?.[1]) return pkg[1];
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist?.[1]) return `operator: ${dist[1].split("/").slice(0, -1).join("/") || "."}`;
  return url;
}

function frameName(frame: { functionName: string; url: string; lineNumber: number }): string {
  const where = frame.url.replace(/^.*\/(node_modules|dist)\//, "$1/").replace(/^file:\/\//, "");
  return `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber + 1}`;
}

export function summarizeCpuProfile(raw: unknown, top = 25): CpuSummary {
  const profile = cpuProfileSchema.parse(raw);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
  const selfModule = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let idleSamples = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === "(idle)") {
      idleSamples += 1;
      continue;
    }
    bump(selfModule, moduleOf(node.callFrame.url, node.callFrame.functionName));
    bump(selfFunction, frameName(node.callFrame));
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame && /\/dist\//.test(frame.url) && !frame.url.includes("node_modules")) seen.add(frameName(frame));
    }
    for (const name of seen) bump(inclusive, name);
  }
  const busySamples = profile.samples.length - idleSamples;
  const shares = (counts: Map<string, number>): Share[] =>
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, samples]) => ({ name, ms: Math.round(samples * msPerSample), percent: Math.round((1000 * samples) / Math.max(1, busySamples)) / 10 }));
  return {
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    busyMs: Math.round(busySamples * msPerSample),
    byModule: shares(selfModule),
    bySelfFunction: shares(selfFunction),
    byOperatorFunction: shares(inclusive),
  };
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

const heapSnapshotSchema = z.object({
  snapshot: z.object({
    meta: z.object({ node_fields: z.array(z.string()), node_types: z.array(z.unknown()) }),
  }),
  nodes: z.array(z.number()),
  strings: z.array(z.string()),
});

export interface HeapEntry {
  name: string;
  count: number;
  bytes: number;
}

export interface HeapSummary {
  totalBytes: number;
  objects: number;
  byConstructor: HeapEntry[];
}

/** Shallow size by constructor (strings, arrays and code grouped by type), as DevTools' Summary view. */
export function summarizeHeapSnapshot(raw: unknown, top = 25): HeapSummary {
  const heap = heapSnapshotSchema.parse(raw);
  const fields = heap.snapshot.meta.node_fields;
  const types = z.array(z.string()).parse(heap.snapshot.meta.node_types[0]);
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((field) => fields.indexOf(field)) as [number, number, number];
  const groups = new Map<string, HeapEntry>();
  let totalBytes = 0;
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const type = types[heap.nodes[i + typeAt] ?? 0] ?? "?";
    const size = heap.nodes[i + sizeAt] ?? 0;
    const name = type === "object" || type === "closure" || type === "native" ? (heap.strings[heap.nodes[i + nameAt] ?? 0] ?? "?") : `(${type})`;
    const label = type === "closure" ? `${name}()` : name;
    const entry = groups.get(label) ?? { name: label, count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += size;
    groups.set(label, entry);
    totalBytes += size;
  }
  return {
    totalBytes,
    objects: heap.nodes.length / fields.length,
    byConstructor: [...groups.values()].sort((a, b) => b.bytes - a.bytes).slice(0, top),
  };
}

export function renderCpuSummary(summary: CpuSummary): string {
  const list = (title: string, shares: Share[]) => [title, ...shares.map((s) => `  ${String(s.ms).padStart(7)} ms ${s.percent.toFixed(1).padStart(5)}%  ${s.name}`)];
  return [
    `profile: ${summary.wallMs} ms wall, ${summary.busyMs} ms busy (percentages are of busy time)`,
    ...list("self time by module:", summary.byModule),
    ...list("self time by function:", summary.bySelfFunction),
    ...list("operator functions, time including callees:", summary.byOperatorFunction),
  ].join("\n");
}

export function renderHeapSummary(summary: HeapSummary): string {
  return [
    `heap snapshot: ${(summary.totalBytes / 1_048_576).toFixed(1)} MB in ${summary.objects} objects; shallow size by constructor:`,
    ...summary.byConstructor.map((e) => `  ${(e.bytes / 1_048_576).toFixed(2).padStart(8)} MB ${String(e.count).padStart(9)}  ${e.name}`),
  ].join("\n");
}

export async function summarizeFile(path: string, top = 25): Promise<string> {
  const raw = JSON.parse(await readFile(path, "utf8")) as unknown;
  return path.endsWith(".heapsnapshot") ? renderHeapSummary(summarizeHeapSnapshot(raw, top)) : renderCpuSummary(summarizeCpuProfile(raw, top));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { top: { type: "string" } }, allowPositionals: true, strict: true });
  const top = Number(values.top ?? 25);
  for (const path of positionals) process.stdout.write(`${path}\n${await summarizeFile(path, top)}\n\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
