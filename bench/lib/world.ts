import { execFileSync } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "../../test/harness/control-plane.js";
import { repoRoot } from "../../test/harness/repo.js";
import type { BenchWorld } from "./block.js";
import { ClusterView } from "./cluster-view.js";
import { KubeHttp } from "./kube-http.js";
import type { Cleanup } from "./lifecycle.js";

export interface OpenedWorld extends BenchWorld {
  /** Lets the view follow these namespaces (a block's, once it has created them). */
  watch(namespaces: readonly string[]): void;
}

/** Builds the operator and starts what every run stands on: a control plane, an admin client and a view of the run's namespaces. */
export async function openBenchWorld(name: string, cleanup: Cleanup, log: (message: string) => void): Promise<OpenedWorld> {
  log("building the operator (npm run build)");
  execFileSync("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: "inherit" });
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  log(`logs and kubeconfigs in ${dir}`);
  log("starting the control plane");
  const controlPlane = await startControlPlane();
  cleanup.add("control plane", () => controlPlane.stop());
  const admin = KubeHttp.fromKubeconfig(controlPlane.kubeconfigPath);
  cleanup.add("admin client", () => admin.close());
  const watched = new Set<string>();
  const view = new ClusterView(admin, (namespace) => watched.has(namespace));
  await view.start();
  cleanup.add("cluster view", () => view.stop());
  const watch = (namespaces: readonly string[]) => {
    for (const namespace of namespaces) watched.add(namespace);
  };
  return { controlPlane, admin, view, dir, cleanup, watch };
}
