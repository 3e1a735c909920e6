// What env:up leaves in .local/ (ignored by git) for people and tools, and what env:down reads.
import { existsSync, readFileSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { repoRoot } from "../harness/repo.js";

const localDir = join(repoRoot, ".local");

export const localPaths = {
  dir: localDir,
  kubeconfig: join(localDir, "kubeconfig"),
  envFile: join(localDir, "env"),
  state: join(localDir, "state.json"),
  supervisorLog: join(localDir, "supervisor.log"),
  /** PKI, etcd data and logs of the cluster. */
  controlPlaneDir: join(localDir, "control-plane"),
  /** The emulator's accounts and tokens: they go and stay together with the cluster's data. */
  emulatorState: join(localDir, "unleash-emulator-state.json"),
  adminToken: join(localDir, "unleash-admin-token"),
  /** examples/ pointed at the running Unleash, for when examples/ themselves do not point at it. */
  examples: join(localDir, "examples"),
  /** Left by `env:down --keep`: the next env:up resumes the cluster and Unleash instead of starting both fresh. */
  kept: join(localDir, "kept.json"),
};

export const environmentStateSchema = z.object({
  supervisorPid: z.number().int().positive(),
  startedAt: z.string(),
  kubernetes: z.object({
    server: z.string(),
    etcdUrl: z.string(),
    /** By program name, for people; env:down finds leftovers by their data directory. */
    pids: z.record(z.string(), z.number().int().positive()),
  }),
  unleash: z.object({ backend: z.string(), url: z.string(), controlUrl: z.string().optional() }),
});
export type EnvironmentState = z.infer<typeof environmentStateSchema>;

/** The recorded state, or undefined when there is none or it cannot be read. */
export function readState(): EnvironmentState | undefined {
  return readJsonFile(localPaths.state, environmentStateSchema);
}

/** A file of ours in .local/, or undefined when it is not there or not what we wrote (an older version's, a torn one). */
function readJsonFile<T>(path: string, schema: z.ZodType<T>): T | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return schema.parse(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    return undefined;
  }
}

/** Written last and atomically: its appearance is what tells env:up the environment is ready. */
export async function writeState(state: EnvironmentState): Promise<void> {
  const temporary = `${localPaths.state}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, localPaths.state);
}

export interface ClientSettings {
  /** Holds a kubectl of the server's version, put first on PATH when it is there. */
  binDir: string;
  unleashUrl: string;
  adminToken: string;
  controlUrl?: string;
}

export async function writeEnvFile(settings: ClientSettings): Promise<void> {
  const variables: Array<[string, string]> = [
    ["KUBECONFIG", localPaths.kubeconfig],
    ["UNLEASH_URL", settings.unleashUrl],
    ["UNLEASH_ADMIN_TOKEN", settings.adminToken],
  ];
  if (settings.controlUrl !== undefined) variables.push(["UNLEASH_EMULATOR_CONTROL_URL", settings.controlUrl]);
  const lines = variables.map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  if (existsSync(join(settings.binDir, "kubectl"))) lines.push(`export PATH=${shellQuote(settings.binDir)}:"$PATH"`);
  await writeFile(localPaths.envFile, `${lines.join("\n")}\n`, { mode: 0o600 });
}

/** Single-quoted for sh: the value stays one word, and nothing in it is expanded. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** The admin token of the running (or kept) Unleash, or undefined when there is none. */
export async function readAdminToken(): Promise<string | undefined> {
  return existsSync(localPaths.adminToken) ? (await readFile(localPaths.adminToken, "utf8")).trim() : undefined;
}

export async function writeAdminToken(token: string): Promise<void> {
  await writeFile(localPaths.adminToken, `${token}\n`, { mode: 0o600 });
}

const keptSchema = z.object({
  /** Where the kept Unleash answered: the cluster's UnleashConnections point there. */
  unleashUrl: z.string(),
  keptAt: z.string(),
});
export type KeptWorld = z.infer<typeof keptSchema>;

/** What `env:down --keep` left for the next env:up, or undefined. */
export function readKept(): KeptWorld | undefined {
  return readJsonFile(localPaths.kept, keptSchema);
}

export async function writeKept(kept: KeptWorld): Promise<void> {
  await writeFile(localPaths.kept, `${JSON.stringify(kept, null, 2)}\n`);
}

export async function forgetKept(): Promise<void> {
  await rm(localPaths.kept, { force: true });
}

/**
 * The state of the cluster and of Unleash, both at once: deleting only one would leave a
 * world whose Kubernetes resources name accounts Unleash does not have, or the reverse.
 */
export async function deleteWorldData(): Promise<void> {
  const paths = [localPaths.controlPlaneDir, localPaths.emulatorState, localPaths.adminToken, localPaths.examples, localPaths.kept];
  await Promise.all(paths.map((path) => rm(path, { recursive: true, force: true })));
}

/** What describes a running environment. */
export async function removeRunFiles(): Promise<void> {
  const files = [localPaths.state, localPaths.envFile, localPaths.kubeconfig];
  await Promise.all(files.map((path) => rm(path, { recursive: true, force: true })));
}
