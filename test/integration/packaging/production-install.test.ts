// The container image's steps without a Docker engine: the Dockerfile's production-only
// install of package.json and package-lock.json, beside the compiled dist/, in a directory
// of its own, then the Dockerfile's entrypoint started from there.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { copyFile, cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { freeLoopbackPorts } from "../../harness/ports.js";
import { logTail, spawnLogged, waitForHttpReady } from "../../harness/processes.js";
import { repoRoot } from "../../harness/repo.js";

const run = promisify(execFile);
/** Node 24 from the `node` devDependency: the machine's own node is older than the image's. */
const NODE = join(repoRoot, "node_modules", ".bin", "node");

/** Tools that must stay out of the image (the `node` package alone would add a second Node). */
const DEV_ONLY = ["vitest", "typescript", "tsx", "unleash-server", "node"];

const packageJson = z
  .object({ version: z.string(), dependencies: z.record(z.string(), z.string()), devDependencies: z.record(z.string(), z.string()) })
  .parse(JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")));

/** What the Dockerfile runs: its `npm ci --omit=dev ...` step, and its ENTRYPOINT. */
function dockerfileSteps(): { install: string[]; entrypoint: string[] } {
  const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
  const install = /^RUN npm (ci --omit=dev[^&\n]*)/m.exec(dockerfile)?.[1]?.trim().split(/\s+/);
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  if (!install || !entrypoint) throw new Error("the Dockerfile has no `RUN npm ci --omit=dev` step or no exec-form ENTRYPOINT");
  return { install, entrypoint: z.array(z.string()).parse(JSON.parse(entrypoint)) };
}

/** npm's own diagnosis, without the engine warnings and the usage text it appends. */
function npmErrors(stderr: string): string {
  const lines = stderr.split("\n").filter((line) => line.startsWith("npm error") && !line.includes("EBADENGINE"));
  const usage = lines.findIndex((line) => /Usage:|Clean install a project/.test(line));
  return lines.slice(0, usage === -1 ? 20 : usage).join("\n");
}

describe("the production install the image ships", () => {
  const steps = dockerfileSteps();
  let appDir: string;
  /** The entrypoint from the install's directory, with Node 24 standing in for the image's `node`. */
  const start = (args: readonly string[], env: NodeJS.ProcessEnv = process.env) =>
    run(NODE, [...steps.entrypoint.slice(1), ...args], { cwd: appDir, env, timeout: 60_000 });

  beforeAll(async () => {
    appDir = await mkdtemp(join(tmpdir(), "production-install-"));
    await Promise.all(["package.json", "package-lock.json"].map((file) => copyFile(join(repoRoot, file), join(appDir, file))));
    await cp(join(repoRoot, "dist"), join(appDir, "dist"), { recursive: true });
    await run("npm", steps.install, { cwd: appDir, maxBuffer: 16 * 1024 * 1024 }).catch((error: unknown) => {
      throw new Error(`npm ${steps.install.join(" ")} failed:\n${npmErrors((error as { stderr?: string }).stderr ?? String(error))}`);
    });
  }, 300_000);
  afterAll(async () => {
    if (appDir) await rm(appDir, { recursive: true, force: true });
  });

  it("starts with node itself, not npm, which would swallow SIGTERM", () => {
    expect(steps.entrypoint[0]).toBe("node");
  });

  it("holds the production dependencies and no development-only package", () => {
    for (const name of Object.keys(packageJson.dependencies)) expect(existsSync(join(appDir, "node_modules", name)), name).toBe(true);
    for (const name of DEV_ONLY) {
      expect(packageJson.devDependencies, "a devDependency").toHaveProperty([name]);
      expect(existsSync(join(appDir, "node_modules", name)), name).toBe(false);
    }
    // npm's record of what it put on disk: nothing that only development needs.
    const installed = z.object({ packages: z.record(z.string(), z.object({ dev: z.boolean().optional() }).loose()) });
    const lock = installed.parse(JSON.parse(readFileSync(join(appDir, "node_modules", ".package-lock.json"), "utf8")));
    expect(Object.entries(lock.packages).filter(([, entry]) => entry.dev).map(([path]) => path)).toEqual([]);
  });

  it("answers --help and --version", async () => {
    const help = await start(["--help"]);
    expect(help.stdout).toMatch(/^Usage: unleash-accounts-operator/);
    expect(help.stdout).toContain("--kubeconfig");
    const version = await start(["--version"]);
    expect(version.stdout.trim()).toBe(packageJson.version);
  });

  it("refuses to start without a cluster, saying so", async () => {
    const failure = await start([], { PATH: process.env.PATH, HOME: appDir }).then(
      () => undefined,
      (error: unknown) => error as { code?: number; killed?: boolean; stderr?: string },
    );
    expect(failure?.killed).toBe(false);
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("no Kubernetes cluster configured");
  });

  it("stops cleanly on SIGTERM while running against a cluster", async () => {
    const [metricsPort, probePort] = await freeLoopbackPorts(2);
    const logFile = join(appDir, "operator.log");
    const operator = await spawnLogged(
      "production-operator",
      NODE,
      [
        ...steps.entrypoint.slice(1),
        `--kubeconfig=${inject("kubeconfigPath")}`,
        `--namespaces=packaging-${process.pid}`,
        `--metrics-bind-address=127.0.0.1:${metricsPort}`,
        `--health-probe-bind-address=127.0.0.1:${probePort}`,
      ],
      { logFile, cwd: appDir },
    );
    try {
      await waitForHttpReady({ url: `http://127.0.0.1:${probePort}/readyz` }, { timeoutMs: 60_000, process: operator });
      process.kill(operator.pid, "SIGTERM");
      const exit = await Promise.race([operator.exited, sleep(15_000, "still running 15 s after SIGTERM", { ref: false })]);
      expect(exit, logTail(logFile)).toEqual({ code: 0, signal: null });
      expect(readFileSync(logFile, "utf8")).toMatch(/"msg":"stopped"/);
    } finally {
      await operator.stop();
    }
  });
});
