// Runs the helm binary that hack/build-helm.sh builds from the Go module proxy,
// against the chart in charts/, with its state kept out of the user's home.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { z } from "zod";
import { runBuildScript } from "../../harness/build-script.js";
import { repoRoot } from "../../harness/repo.js";

export const CHART_DIR = join(repoRoot, "charts", "unleash-accounts-operator");

/** Helm caches repositories and plugins under these; a throwaway home keeps the user's untouched. */
const helmHome = mkdtempSync(join(tmpdir(), "helm-home-"));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, "cache"),
  HELM_CONFIG_HOME: join(helmHome, "config"),
  HELM_DATA_HOME: join(helmHome, "data"),
};

let binary: Promise<string> | undefined;

/** Path of helm, built on first use (minutes, once per machine) and cached by the script. */
export function helmBinary(): Promise<string> {
  binary ??= runBuildScript("hack/build-helm.sh");
  return binary;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm; a non-zero exit is a result, not an exception (tests check refusals). */
export async function helm(args: readonly string[]): Promise<HelmResult> {
  const path = await helmBinary();
  return new Promise((resolveResult) => {
    execFile(path, args, { env: helmEnv, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolveResult({ code, stdout, stderr });
    });
  });
}

/** Runs helm and fails with its stderr when it fails. */
export async function helmOk(args: readonly string[]): Promise<string> {
  const result = await helm(args);
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} exited with ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** A values file holding `values`, for `-f`. */
export async function valuesFile(values: object): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "chart-values-"));
  const path = join(dir, "values.yaml");
  await writeFile(path, stringify(values));
  return path;
}

export const manifestSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** The Kubernetes objects in a multi-document YAML stream (helm template, helm get manifest). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`invalid YAML from helm: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    return value === null ? [] : [manifestSchema.parse(value)];
  });
}

/** `helm template` of the chart with `values`, as text and as objects. */
export async function renderChart(values: object, options: { release?: string; namespace?: string } = {}): Promise<{ text: string; manifests: Manifest[] }> {
  const text = await helmOk([
    "template",
    options.release ?? "uao",
    CHART_DIR,
    `--namespace=${options.namespace ?? "unleash-system"}`,
    "-f",
    await valuesFile(values),
  ]);
  return { text, manifests: parseManifests(text) };
}
