// TEST INFRASTRUCTURE: a real, open-source Unleash server (the pinned `unleash-server`
// package, on this project's Node 24) with Unleash Enterprise's service-account routes added,
// on a PostgreSQL cluster of its own. Its SDK API-token routes and SDK routes are its own,
// untouched; `secureTokenStorage` picks the format of the tokens it makes. Everything it starts is stopped by stop(), and killed
// when the calling process exits.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { freeLoopbackPorts } from "../harness/ports.js";
import { logTail, spawnLogged, type ManagedProcess } from "../harness/processes.js";
import { repoRoot } from "../harness/repo.js";
import { realLegacyData, type LegacyData } from "./legacy-data.js";
import { startPostgres, type RunningPostgres } from "./postgres.js";

export type { LegacyAccount, LegacyData } from "./legacy-data.js";
export { SEEDED_CUSTOM_ROOT_ROLE, SEEDED_HUMAN_USERNAME, SEEDED_OTHER_PROJECT } from "./seed.js";

export interface RealUnleashOptions {
  /** An admin API token, `*:*.<hex>`; default: a new random one. */
  adminToken?: string;
  /** Where the server's log goes; default: a temporary directory removed by stop(). */
  logDir?: string;
  /**
   * The server's `secureTokenStorage` flag: new SDK API tokens in the v2 format (the list shows
   * only their selector) and a DELETE that the serving process obeys at once. Default false, as
   * in the server, whatever this process's environment says.
   */
  secureTokenStorage?: boolean;
}

export interface RealUnleash {
  url: string;
  adminToken: string;
  /** From the call until the server answered, database included. */
  startupMs: number;
  /** Stores what today's API refuses to create: an account without username, a token without description. */
  legacyData: LegacyData;
  stop(): Promise<void>;
}

// Migrating a fresh database takes most of a cold start: about 25 s on two idle cores.
const READY_TIMEOUT_MS = 180_000;
const SERVER_ENTRY = join(repoRoot, "test/real-unleash/server.ts");

const readyLine = z.object({ url: z.url(), pid: z.number().int() });

export async function startRealUnleash(options: RealUnleashOptions = {}): Promise<RealUnleash> {
  const startedAt = Date.now();
  const adminToken = options.adminToken ?? `*:*.${randomBytes(32).toString("hex")}`;
  const logDir = options.logDir ?? (await mkdtemp(join(tmpdir(), "real-unleash-")));
  let postgres: RunningPostgres | undefined;
  let server: ManagedProcess | undefined;
  const stop = async (): Promise<void> => {
    await server?.stop();
    await postgres?.stop();
    if (options.logDir === undefined) await rm(logDir, { recursive: true, force: true });
  };
  try {
    postgres = await startPostgres();
    const [port] = await freeLoopbackPorts(1);
    server = await spawnLogged("unleash", process.execPath, ["--import", "tsx", SERVER_ENTRY], {
      cwd: repoRoot,
      logFile: join(logDir, "unleash.log"),
      env: {
        ...process.env,
        NODE_ENV: "production",
        DATABASE_URL: postgres.url,
        PORT: String(port),
        ADMIN_TOKEN: adminToken,
        UNLEASH_EXPERIMENTAL_SECURE_TOKEN: String(options.secureTokenStorage ?? false),
      },
    });
    const { url } = await waitForReadyLine(server);
    return { url, adminToken, startupMs: Date.now() - startedAt, legacyData: realLegacyData(url, adminToken), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** server.ts prints its ready line once it listens and its seed data is in place. */
async function waitForReadyLine(server: ManagedProcess): Promise<z.infer<typeof readyLine>> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const log = await readFile(server.logFile, "utf8").catch(() => "");
    const ready = log.split("\n").map(parseReadyLine).find((line) => line !== undefined);
    if (ready !== undefined) return ready;
    if (server.hasExited()) throw new Error(`the Unleash server exited while starting:\n${logTail(server.logFile)}`);
    if (Date.now() > deadline) {
      throw new Error(`the Unleash server was not ready within ${READY_TIMEOUT_MS} ms:\n${logTail(server.logFile)}`);
    }
    await sleep(200);
  }
}

function parseReadyLine(line: string): z.infer<typeof readyLine> | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    return readyLine.parse(JSON.parse(line));
  } catch {
    return undefined;
  }
}
