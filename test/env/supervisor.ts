// The long-lived background process behind `npm run env:up`: it owns the control plane and
// the Unleash backend, publishes how to reach them in .local/, and stops both on SIGTERM
// (what env:down sends). Its children die with it even if it is killed outright.
import { copyFile, rm } from "node:fs/promises";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { startControlPlane } from "../harness/control-plane.js";
import { controlPlaneProcesses } from "./environment.js";
import { adminToken, localPaths, removeRunFiles, writeEnvFile, writeState } from "./local-files.js";
import { parseBackendKind, startUnleashBackend } from "./unleash-backend.js";

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
  const backend = parseBackendKind(process.argv);
  // A fresh cluster every time; the Unleash state is what persists.
  await rm(localPaths.controlPlaneDir, { recursive: true, force: true });
  const binDir = await controlPlaneBinDir();
  const controlPlane = await startControlPlane({ dataDir: localPaths.controlPlaneDir, binDir });
  running.push(controlPlane);
  const token = await adminToken();
  const unleash = await startUnleashBackend(backend, { adminToken: token, stateFile: localPaths.emulatorState });
  running.push(unleash);

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

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => void shutDown(0));
start().catch(async (error: unknown) => {
  console.error("supervisor: failed to start:", error);
  await shutDown(1);
});
