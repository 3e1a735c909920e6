// `npm run env:up [-- --unleash=emulator|real]`: a control plane and an Unleash (the emulator
// by default, or a real open-source Unleash server) in the background, for people and tools.
// The emulator answers where examples/ point when that port is free. Both start fresh, unless
// `npm run env:down -- --keep` kept both; then both are resumed. Idempotent: when the
// environment is already up and healthy, it only says how to use it again.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { logTail, spawnLogged, type ManagedProcess } from "../harness/processes.js";
import { kubernetesVersion, repoRoot } from "../harness/repo.js";
import { isHealthy, stopEnvironment, SUPERVISOR_SCRIPT } from "./environment.js";
import { EXAMPLES_UNLEASH } from "./examples.js";
import { backendKind, parseFlags, runCommand } from "./flags.js";
import {
  deleteWorldData,
  forgetKept,
  localPaths,
  readAdminToken,
  readKept,
  readState,
  type EnvironmentState,
  type KeptWorld,
} from "./local-files.js";
import type { UnleashBackendKind } from "./unleash-backend.js";

const USAGE = "npm run env:up [-- --unleash=emulator|real]";
const START_TIMEOUT_MS = 300_000;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { unleash: { type: "string" }, help: { type: "boolean" } });
  if (flags.help === true) return console.log(`Usage: ${USAGE}`);
  const backend = backendKind(flags.unleash);
  const current = readState();
  const token = await readAdminToken();
  if (current?.unleash.backend === backend && token !== undefined && (await isHealthy(current, token))) {
    printUsage(current, "already up");
    return;
  }
  // Whatever is left of an earlier run that is not healthy (or used another backend) goes first.
  await stopEnvironment(current);
  const kept = await keptWorldToResume(backend);
  // In the foreground: a cold build takes long and shows its progress.
  await controlPlaneBinDir();
  const state = await startSupervisor(backend, kept);
  // Resumed: from now on it is the running world, which the next env:down deletes or keeps anew.
  await forgetKept();
  printUsage(state, kept === undefined ? "up, with a fresh cluster and a fresh Unleash" : "up, resumed");
}

/**
 * The world `env:down --keep` kept, when it can be resumed; otherwise every piece of state is
 * deleted, so that the cluster and Unleash start fresh together and agree.
 */
async function keptWorldToResume(backend: UnleashBackendKind): Promise<KeptWorld | undefined> {
  const kept = readKept();
  const unusable = kept === undefined ? undefined : whyNotResumable(backend);
  if (kept !== undefined && unusable === undefined) {
    console.log(`Resuming the cluster and the Unleash emulator that \`npm run env:down -- --keep\` kept (${kept.keptAt}).`);
    return kept;
  }
  if (unusable !== undefined) console.log(`Not resuming what \`npm run env:down -- --keep\` kept: ${unusable}; starting both fresh.`);
  await deleteWorldData();
  return undefined;
}

function whyNotResumable(backend: UnleashBackendKind): string | undefined {
  if (backend !== "emulator") return "the real Unleash server always starts on an empty database";
  if (!existsSync(join(localPaths.controlPlaneDir, "etcd"))) return "the cluster's data is gone";
  if (!existsSync(localPaths.emulatorState)) return "the emulator's data is gone";
  return undefined;
}

async function startSupervisor(backend: UnleashBackendKind, kept: KeptWorld | undefined): Promise<EnvironmentState> {
  const started = Date.now();
  await mkdir(localPaths.dir, { recursive: true });
  const port = kept === undefined ? [] : [`--unleash-port=${new URL(kept.unleashUrl).port}`];
  const supervisor = await spawnLogged(
    "supervisor",
    process.execPath,
    ["--import", "tsx", SUPERVISOR_SCRIPT, `--unleash=${backend}`, ...port],
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
  Kubernetes ${kubernetesVersion()}: ${state.kubernetes.server}
  Unleash (${state.unleash.backend}):  ${state.unleash.url}${control}

${whatToApply(state)}

Use it from a shell:
  source .local/env      # KUBECONFIG, UNLEASH_URL, UNLEASH_ADMIN_TOKEN${control === "" ? "" : ", UNLEASH_EMULATOR_CONTROL_URL"}
  kubectl get --raw /readyz
  curl -H "Authorization: $UNLEASH_ADMIN_TOKEN" "$UNLEASH_URL/api/admin/service-account"
Logs: ${localPaths.supervisorLog}, ${localPaths.controlPlaneDir}/logs/
Stop it: npm run env:down (deletes the cluster's and Unleash's state; -- --keep keeps both for the next env:up)`);
}

/** Whether examples/ work as they are against this Unleash, and what to apply when they do not. */
function whatToApply(state: EnvironmentState): string {
  if (state.unleash.backend === "emulator" && state.unleash.url === EXAMPLES_UNLEASH.url) {
    return `examples/ point at this Unleash (${EXAMPLES_UNLEASH.url}, with the admin token of examples/01-admin-token-secret.yaml):
  kubectl apply -f examples/`;
  }
  const why =
    state.unleash.backend === "emulator"
      ? `port ${EXAMPLES_UNLEASH.port} was in use when it started`
      : "the real Unleash server has an admin token of its own";
  return `examples/ do NOT point at this Unleash (${why}).
.local/examples/ holds the same files pointed at it; apply those instead:
  kubectl apply -f .local/examples/`;
}

runCommand("env:up", USAGE, main);
