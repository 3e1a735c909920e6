import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { join, resolve } from "node:path";
import { repoRoot } from "./repo.js";

export const CONTROL_PLANE_PROGRAMS = ["etcd", "kube-apiserver", "kube-controller-manager"] as const;

let binDir: Promise<string> | undefined;

/**
 * The directory holding etcd, kube-apiserver and kube-controller-manager, as printed by
 * hack/build-control-plane.sh, which reuses its cache or builds them (20 minutes, cold).
 */
export function controlPlaneBinDir(): Promise<string> {
  binDir ??= buildOrReuse().catch((error: unknown) => {
    binDir = undefined;
    throw error;
  });
  return binDir;
}

async function buildOrReuse(): Promise<string> {
  const stdout = await runBuildScript();
  const dir = stdout.trimEnd().split("\n").pop()?.trim() ?? "";
  if (dir === "") throw new Error("hack/build-control-plane.sh printed no directory");
  await Promise.all(CONTROL_PLANE_PROGRAMS.map((p) => access(join(dir, p), constants.X_OK)));
  return dir;
}

function runBuildScript(): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    // Its progress goes to stderr, which stays visible: a cold build is long.
    const child = spawn("bash", [resolve(repoRoot, "hack/build-control-plane.sh")], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolvePromise(stdout) : reject(new Error(`hack/build-control-plane.sh exited with ${code}`)),
    );
  });
}
