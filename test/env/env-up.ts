// `npm run env:up [-- --unleash=emulator|real]`: a control plane and an Unleash (the emulator
// by default, or a real open-source Unleash server) in the background, for people and tools.
// Idempotent: when the environment is already up and healthy, it only says how to use it again.
import { mkdir } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { logTail, spawnLogged, type ManagedProcess } from "../harness/processes.js";
import { pinnedVersion, repoRoot } from "../harness/repo.js";
import { isHealthy, stopEnvironment, SUPERVISOR_SCRIPT } from "./environment.js";
import { adminToken, localPaths, readState, type EnvironmentState } from "./local-files.js";
import { parseBackendKind, type UnleashBackendKind } from "./unleash-backend.js";

const START_TIMEOUT_MS = 300_000;

async function main(): Promise<void> {
  const backend = parseBackendKind(process.argv);
  const current = readState();
  if (current !== undefined && current.unleash.backend === backend && (await isHealthy(current, await adminToken()))) {
    printUsage(current, "already up");
    return;
  }
  // Whatever is left of an earlier run that is not healthy (or used another backend) goes first.
  await stopEnvironment(current);
  // In the foreground: a cold build takes long and shows its progress.
  await controlPlaneBinDir();
  const state = await startSupervisor(backend);
  printUsage(state, "up");
}

async function startSupervisor(backend: UnleashBackendKind): Promise<EnvironmentState> {
  const started = Date.now();
  await mkdir(localPaths.dir, { recursive: true });
  const supervisor = await spawnLogged(
    "supervisor",
    process.execPath,
    ["--import", "tsx", SUPERVISOR_SCRIPT, `--unleash=${backend}`],
    { logFile: localPaths.supervisorLog, cwd: repoRoot, outliveParent: true },
  );
  const state = await readyState(supervisor);
  console.log(`Started in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return state;
}

async function readyState(supervisor: ManagedProcess): Promise<EnvironmentState> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const state = readState();
    if (state?.supervisorPid === supervisor.pid) return state;
    if (supervisor.hasExited() || Date.now() > deadline) {
      await supervisor.stop();
      throw new Error(`the environment did not start; end of ${localPaths.supervisorLog}:\n${logTail(localPaths.supervisorLog)}`);
    }
    await sleep(200);
  }
}

function printUsage(state: EnvironmentState, status: string): void {
  const control = state.unleash.controlUrl === undefined ? "" : `\n  Emulator control:  ${state.unleash.controlUrl}`;
  console.log(`Test environment ${status} (supervisor pid ${state.supervisorPid}).
  Kubernetes ${pinnedVersion("KUBERNETES_VERSION")}: ${state.kubernetes.server}
  Unleash (${state.unleash.backend}):  ${state.unleash.url}${control}

Use it from a shell:
  source .local/env      # KUBECONFIG, UNLEASH_URL, UNLEASH_ADMIN_TOKEN${control === "" ? "" : ", UNLEASH_EMULATOR_CONTROL_URL"}
  kubectl get --raw /readyz
  curl -H "Authorization: $UNLEASH_ADMIN_TOKEN" "$UNLEASH_URL/api/admin/service-account"
Logs: ${localPaths.supervisorLog}, ${localPaths.controlPlaneDir}/logs/
Stop it: npm run env:down`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
