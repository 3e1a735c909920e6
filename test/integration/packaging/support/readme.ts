// README's step-by-step quickstart as its reader runs it: the commands are read from README.md
// itself, so a README that stops working fails the test that runs it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { shellQuote } from "../../../env/local-files.js";
import { freeLoopbackPorts } from "../../../harness/ports.js";
import { spawnLogged } from "../../../harness/processes.js";
import { repoRoot } from "../../../harness/repo.js";

const QUICKSTART_HEADING = /^## Quickstart\b/;
const SHELL_FENCE = /^```(sh|bash|shell)\s*$/;
/** The block of the quickstart that is the step-by-step path: the one that starts the environment. */
const STEP_BY_STEP = /^npm run env:up\b/;

/** The lines of the step-by-step block of README's quickstart section, as written. */
export function quickstartSteps(readme = readFileSync(join(repoRoot, "README.md"), "utf8")): string[] {
  const blocks = fencedShellBlocks(sectionLines(readme, QUICKSTART_HEADING)).filter((block) => block.some((line) => STEP_BY_STEP.test(line)));
  const [steps] = blocks;
  if (steps === undefined || blocks.length !== 1) {
    throw new Error(`README's quickstart has ${blocks.length} shell blocks that run npm run env:up; expected exactly one`);
  }
  return steps;
}

/** The lines under the first heading that matches, up to the next heading of its level. */
function sectionLines(markdown: string, heading: RegExp): string[] {
  const lines = markdown.split("\n");
  const start = lines.findIndex((line) => heading.test(line));
  if (start < 0) throw new Error(`README has no heading matching ${heading}`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The non-blank lines of each ```sh (or bash, shell) block. */
function fencedShellBlocks(lines: readonly string[]): string[][] {
  const blocks: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (current === undefined) {
      if (SHELL_FENCE.test(line)) current = [];
    } else if (line.startsWith("```")) {
      blocks.push(current);
      current = undefined;
    } else if (line.trim() !== "") {
      current.push(line);
    }
  }
  return blocks;
}

export interface ShellRun {
  /** null when it was stopped at the deadline. */
  exitCode: number | null;
  /** Everything the shell and the commands printed, each command after a `+ <command>` line. */
  output: string;
}

/** Runs the commands one after the other in one shell in dir, as a reader types them into theirs. */
export async function runInUserShell(dir: string, commands: readonly string[], options: { logFile: string; timeoutMs: number }): Promise<ShellRun> {
  const shell = await spawnLogged("user shell", "bash", ["-c", userScript(commands)], { logFile: options.logFile, cwd: dir, env: await userEnvironment() });
  const outcome = await Promise.race([shell.exited, sleep(options.timeoutMs, undefined, { ref: false })]);
  if (outcome === undefined) await shell.stop();
  return { exitCode: outcome?.code ?? null, output: readFileSync(options.logFile, "utf8") };
}

function userScript(commands: readonly string[]): string {
  // Stop at the first command that fails, as a reader would. -m: job control, which every
  // interactive shell has; without it `kill %1` would end only the job's subshell, not the
  // operator it started. The command is echoed, not traced (-x would print the admin token
  // as `source .local/env` sets it).
  const echoed = commands.flatMap((command) => [`printf '+ %s\\n' ${shellQuote(command)}`, command]);
  return ["set -euo pipefail -m", ...echoed].join("\n");
}

/**
 * This environment without a cluster or Unleash of its own (README's commands set them), and with
 * the operator's ports chosen through its documented environment variables: the defaults (:8080,
 * :8081) may be taken on a machine that runs other tests at the same time.
 */
async function userEnvironment(): Promise<NodeJS.ProcessEnv> {
  const [metrics, probes] = await freeLoopbackPorts(2);
  const inherited = Object.entries(process.env).filter(([name]) => !["KUBECONFIG", "UNLEASH_URL", "UNLEASH_ADMIN_TOKEN", "UNLEASH_EMULATOR_CONTROL_URL"].includes(name));
  return {
    ...Object.fromEntries(inherited),
    UNLEASH_OPERATOR_METRICS_BIND_ADDRESS: `127.0.0.1:${metrics}`,
    UNLEASH_OPERATOR_HEALTH_PROBE_BIND_ADDRESS: `127.0.0.1:${probes}`,
  };
}
