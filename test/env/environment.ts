// Whether env:up's environment is running and answering, and how to take it down.
import { basename, resolve } from "node:path";
import { Health, KubeConfig } from "@kubernetes/client-node";
import { CONTROL_PLANE_PROGRAMS } from "../harness/binaries.js";
import { httpGet, isAlive, killProcessGroup, processesMentioning } from "../harness/processes.js";
import { repoRoot } from "../harness/repo.js";
import { localPaths, removeRunFiles, type EnvironmentState } from "./local-files.js";

export const SUPERVISOR_SCRIPT = resolve(repoRoot, "test/env/supervisor.ts");
// The supervisor stops each of its children with a grace of its own first.
const SUPERVISOR_GRACE_MS = 30_000;

export function isSupervisorRunning(state: EnvironmentState): boolean {
  return isAlive(state.supervisorPid) && supervisorPids().includes(state.supervisorPid);
}

// Only node running the script: an editor or `tail` showing one of these files is left alone.
function supervisorPids(): number[] {
  return [...only(processesMentioning(SUPERVISOR_SCRIPT), [basename(process.execPath)]).keys()];
}

/** The control-plane programs running on env:up's data directory: program name by pid. */
export function controlPlaneProcesses(): Map<number, string> {
  return only(processesMentioning(localPaths.controlPlaneDir), CONTROL_PLANE_PROGRAMS);
}

function only(processes: Map<number, string>, programs: readonly string[]): Map<number, string> {
  return new Map([...processes].filter(([, name]) => programs.includes(name)));
}

export async function isHealthy(state: EnvironmentState, adminToken: string): Promise<boolean> {
  if (!isSupervisorRunning(state)) return false;
  const [kubernetes, unleash] = await Promise.all([kubernetesReady(), unleashAnswers(state.unleash.url, adminToken)]);
  return kubernetes && unleash;
}

async function kubernetesReady(): Promise<boolean> {
  try {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(localPaths.kubeconfig);
    return await new Health(kubeConfig).readyz({ timeout: 3_000 });
  } catch {
    return false;
  }
}

async function unleashAnswers(url: string, adminToken: string): Promise<boolean> {
  try {
    const answer = await httpGet({ url: `${url}/api/admin/service-account`, headers: { Authorization: adminToken } });
    return answer.status === 200;
  } catch {
    return false;
  }
}

/** Stops the supervisor (which stops the rest), then anything of the environment still running. */
export async function stopEnvironment(state: EnvironmentState | undefined): Promise<void> {
  if (state !== undefined && isSupervisorRunning(state)) {
    await killProcessGroup(state.supervisorPid, SUPERVISOR_GRACE_MS);
  }
  // Left behind only if the supervisor was killed outright (its watchdogs would end them soon).
  for (const pid of supervisorPids()) await killProcessGroup(pid, SUPERVISOR_GRACE_MS);
  await Promise.all([...controlPlaneProcesses().keys()].map((pid) => killProcessGroup(pid)));
  await removeRunFiles();
}
