// The last check of every integration run: nothing the run captured (every operator's log at
// debug level, every Event and the status of every resource) holds a credential.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { DEFAULT_ADMIN_TOKEN } from "../unleash-emulator/index.js";

const run = promisify(execFile);

/** Every credential shape tests create: PATs, v2 PATs, admin and SDK API tokens (both formats), and the emulator's admin token. */
const CREDENTIALS = [
  /user:[0-9a-f]{56}/,
  /user:v2_[A-Za-z0-9_-]{20,}/,
  /\*:\*\.[0-9a-f]{16,}/,
  /[\w*[\]-]+:[\w-]+\.[0-9a-f]{56}/,
  /[\w*[\]-]+:[\w-]+\.v2_[A-Za-z0-9_-]{20,}/,
  new RegExp(DEFAULT_ADMIN_TOKEN.replace(/[*.]/g, "\\$&")),
];

export interface Finding {
  source: string;
  pattern: string;
}

function scanText(source: string, text: string): Finding[] {
  return CREDENTIALS.filter((pattern) => pattern.test(text)).map((pattern) => ({ source, pattern: pattern.source }));
}

export async function scanForCredentials(kubectl: string, kubeconfigPath: string, logDir: string): Promise<{ scannedBytes: number; findings: Finding[] }> {
  const sources: Array<[string, string]> = readdirSync(logDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".log"))
    .map((file) => [join(logDir, file), readFileSync(join(logDir, file), "utf8")]);
  for (const what of ["events", "serviceaccounts.accounts.unleash.dev,serviceaccounttokens.accounts.unleash.dev,unleashconnections,clusterunleashconnections"]) {
    const { stdout } = await run(kubectl, [`--kubeconfig=${kubeconfigPath}`, "get", what, "-A", "-o", "json"], { maxBuffer: 256 * 1024 * 1024 });
    sources.push([`kubectl get ${what}`, stdout]);
  }
  return {
    scannedBytes: sources.reduce((sum, [, text]) => sum + text.length, 0),
    findings: sources.flatMap(([source, text]) => scanText(source, text)),
  };
}
