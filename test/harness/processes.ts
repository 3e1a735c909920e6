// Starting and stopping the real programs a test world is made of (etcd, kube-apiserver,
// kube-controller-manager, the Unleash emulator, the operator). Every child runs in a
// process group of its own, so stopping it also stops whatever it started.
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { basename } from "node:path";
import type { SecureContextOptions } from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  /** Also the id of its process group. */
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<ExitInfo>;
  hasExited(): boolean;
  /** SIGTERM to the group, SIGKILL after graceMs; resolves once the program has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * For processes that must survive this one (env:up's supervisor). Default false: the child
   * is stopped when this process exits or is signalled, and a watchdog in its group kills it
   * if this process dies without getting the chance (SIGKILL, OOM).
   */
  outliveParent?: boolean;
}

const DEFAULT_GRACE_MS = 5_000;

// Runs in the child's group: a background loop kills the group once the watched parent is
// gone; then the shell execs the program, which so keeps the shell's pid (the group's id).
// The loop ignores SIGTERM, so a graceful stop of the group does not end the guard early.
const WATCHDOG_SCRIPT = `parent="$1"; shift
( trap '' TERM INT HUP
  while kill -0 "$parent" 2>/dev/null && kill -0 $$ 2>/dev/null; do sleep 1; done
  kill -0 $$ 2>/dev/null || exit 0
  kill -TERM 0; sleep 5; kill -KILL 0 ) </dev/null &
exec "$@"`;

const live = new Set<ManagedProcess>();

export async function spawnLogged(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): Promise<ManagedProcess> {
  const guarded = options.outliveParent !== true;
  const [file, argv] = guarded
    ? ["/bin/sh", ["-c", WATCHDOG_SCRIPT, "watchdog", String(process.pid), command, ...args]]
    : [command, [...args]];
  const log = openSync(options.logFile, "a");
  try {
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    const pid = await spawned(child, name);
    let exitInfo: ExitInfo | undefined;
    const exited = new Promise<ExitInfo>((resolve) =>
      child.once("exit", (code, signal) => resolve((exitInfo = { code, signal }))),
    );
    const managed = createManaged(name, pid, options.logFile, exited, () => exitInfo !== undefined);
    if (guarded) track(managed);
    else child.unref();
    return managed;
  } finally {
    closeSync(log);
  }
}

function spawned(child: ReturnType<typeof spawn>, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once("error", (error) => reject(new Error(`cannot start ${name}: ${error.message}`)));
    child.once("spawn", () => {
      if (child.pid === undefined) reject(new Error(`cannot start ${name}: no pid`));
      else resolve(child.pid);
    });
  });
}

function createManaged(
  name: string,
  pid: number,
  logFile: string,
  exited: Promise<ExitInfo>,
  hasExited: () => boolean,
): ManagedProcess {
  let stopping: Promise<void> | undefined;
  const managed: ManagedProcess = {
    name,
    pid,
    logFile,
    exited,
    hasExited,
    stop(graceMs = DEFAULT_GRACE_MS) {
      stopping ??= killProcessGroup(pid, graceMs, exited).finally(() => live.delete(managed));
      return stopping;
    },
  };
  void exited.then(() => {
    // The program is gone; whatever it left in its group (the watchdog) has no reason to stay.
    signalGroup(pid, "SIGKILL");
    live.delete(managed);
  });
  return managed;
}

/**
 * Stops the process group led by pid: SIGTERM, then SIGKILL once graceMs pass or the
 * leader is gone (`leaderExited`, for a child of ours, says so sooner than polling).
 */
export async function killProcessGroup(
  pid: number,
  graceMs = DEFAULT_GRACE_MS,
  leaderExited?: Promise<unknown>,
): Promise<void> {
  if (!signalGroup(pid, "SIGTERM")) return;
  const leaderGone = () => leaderExited ?? waitUntil(() => !isAlive(pid), graceMs);
  await Promise.race([leaderGone(), sleep(graceMs, undefined, { ref: false })]);
  // Cannot be ignored: what is left of the group (the watchdog, grandchildren) ends here.
  signalGroup(pid, "SIGKILL");
  await leaderGone();
}

/**
 * Whether the process runs. A zombie does not count: ours are reaped at once, but orphans
 * wait for the init process, which on some machines reaps only every second or so.
 */
export function isAlive(pid: number): boolean {
  return sendSignal(pid, 0) && !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state letter follows the command name, which is in parentheses and may hold spaces.
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return false;
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  return sendSignal(-pgid, signal);
}

function sendSignal(target: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}

/**
 * Live processes whose command line mentions `text` (a data directory, a script path), by pid,
 * with the name of their program. Linux only: reads /proc.
 */
export function processesMentioning(text: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const argv = commandLine(Number(entry));
    if (argv.some((arg) => arg.includes(text))) found.set(Number(entry), basename(argv[0] ?? ""));
  }
  return found;
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter((arg) => arg !== "");
  } catch {
    return []; // it ended while we looked
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

// --- cleanup when this process ends --------------------------------------------------

let handlersInstalled = false;
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function track(managed: ManagedProcess): void {
  live.add(managed);
  if (handlersInstalled) return;
  handlersInstalled = true;
  // Exit handlers cannot wait, so this is the blunt last resort.
  process.once("exit", () => {
    for (const p of live) signalGroup(p.pid, "SIGKILL");
  });
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
}

async function onStopSignal(signal: NodeJS.Signals): Promise<void> {
  await stopAllManaged();
  // Only take over the signal's default (terminate) when nobody else handles it.
  process.removeListener(signal, onStopSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/**
 * Stops every child this process started that is not meant to outlive it, newest first:
 * a program usually depends on those started before it (kube-apiserver's shutdown stalls
 * while etcd is gone).
 */
export async function stopAllManaged(): Promise<void> {
  for (const p of [...live].reverse()) await p.stop();
}

// --- readiness -------------------------------------------------------------------------

export interface HttpTarget {
  url: string;
  headers?: Record<string, string>;
  /** TLS material for https targets; `rejectUnauthorized: false` for self-signed health ports. */
  tls?: SecureContextOptions & { rejectUnauthorized?: boolean };
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export interface ReadyOptions {
  timeoutMs: number;
  /** Default: status 200. */
  isReady?: (answer: HttpAnswer) => boolean;
  /** Give up at once, with its log, when this process exits while we wait. */
  process?: ManagedProcess;
}

export async function waitForHttpReady(target: HttpTarget, options: ReadyOptions): Promise<void> {
  const isReady = options.isReady ?? ((answer) => answer.status === 200);
  const deadline = Date.now() + options.timeoutMs;
  let last = "no answer yet";
  for (;;) {
    if (options.process?.hasExited()) throw exitedError(options.process);
    try {
      const answer = await httpGet(target);
      if (isReady(answer)) return;
      last = `HTTP ${answer.status}: ${answer.body.slice(0, 500)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`${target.url} not ready after ${options.timeoutMs} ms (last: ${last})`);
    }
    await sleep(200);
  }
}

function exitedError(p: ManagedProcess): Error {
  return new Error(`${p.name} (pid ${p.pid}) exited while starting; end of ${p.logFile}:\n${logTail(p.logFile)}`);
}

export function logTail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function httpGet(target: HttpTarget, timeoutMs = 3_000): Promise<HttpAnswer> {
  const url = new URL(target.url);
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, { method: "GET", headers: target.headers, timeout: timeoutMs, agent: false, ...target.tls }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}
