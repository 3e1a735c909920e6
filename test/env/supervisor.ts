// The long-lived background process behind `npm run env:up`: it owns the control plane and
// the Unleash backend, publishes how to reach them in .local/, and stops both on SIGTERM
// (what env:down sends). Its children die with it even if it is killed outright.
// `--unleash=<kind> [--unleash-port=<port>]`; env:up has already deleted or kept the data in
// .local/, so this starts on whatever is there.
import { copyFile } from "node:fs/promises";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { startControlPlane } from "../harness/control-plane.js";
import { controlPlaneProcesses } from "./environment.js";
import { EXAMPLES_UNLEASH, writeExamplesPointedAt } from "./examples.js";
import { backendKind, parseFlags } from "./flags.js";
import { localPaths, removeRunFiles, writeAdminToken, writeEnvFile, writeState } from "./local-files.js";
import { randomAdminToken, startUnleashBackend, type UnleashBackend, type UnleashBackendKind } from "./unleash-backend.js";

interface Stoppable {
  stop(): Promise<void>;
}

const running: Stoppable[] = [];
let shuttingDown = false;

async function shutDown(exitCode: number): Promise<never> {
  if (!shuttingDown) {
    shuttingDown = true;
    for (const resource of running.reverse()) await resource.stop().catch(console.error);
    await removeRunFiles();
    console.log("supervisor: stopped");
  }
  process.exit(exitCode);
}

async function start(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { unleash: { type: "string" }, "unleash-port": { type: "string" } });
  const backend = backendKind(flags.unleash);
  const binDir = await controlPlaneBinDir();
  // Over the data env:up kept, if it kept any: the cluster's objects survive, its PKI is new.
  const controlPlane = await startControlPlane({ dataDir: localPaths.controlPlaneDir, binDir });
  running.push(controlPlane);
  const keptPort = flags["unleash-port"] === undefined ? undefined : Number(flags["unleash-port"]);
  const unleash = await startUnleash(backend, keptPort);
  running.push(unleash);

  await writeAdminToken(unleash.adminToken);
  await writeExamplesPointedAt(unleash, localPaths.examples);
  await copyFile(controlPlane.kubeconfigPath, localPaths.kubeconfig);
  await writeEnvFile({ binDir, unleashUrl: unleash.url, adminToken: unleash.adminToken, controlUrl: unleash.controlUrl });
  await writeState({
    supervisorPid: process.pid,
    startedAt: new Date().toISOString(),
    kubernetes: {
      server: controlPlane.server,
      etcdUrl: controlPlane.etcdUrl,
      pids: Object.fromEntries([...controlPlaneProcesses()].map(([pid, name]) => [name, pid])),
    },
    unleash: { backend, url: unleash.url, ...(unleash.controlUrl === undefined ? {} : { controlUrl: unleash.controlUrl }) },
  });
  console.log(`supervisor: ready (pid ${process.pid})`);
}

/**
 * The emulator where examples/ point (their port and admin token) when that port is free,
 * else on a free port; on a kept world exactly where it was, which the kept cluster's
 * connections name. The real server on a free port, with a token of its own.
 */
function startUnleash(kind: UnleashBackendKind, keptPort: number | undefined): Promise<UnleashBackend> {
  if (kind === "real") return startUnleashBackend(kind, { adminToken: randomAdminToken() });
  const options = { adminToken: EXAMPLES_UNLEASH.adminToken, stateFile: localPaths.emulatorState };
  if (keptPort !== undefined) {
    return startUnleashBackend(kind, { ...options, port: keptPort }).catch((error: unknown) => {
      throw isAddressInUse(error)
        ? new Error(`port ${keptPort}, where the kept Unleash emulator answered and where the kept cluster's connections point, is in use by another program; free it and run env:up again, or start afresh with npm run env:down && npm run env:up`)
        : error;
    });
  }
  return startUnleashBackend(kind, { ...options, port: EXAMPLES_UNLEASH.port }).catch((error: unknown) => {
    if (!isAddressInUse(error)) throw error;
    console.log(`supervisor: port ${EXAMPLES_UNLEASH.port} is in use; the emulator takes a free port`);
    return startUnleashBackend(kind, options);
  });
}

function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && "code" in error && error.code === "EADDRINUSE";
}

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void shutDown(0));
start().catch(async (error: unknown) => {
  console.error("supervisor: failed to start:", error instanceof Error ? error.message : error);
  await shutDown(1);
});
