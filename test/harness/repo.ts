import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** The pins in hack/versions.env (KUBERNETES_VERSION, ETCD_VERSION, ...). */
export function pinnedVersions(): Record<string, string> {
  const text = readFileSync(resolve(repoRoot, "hack/versions.env"), "utf8");
  const pins: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z0-9_]+)=["']?([^"'\s#]*)["']?\s*(#.*)?$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) pins[match[1]] = match[2];
  }
  return pins;
}

export function pinnedVersion(name: string): string {
  const version = pinnedVersions()[name];
  if (version === undefined) throw new Error(`${name} is not pinned in hack/versions.env`);
  return version;
}

/** The Kubernetes version the test world runs: KUBERNETES_VERSION from the environment (`npm run test:compat`), else the pin. */
export function kubernetesVersion(): string {
  return process.env.KUBERNETES_VERSION || pinnedVersion("KUBERNETES_VERSION");
}
