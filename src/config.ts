import { parseArgs } from "node:util";
import { z } from "zod";
import { parseDuration } from "./api/v1alpha1/duration.js";

/**
 * Every setting is a flag, and each flag can also come from the environment
 * as UNLEASH_OPERATOR_<FLAG_IN_UPPER_SNAKE_CASE>; a flag wins over the
 * environment. Names follow controller-runtime where it has one.
 */
const FLAGS = {
  kubeconfig: { type: "string", help: "Path of a kubeconfig; defaults to $KUBECONFIG, then in-cluster." },
  namespaces: { type: "string", help: "Comma-separated namespaces to watch; empty watches all namespaces." },
  "leader-elect": { type: "boolean", help: "Enable leader election on a Lease, for running several replicas." },
  "leader-election-namespace": { type: "string", help: "Namespace of the Lease (default: $POD_NAMESPACE, else default)." },
  "leader-election-id": { type: "string", help: "Name of the Lease (default unleash-accounts-operator)." },
  "metrics-bind-address": { type: "string", help: "host:port of /metrics; 0 disables (default :8080)." },
  "health-probe-bind-address": { type: "string", help: "host:port of /healthz and /readyz; 0 disables (default :8081)." },
  "max-concurrent-reconciles": { type: "string", help: "Reconciles run in parallel per controller (default 30)." },
  "resync-period": { type: "string", help: "How often every resource is checked against Unleash, e.g. 10m (default 10m)." },
  "unleash-poll-interval": {
    type: "string",
    help: "How often each connection's accounts are listed to see changes made in Unleash (a revoked token, a deleted account), one call per connection (default 1m).",
  },
  "watch-inactivity-timeout": { type: "string", help: "A watch silent for this long is presumed dead and the resource listed again (default 2m, at least 35s)." },
  "watch-cluster-connections": { type: "boolean", help: "Watch ClusterUnleashConnections (default true; --no-watch-cluster-connections with namespaced RBAC, which cannot read cluster-scoped objects)." },
  "unleash-timeout": { type: "string", help: "Deadline of one Unleash API call (default 10s)." },
  "cluster-name": { type: "string", help: "Identity of this cluster in token descriptions (default: derived from the kube-system namespace's UID)." },
  "log-level": { type: "string", help: "trace, debug, info, warn, error or fatal (default info)." },
  help: { type: "boolean", help: "Print this help and exit." },
  version: { type: "boolean", help: "Print the version and exit." },
} as const;

type FlagName = keyof typeof FLAGS;

const durationText = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined) ctx.addIssue({ code: "custom", message: `"${text}" is not a duration such as 30s, 10m or 1h` });
      return ms ?? 0;
    });

const address = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((value) => value === "0" || (/^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]*):\d{1,5}$/.test(value) && Number(value.split(":").pop()) <= 65_535), "must be host:port, [ipv6]:port, :port, or 0 to disable")
    .transform((value) => (value === "0" ? undefined : value));

const MIN_WATCH_INACTIVITY_MS = 35_000;

export const configSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  namespaces: z
    .string()
    .default("")
    .transform((text) => text.split(",").map((ns) => ns.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a namespace name"))),
  leaderElect: z.boolean().default(false),
  leaderElectionNamespace: z.string().min(1).optional(),
  leaderElectionId: z.string().min(1).default("unleash-accounts-operator"),
  metricsBindAddress: address(":8080"),
  healthProbeBindAddress: address(":8081"),
  maxConcurrentReconciles: z.coerce.number().int().min(1).max(256).default(30),
  resyncPeriodMs: durationText("10m"),
  unleashTimeoutMs: durationText("10s"),
  unleashPollIntervalMs: durationText("1m").refine((ms) => ms >= 1_000, "must be at least 1s"),
  // client-node reconnects a watch that stayed silent for 30 s: a shorter timeout lists needlessly.
  watchInactivityTimeoutMs: durationText("2m").refine((ms) => ms >= MIN_WATCH_INACTIVITY_MS, "must be at least 35s"),
  watchClusterConnections: z.boolean().default(true),
  clusterName: z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, "letters, digits, '.', '_' and '-' only").optional(),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  help: z.boolean().default(false),
  version: z.boolean().default(false),
});
export type Config = z.infer<typeof configSchema>;

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
/** Durations are held in milliseconds under a key of their own. */
const keyOf = (flag: FlagName): string =>
  ({
    "resync-period": "resyncPeriodMs",
    "unleash-timeout": "unleashTimeoutMs",
    "unleash-poll-interval": "unleashPollIntervalMs",
    "watch-inactivity-timeout": "watchInactivityTimeoutMs",
  })[flag as string] ?? camel(flag);
const flagOf = (key: string): string => (Object.keys(FLAGS) as FlagName[]).find((flag) => keyOf(flag) === key) ?? key;
const envName = (flag: string) => `UNLEASH_OPERATOR_${flag.replace(/-/g, "_").toUpperCase()}`;

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false, allowNegative: true }).values;
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const raw: Record<string, unknown> = {};
  for (const flag of Object.keys(FLAGS) as FlagName[]) {
    const fromEnv = env[envName(flag)];
    const value = values[flag] ?? (FLAGS[flag].type === "boolean" && fromEnv !== undefined ? fromEnv === "true" : fromEnv);
    if (value !== undefined) raw[keyOf(flag)] = value;
  }
  raw.leaderElectionNamespace ??= env.POD_NAMESPACE;
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `--${flagOf(String(issue.path[0] ?? ""))}: ${issue.message}`).join("; "));
  }
  return parsed.data;
}

export function helpText(): string {
  const lines = Object.entries(FLAGS).map(([flag, { help }]) => `  --${flag.padEnd(28)} ${help}\n  ${"".padEnd(30)} env: ${envName(flag)}`);
  return `Usage: unleash-accounts-operator [flags]\n\nManages Unleash service accounts and tokens from Kubernetes resources.\n\nFlags:\n${lines.join("\n")}\n`;
}
