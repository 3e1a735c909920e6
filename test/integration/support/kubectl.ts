import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { controlPlaneBinDir } from "../../harness/binaries.js";

const run = promisify(execFile);

/** kubectl of the pinned Kubernetes release, built beside the control plane (no version skew). */
export async function kubectlBinary(): Promise<string> {
  return join(await controlPlaneBinDir(), "kubectl");
}

/** Runs kubectl against a kubeconfig, as a user would; stdin for `apply -f -`. */
export async function kubectl(kubeconfigPath: string, args: readonly string[], stdin?: string): Promise<string> {
  const child = run(await kubectlBinary(), [`--kubeconfig=${kubeconfigPath}`, ...args], { maxBuffer: 16 * 1024 * 1024 });
  if (stdin !== undefined) {
    child.child.stdin?.end(stdin);
  }
  try {
    return (await child).stdout;
  } catch (err) {
    const failure = err as { stderr?: string; message: string };
    throw new Error(`kubectl ${args.join(" ")} failed: ${failure.stderr ?? failure.message}`);
  }
}
