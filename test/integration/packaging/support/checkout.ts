// A checkout of this repository as a new user has it, in a temporary directory: what they run
// there (env:up's .local/, the operator's dist/) cannot touch the working tree or a developer's
// own environment, and every process it starts can be found again by its directory.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readlink, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { isAlive, processesMentioning } from "../../../harness/processes.js";
import { repoRoot } from "../../../harness/repo.js";

const run = promisify(execFile);

/**
 * The files a fresh clone of the working tree holds (tracked ones and new ones git does not
 * ignore, as they are now; no node_modules, dist or .local), with node_modules linked to this
 * checkout's: the `npm ci` of README, without the network and the minutes it takes.
 */
export async function copyCheckout(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const { stdout } = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  const files = stdout.split("\0").filter((file) => file !== "");
  // A file deleted in the working tree but not yet in the index is listed, and is not there.
  await Promise.all(files.map((file) => cp(join(repoRoot, file), join(dir, file), { preserveTimestamps: true }).catch(ignoreMissing)));
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function ignoreMissing(error: unknown): void {
  if (!(error instanceof Error && "code" in error && error.code === "ENOENT")) throw error;
}

/** Processes working in dir (their current directory is in it) or naming it on their command line. */
export async function processesIn(dir: string): Promise<number[]> {
  const pids = new Set(processesMentioning(dir).keys());
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => "");
    if (cwd === dir || cwd.startsWith(`${dir}/`)) pids.add(Number(entry));
  }
  return [...pids].filter(isAlive);
}

/** Waits up to timeoutMs for every process in dir to end; returns those still running. */
export async function processesLeftIn(dir: string, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await processesIn(dir);
    if (left.length === 0 || Date.now() > deadline) return left;
    await sleep(250);
  }
}

/** Ends every process in dir: SIGTERM, then SIGKILL to what is left after graceMs; returns what survived even that. */
export async function killProcessesIn(dir: string, graceMs = 10_000): Promise<number[]> {
  for (const pid of await processesIn(dir)) tryKill(pid, "SIGTERM");
  if ((await processesLeftIn(dir, graceMs)).length === 0) return [];
  for (const pid of await processesIn(dir)) tryKill(pid, "SIGKILL");
  return processesLeftIn(dir, 5_000);
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // It ended in the meantime.
  }
}
