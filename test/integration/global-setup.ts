// One control plane for the whole integration run: tests reach it through
// inject("kubeconfigPath") / inject("controlPlaneServer").
import type { TestProject } from "vitest/node";
import { controlPlaneBinDir } from "../harness/binaries.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "../harness/control-plane.js";
import { scanForCredentials } from "./secret-scan.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin kubeconfig of the shared control plane. */
    kubeconfigPath: string;
    /** https://127.0.0.1:PORT of its kube-apiserver. */
    controlPlaneServer: string;
    /** Where operator processes write their logs, scanned for credentials at the end of the run. */
    operatorLogDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Builds the binaries first when they are not cached (long, once per machine).
  const binDir = await controlPlaneBinDir();
  const controlPlane = await startControlPlane({ binDir });
  project.provide("kubeconfigPath", controlPlane.kubeconfigPath);
  project.provide("controlPlaneServer", controlPlane.server);
  const operatorLogDir = mkdtempSync(join(tmpdir(), "operator-logs-"));
  project.provide("operatorLogDir", operatorLogDir);
  return async () => {
    try {
      const scan = await scanForCredentials(join(binDir, "kubectl"), controlPlane.kubeconfigPath, operatorLogDir);
      console.log(`credential scan: ${scan.scannedBytes} bytes of operator logs, events and status, ${scan.findings.length} findings`);
      if (scan.findings.length > 0) {
        throw new Error(`credentials found in captured output: ${scan.findings.map((f) => `${f.source} (${f.pattern})`).join(", ")}`);
      }
    } finally {
      await controlPlane.stop();
    }
  };
}
