// Unleash emulators (startEmulator) in a process of their own, so that the operator's calls are
// answered by an event loop the benchmark's own work (watches, token checks, the floor client)
// never holds up. Run as a script it starts one emulator per --name and prints one JSON line.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { z } from "zod";
import { spawnLogged, type ManagedProcess } from "../../test/harness/processes.js";
import { repoRoot } from "../../test/harness/repo.js";
import { EmulatorControl } from "../../test/unleash-emulator/control-client.js";
import { startEmulator, type RunningEmulator } from "../../test/unleash-emulator/index.js";
import { firstJsonLine } from "../../test/harness/kube-write-counter.js";

const emulatorInfoSchema = z.object({ url: z.string(), controlUrl: z.string(), adminToken: z.string() });
const readySchema = z.object({ emulators: z.record(z.string(), emulatorInfoSchema) });

export interface HostedEmulator {
  url: string;
  adminToken: string;
  control: EmulatorControl;
}

export interface EmulatorHost {
  emulators: Record<string, HostedEmulator>;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts one emulator per name, all in one child process, each with `latencyMs` on every route. */
export async function startEmulatorHost(names: readonly string[], latencyMs: number, dir: string): Promise<EmulatorHost> {
  const logFile = join(dir, `emulators-${latencyMs}ms.log`);
  const child = await spawnLogged(
    "emulator-host",
    join(repoRoot, "node_modules", ".bin", "node"),
    ["--import", "tsx", fileURLToPath(import.meta.url), ...names.map((name) => `--name=${name}`)],
    { logFile, cwd: repoRoot },
  );
  try {
    const ready = readySchema.parse(await firstJsonLine(logFile, child));
    const emulators: Record<string, HostedEmulator> = {};
    for (const [name, info] of Object.entries(ready.emulators)) {
      const control = new EmulatorControl(info.controlUrl);
      await control.setLatency("*", latencyMs);
      emulators[name] = { url: info.url, adminToken: info.adminToken, control };
    }
    return { emulators, process: child, stop: () => child.stop() };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { name: { type: "string", multiple: true } }, strict: true });
  const running: Record<string, RunningEmulator> = {};
  for (const name of values.name ?? []) running[name] = await startEmulator();
  const stop = () => void Promise.all(Object.values(running).map((emulator) => emulator.stop())).finally(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  const emulators = Object.fromEntries(
    Object.entries(running).map(([name, emulator]) => [name, { url: emulator.url, controlUrl: emulator.controlUrl, adminToken: emulator.adminToken }]),
  );
  process.stdout.write(`${JSON.stringify({ emulators })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
