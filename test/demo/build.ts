// The operator runs as it ships, from dist/. It is compiled when dist/ is missing or older
// than its sources, so a demo next to running tests does not rewrite files they execute.
import { spawn } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../harness/repo.js";

const OPERATOR_ENTRY = join(repoRoot, "dist", "main.js");
const BUILD_INPUTS = [join(repoRoot, "tsconfig.json"), join(repoRoot, "tsconfig.build.json")];

/** Whether it compiled (false: dist/ was up to date). */
export async function buildOperatorIfStale(): Promise<boolean> {
  const built = await modifiedAt(OPERATOR_ENTRY);
  if (built !== undefined && (await newestSource()) <= built) return false;
  await runBuild();
  return true;
}

async function newestSource(): Promise<number> {
  const sources = await readdir(join(repoRoot, "src"), { recursive: true });
  const paths = [...sources.map((file) => join(repoRoot, "src", file)), ...BUILD_INPUTS];
  const times = await Promise.all(paths.map(modifiedAt));
  return Math.max(...times.map((time) => time ?? 0));
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function runBuild(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: "inherit" });
    child.once("error", reject);
    child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`npm run build exited with ${code}`))));
  });
}
