// What env:up leaves in .local/ (ignored by git) for people and tools, and what env:down reads.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
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
  controlPlaneDir: join(localDir, "control-plane"),
  /** Kept by env:down, so Unleash-side state survives a restart of the environment. */
  emulatorState: join(localDir, "unleash-emulator-state.json"),
  adminToken: join(localDir, "unleash-admin-token"),
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
  if (!existsSync(localPaths.state)) return undefined;
  try {
    return environmentStateSchema.parse(JSON.parse(readFileSync(localPaths.state, "utf8")));
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

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** One admin token per checkout, so clients and the persisted Unleash state stay valid across restarts. */
export async function adminToken(): Promise<string> {
  await mkdir(localPaths.dir, { recursive: true });
  if (existsSync(localPaths.adminToken)) return (await readFile(localPaths.adminToken, "utf8")).trim();
  const token = `*:*.${randomBytes(24).toString("hex")}`;
  await writeFile(localPaths.adminToken, `${token}\n`, { mode: 0o600 });
  return token;
}

/** What describes a running environment. */
export async function removeRunFiles(): Promise<void> {
  const files = [localPaths.state, localPaths.envFile, localPaths.kubeconfig];
  await Promise.all(files.map((path) => rm(path, { recursive: true, force: true })));
}
