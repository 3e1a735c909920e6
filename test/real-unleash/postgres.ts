// Test infrastructure: a throwaway PostgreSQL cluster for the real Unleash server.
// It uses Debian's `postgresql` package (initdb, postgres and pg_ctl under /usr/lib/postgresql/<major>/bin).
// PostgreSQL refuses to run as root, so as root every server program runs as the `postgres` user.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { chown, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freeLoopbackPorts } from "../harness/ports.js";
import { logTail, spawnLogged, type ManagedProcess } from "../harness/processes.js";

const run = promisify(execFile);

const POSTGRES_ROOT = "/usr/lib/postgresql";
const DATABASE = "unleash";
const DATABASE_USER = "unleash";
const READY_TIMEOUT_MS = 30_000;

export interface RunningPostgres {
  /** `postgres://user:password@127.0.0.1:port/database` */
  url: string;
  stop(): Promise<void>;
}

interface Cluster {
  dir: string;
  dataDir: string;
  socketDir: string;
  port: number;
  binDir: string;
  /** The uid/gid the PostgreSQL programs run as; empty when this process is not root. */
  owner: { uid?: number; gid?: number };
}

export async function startPostgres(): Promise<RunningPostgres> {
  const cluster = await createCluster();
  // The process harness kills the server when this process ends; this removes its files.
  const removeOnExit = (): void => rmSync(cluster.dir, { recursive: true, force: true });
  process.once("exit", removeOnExit);
  let server: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    await stopServer(cluster, server);
    await rm(cluster.dir, { recursive: true, force: true });
    process.off("exit", removeOnExit);
  };
  try {
    await initCluster(cluster);
    server = await startServer(cluster);
    await waitUntilReady(cluster, server);
    const password = randomBytes(16).toString("hex");
    await createDatabase(cluster, password);
    return { url: `postgres://${DATABASE_USER}:${password}@127.0.0.1:${cluster.port}/${DATABASE}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function createCluster(): Promise<Cluster> {
  const [binDir, owner, [port], dir] = await Promise.all([
    findBinDir(),
    process.getuid?.() === 0 ? postgresUser() : Promise.resolve<Cluster["owner"]>({}),
    freeLoopbackPorts(1),
    mkdtemp(join(tmpdir(), "real-unleash-pg-")),
  ]);
  if (port === undefined) throw new Error("no free port for PostgreSQL");
  const cluster: Cluster = { dir, dataDir: join(dir, "data"), socketDir: join(dir, "socket"), port, binDir, owner };
  await mkdir(cluster.socketDir);
  const { uid, gid } = owner;
  if (uid !== undefined && gid !== undefined) {
    await Promise.all([dir, cluster.socketDir].map((path) => chown(path, uid, gid)));
  }
  return cluster;
}

async function findBinDir(): Promise<string> {
  const majors = await readdir(POSTGRES_ROOT).catch(() => []);
  const newest = majors.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(
      `PostgreSQL is not installed (nothing under ${POSTGRES_ROOT}); install Debian's package: apt-get install -y postgresql`,
    );
  }
  return join(POSTGRES_ROOT, newest, "bin");
}

async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function program(cluster: Cluster, name: string): string {
  return join(cluster.binDir, name);
}

async function runAsOwner(cluster: Cluster, name: string, args: string[]): Promise<void> {
  await run(program(cluster, name), args, { cwd: cluster.dir, ...cluster.owner });
}

async function initCluster(cluster: Cluster): Promise<void> {
  // Local socket connections are trusted (only the owner can enter the socket directory);
  // TCP needs the password, the way Unleash connects in production.
  await runAsOwner(cluster, "initdb", [
    "--pgdata", cluster.dataDir,
    "--username", "postgres",
    "--auth-local", "trust",
    "--auth-host", "scram-sha-256",
    "--encoding", "UTF8",
    "--no-sync",
  ]);
}

/**
 * The postmaster runs in the foreground under the process harness, whose watchdog kills it if
 * this process dies, rather than through `pg_ctl start`, which hands it to PID 1 (here that left
 * zombies behind). setpriv, unlike runuser, execs: no extra parent process between the two.
 */
function startServer(cluster: Cluster): Promise<ManagedProcess> {
  // Durability is worthless for a throwaway cluster, and skipping it makes migrations faster.
  const args = [
    "-D", cluster.dataDir,
    "-c", "listen_addresses=127.0.0.1",
    "-c", `port=${cluster.port}`,
    "-c", `unix_socket_directories=${cluster.socketDir}`,
    "-c", "fsync=off",
    "-c", "synchronous_commit=off",
    "-c", "full_page_writes=off",
  ];
  const postgres = program(cluster, "postgres");
  const [command, commandArgs] =
    cluster.owner.uid === undefined
      ? [postgres, args]
      : ["setpriv", ["--reuid=postgres", "--regid=postgres", "--clear-groups", "--", postgres, ...args]];
  return spawnLogged("postgres", command, commandArgs, { cwd: cluster.dir, logFile: join(cluster.dir, "postgres.log") });
}

async function waitUntilReady(cluster: Cluster, server: ManagedProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const isReadyArgs = ["--host", cluster.socketDir, "--port", String(cluster.port), "--quiet"];
  for (;;) {
    if (server.hasExited()) throw new Error(`PostgreSQL exited while starting:\n${logTail(server.logFile)}`);
    const ready = await run(program(cluster, "pg_isready"), isReadyArgs).then(() => true, () => false);
    if (ready) return;
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL was not ready within ${READY_TIMEOUT_MS} ms:\n${logTail(server.logFile)}`);
    }
    await sleep(100);
  }
}

async function createDatabase(cluster: Cluster, password: string): Promise<void> {
  // The password travels in a file, not on a command line that `ps` shows.
  const script = join(cluster.dir, "create-database.sql");
  await writeFile(
    script,
    `CREATE ROLE ${DATABASE_USER} LOGIN PASSWORD '${password}';\nCREATE DATABASE ${DATABASE} OWNER ${DATABASE_USER};\n`,
    { mode: 0o644 },
  );
  await runAsOwner(cluster, "psql", [
    "--host", cluster.socketDir,
    "--port", String(cluster.port),
    "--username", "postgres",
    "--dbname", "postgres",
    "--quiet",
    "--set", "ON_ERROR_STOP=1",
    "--file", script,
  ]);
  await rm(script);
}

/** A "fast" shutdown through pg_ctl, which signals the postmaster alone; then the harness's group stop. */
async function stopServer(cluster: Cluster, server: ManagedProcess | undefined): Promise<void> {
  if (server === undefined) return;
  if (!server.hasExited()) {
    await runAsOwner(cluster, "pg_ctl", ["stop", "--wait", "--silent", "--pgdata", cluster.dataDir, "--mode", "fast"])
      .catch(() => undefined); // the group stop below is the fallback
  }
  await server.stop();
}
