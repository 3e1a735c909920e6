import { parseArgs } from "node:util";
import { z } from "zod";
import { parseDuration } from "../../src/api/v1alpha1/duration.js";

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) ctx.addIssue({ code: "custom", message: `"${text}" is not a duration such as 30s or 10m` });
      return { text, ms: ms ?? 0 };
    });
const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

const runSchema = z.object({
  accounts: count(100),
  "tokens-per-account": count(10),
  namespaces: count(10),
  concurrency: count(30),
  resync: duration("30s"),
  "idle-periods": count(3),
  latency: z
    .string()
    .default("0,20")
    .transform((text) => text.split(",").map((part) => Number(part.trim())))
    .pipe(z.array(z.number().int().min(0)).min(1)),
  repair: count(100),
  revoke: count(20),
  "memory-tokens": z
    .string()
    .default("5000,10000")
    .transform((text) => text.split(",").map((part) => Number(part.trim())))
    .pipe(z.array(z.number().int().min(1)).min(1)),
  "skip-memory-5000": z.boolean().default(false),
  "project-access": z.boolean().default(false),
  "operator-node-options": z.string().min(1).optional(),
  "apply-concurrency": count(32),
  connection: z.enum(["cluster", "namespaced"]).default("cluster"),
  "cpu-prof": z.boolean().default(false),
  "heap-snapshot": z.boolean().default(false),
  timeout: duration("15m"),
});

export type RunArgs = z.output<typeof runSchema>;

const RUN_OPTIONS = {
  accounts: { type: "string" },
  "tokens-per-account": { type: "string" },
  namespaces: { type: "string" },
  concurrency: { type: "string" },
  resync: { type: "string" },
  "idle-periods": { type: "string" },
  latency: { type: "string" },
  repair: { type: "string" },
  revoke: { type: "string" },
  "memory-tokens": { type: "string" },
  "skip-memory-5000": { type: "boolean" },
  "project-access": { type: "boolean" },
  "operator-node-options": { type: "string" },
  "apply-concurrency": { type: "string" },
  connection: { type: "string" },
  "cpu-prof": { type: "boolean" },
  "heap-snapshot": { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean" },
} as const;

export const RUN_HELP = `Usage: npm run bench -- [flags]
  --accounts N             ServiceAccounts in the cold converge (default 100)
  --tokens-per-account N   ServiceAccountTokens per account (default 10; Unleash allows 10)
  --namespaces N           namespaces the accounts spread over (default 10)
  --concurrency N          the operator's --max-concurrent-reconciles, and the floor's workers per kind (default 30, the operator's default)
  --resync D               the operator's --resync-period (default 30s)
  --idle-periods N         resync periods watched in the idle scenario (default 3)
  --latency LIST           emulator latency per call in ms, one full run each (default 0,20)
  --repair N               Secrets deleted at once in the repair scenario (default 100)
  --revoke N               tokens revoked in Unleash at once in the revocation scenario (default 20)
  --memory-tokens LIST     token counts the last block grows to for further memory readings (default 5000,10000)
  --skip-memory-5000       skip the further memory readings
  --project-access         every account declares project access (Member on "default"), admitted by the connection's policy
  --operator-node-options=S  NODE_OPTIONS for the operator, e.g. "--operator-node-options=--max-old-space-size=192" (the chart's cap)
  --apply-concurrency N    parallel creates when applying resources (default 32)
  --connection KIND        cluster (one ClusterUnleashConnection, namespaces admitted by label) or namespaced (default cluster)
  --cpu-prof               run the operator with --cpu-prof; profiles and their summaries go to bench/results/
  --heap-snapshot          take a heap snapshot of the operator after the last memory reading, and summarize it
  --timeout D              give up on a scenario after this long (default 15m)`;

export function parseRunArgs(argv: string[]): RunArgs | "help" {
  const { values } = parseArgs({ args: argv, options: RUN_OPTIONS, strict: true });
  if (values.help) return "help";
  return runSchema.parse(values);
}

const soakSchema = z.object({
  minutes: z.coerce.number().positive().default(20),
  "sample-every": duration("30s"),
  accounts: count(20),
  "tokens-per-account": count(3),
  namespaces: count(4),
  concurrency: count(30),
  resync: duration("1m"),
  latency: z.coerce.number().int().min(0).default(0),
  "churn-every": duration("2s"),
});

export type SoakArgs = z.output<typeof soakSchema>;

export const SOAK_HELP = `Usage: npm run soak -- [flags]
  --minutes N              how long to churn (default 20)
  --sample-every D         how often the operator's RSS, heap and handles are sampled (default 30s)
  --accounts N             accounts kept alive (default 20)
  --tokens-per-account N   tokens per account (default 3)
  --namespaces N           namespaces (default 4)
  --concurrency N          the operator's --max-concurrent-reconciles (default 30, the operator's default)
  --resync D               the operator's --resync-period (default 1m)
  --latency MS             emulator latency per call (default 0)
  --churn-every D          pause between churn steps (default 2s)`;

export function parseSoakArgs(argv: string[]): SoakArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      minutes: { type: "string" },
      "sample-every": { type: "string" },
      accounts: { type: "string" },
      "tokens-per-account": { type: "string" },
      namespaces: { type: "string" },
      concurrency: { type: "string" },
      resync: { type: "string" },
      latency: { type: "string" },
      "churn-every": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  return soakSchema.parse(values);
}
