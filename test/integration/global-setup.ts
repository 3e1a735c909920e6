// One control plane for the whole integration run: tests reach it through
// inject("kubeconfigPath") / inject("controlPlaneServer").
import type { TestProject } from "vitest/node";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { startControlPlane } from "../harness/control-plane.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig of the shared control plane. */
    kubeconfigPath: string;
    /** https://127.0.0.1:PORT of its kube-apiserver. */
    controlPlaneServer: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Builds the binaries first when they are not cached (long, once per machine).
  const binDir = await controlPlaneBinDir();
  const controlPlane = await startControlPlane({ binDir });
  project.provide("kubeconfigPath", controlPlane.kubeconfigPath);
  project.provide("controlPlaneServer", controlPlane.server);
  return () => controlPlane.stop();
}
