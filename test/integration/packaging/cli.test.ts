// --help and --version answer without loading the Kubernetes client (the heaviest module of the
// operator): a module hook lists every module the process resolves.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../harness/repo.js";

const run = promisify(execFile);
const NODE = join(repoRoot, "node_modules", ".bin", "node");
const TRACE_RESOLVE = `data:text/javascript,${encodeURIComponent(
  'import { registerHooks } from "node:module"; registerHooks({ resolve(s, c, n) { process.stderr.write("resolve " + s + "\\n"); return n(s, c); } });',
)}`;

async function resolvedBy(args: readonly string[]): Promise<{ stdout: string; modules: string[]; ms: number }> {
  const started = performance.now();
  const { stdout, stderr } = await run(NODE, ["--import", TRACE_RESOLVE, join(repoRoot, "dist", "main.js"), ...args], { env: { ...process.env, KUBECONFIG: "" } }).catch(
    (err: { stdout: string; stderr: string }) => err,
  );
  const modules = stderr.split("\n").flatMap((line) => (line.startsWith("resolve ") ? [line.slice("resolve ".length)] : []));
  return { stdout, modules, ms: performance.now() - started };
}

describe("the command line", () => {
  it.each([["--help"], ["--version"]])("answers %s without loading @kubernetes/client-node", async (flag) => {
    const { stdout, modules, ms } = await resolvedBy([flag]);
    expect(stdout.length).toBeGreaterThan(0);
    expect(modules.length).toBeGreaterThan(0);
    expect(modules.filter((m) => m.includes("@kubernetes/client-node"))).toEqual([]);
    console.log(`[cli] ${flag} answered in ${Math.round(ms)} ms, ${modules.length} modules resolved`);
  });

  it("loads the Kubernetes client to run (the hook sees it)", async () => {
    const { modules } = await resolvedBy([]);
    expect(modules.some((m) => m.includes("@kubernetes/client-node"))).toBe(true);
  });
});
