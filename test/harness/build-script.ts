import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { repoRoot } from "./repo.js";

/**
 * Runs one of hack/build-*.sh, which reuses its cache or builds from the Go module proxy,
 * and resolves to the last line it prints (a path). Its progress goes to stderr, which stays
 * visible: a cold build takes minutes.
 */
export function runBuildScript(script: string): Promise<string> {
  return new Promise((resolvePath, reject) => {
    const child = spawn("bash", [resolve(repoRoot, script)], { cwd: repoRoot, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.once("error", reject);
    child.once("close", (code) => {
      const path = stdout.trimEnd().split("\n").pop()?.trim() ?? "";
      if (code === 0 && path !== "") resolvePath(path);
      else reject(new Error(`${script} exited with ${code}${path === "" ? " and printed no path" : ""}`));
    });
  });
}
