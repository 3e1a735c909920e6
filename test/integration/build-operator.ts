// Integration tests run the operator exactly as it ships: the compiled dist/main.js as a process.
import { execFileSync } from "node:child_process";
import { repoRoot } from "../harness/repo.js";

export default function setup(): void {
  execFileSync("npm", ["run", "-s", "build"], { cwd: repoRoot, stdio: "inherit" });
}
