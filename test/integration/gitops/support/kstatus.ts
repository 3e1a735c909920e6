// kstatus, the status library of Flux health checks and `flux wait`, as a program built by
// hack/build-kstatus.sh from sigs.k8s.io/cli-utils.
import { execFile } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { repoRoot } from "../../../harness/repo.js";

const kstatusResult = z.object({ status: z.string(), message: z.string() });
export type KstatusResult = z.infer<typeof kstatusResult>;

const run = promisify(execFile);

/** Path of the kstatus program: reused from the cache, or built there (a minute or two, cold). */
export async function buildKstatus(): Promise<string> {
  const script = resolve(repoRoot, "hack/build-kstatus.sh");
  const { stdout } = await run("bash", [script], { maxBuffer: 16 * 1024 * 1024 }).catch((error: unknown) => {
    throw new Error(`hack/build-kstatus.sh failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  });
  const path = stdout.trimEnd().split("\n").pop()?.trim() ?? "";
  await access(path, constants.X_OK);
  return path;
}

/** What kstatus's status.Compute says about one object. */
export function computeKstatus(program: string, object: unknown): Promise<KstatusResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(program, [], { timeout: 10_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kstatus failed: ${stderr || error.message}`));
      else resolvePromise(kstatusResult.parse(JSON.parse(stdout)));
    });
    child.stdin?.end(JSON.stringify(object));
  });
}
