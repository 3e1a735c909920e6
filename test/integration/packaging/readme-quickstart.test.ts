// README's step-by-step quickstart, read from README.md and run as a new user runs it, twice in
// a row, in a fresh copy of the checkout; and the env:up/env:down flags README documents.
// env:up serves the emulator on port 4242 (where examples/ point): no other test may use that
// port, and this one fails at once, saying so, when something else holds it.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { EXAMPLES_UNLEASH } from "../../env/examples.js";
import { environmentStateSchema } from "../../env/local-files.js";
import { kubectl } from "../support/kubectl.js";
import { copyCheckout, killProcessesIn, processesLeftIn } from "./support/checkout.js";
import { quickstartSteps, runInUserShell, type ShellRun } from "./support/readme.js";

const run = promisify(execFile);
// Generous: env:up waits while another process builds the control-plane binaries (one build at a time).
const RUN_TIMEOUT_MS = 10 * 60_000;
const ROUNDS = 2;
/** README's operator stops on `kill %1` within its 20 s drain; env:down waits for the rest. */
const STOP_TIMEOUT_MS = 30_000;
/** Must never be in Kubernetes or Unleash after a plain env:down, must survive env:down --keep. */
const MARKER = "kept-by-env-down";

let checkout = "";

describe("README's quickstart, step by step, as a new user runs it", () => {
  beforeAll(async () => {
    await expectPortFree(EXAMPLES_UNLEASH.port);
    checkout = await copyCheckout("readme-quickstart");
  });

  afterAll(async () => {
    if (checkout === "") return;
    // What a failed run left: env:down first (it stops the environment in order), then the rest.
    await run("npm", ["run", "-s", "env:down"], { cwd: checkout }).catch(() => undefined);
    const survivors = await killProcessesIn(checkout);
    await rm(checkout, { recursive: true, force: true });
    expect(survivors, "processes of the README run that survived SIGKILL").toEqual([]);
  });

  it("brings examples/ to Ready, and does it again after env:down", async () => {
    const steps = quickstartSteps();
    expectTheWholePath(steps);
    for (let round = 1; round <= ROUNDS; round++) {
      const result = await runSteps(steps, `round-${round}`);
      expect(result.exitCode, failure(result)).toBe(0);
      expect(result.output, "env:up says where the emulator is").toContain(`examples/ point at this Unleash (${EXAMPLES_UNLEASH.url}`);
      expect(result.output, "each round starts from nothing").toContain("with a fresh cluster and a fresh Unleash");
      expect(await processesLeftIn(checkout, STOP_TIMEOUT_MS), "README's steps leave nothing running").toEqual([]);
      expect(existsSync(localFile("control-plane")), "env:down deletes the cluster's state").toBe(false);
      expect(existsSync(localFile("unleash-emulator-state.json")), "env:down deletes Unleash's state").toBe(false);
    }
  }, ROUNDS * RUN_TIMEOUT_MS);

  it.each(["env:up", "env:down"])("npm run %s refuses a flag it does not know, and starts or stops nothing", async (script) => {
    const wasRunning = existsSync(localFile("state.json"));
    const refused = await run("npm", ["run", "-s", script, "--", "--no-such-flag"], { cwd: checkout }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${script}: Unknown option '--no-such-flag'`);
    expect(refused.stderr).toContain(`Usage: npm run ${script}`);
    expect(existsSync(localFile("state.json"))).toBe(wasRunning);
  });

  it("env:down --keep keeps the cluster and Unleash for the next env:up; a plain env:down deletes both", async () => {
    await expectPortFree(EXAMPLES_UNLEASH.port);
    await expectCommand("npm run env:up", "with a fresh cluster and a fresh Unleash");
    await kubectl(localFile("kubeconfig"), ["create", "namespace", MARKER]);
    await createServiceAccount(MARKER);

    await expectCommand("npm run env:down -- --keep", "kept in .local/");
    await expectCommand("npm run env:up", "up, resumed");
    expect(await namespaceExists(MARKER), "the kept cluster's namespace").toBe(true);
    expect(await serviceAccountNames(), "the kept emulator's account").toContain(MARKER);

    await expectCommand("npm run env:down", "deleted");
    await expectCommand("npm run env:up", "with a fresh cluster and a fresh Unleash");
    expect(await namespaceExists(MARKER)).toBe(false);
    expect(await serviceAccountNames()).not.toContain(MARKER);
    await expectCommand("npm run env:down", "deleted");
  }, RUN_TIMEOUT_MS);
});

async function expectPortFree(port: number): Promise<void> {
  const server = createServer();
  const listening = await new Promise<boolean>((resolve) => {
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => resolve(true));
  });
  if (!listening) {
    throw new Error(
      `port ${port} is in use: README's env:up serves the emulator there, where examples/ point, and this test checks that it does. Stop what listens on ${port} (\`npm run env:down\` if it is an env:up of your own) and run it again.`,
    );
  }
  await new Promise((resolve) => server.close(resolve));
}

/** README must keep the steps that prove the path; a README without them would pass for nothing. */
function expectTheWholePath(steps: readonly string[]): void {
  for (const step of [/^npm run env:up\b/, /^source \.local\/env\b/, /npm start &/, /^kubectl apply -f examples\//, /^kubectl wait /, /^npm run env:down\b/]) {
    expect(steps.some((line) => step.test(line)), `README's step-by-step quickstart has a line matching ${step}`).toBe(true);
  }
}

function runSteps(steps: readonly string[], name: string): Promise<ShellRun> {
  // In the run's log directory, which the global teardown scans for credentials.
  return runInUserShell(checkout, steps, { logFile: join(inject("operatorLogDir"), `readme-quickstart-${name}.log`), timeoutMs: RUN_TIMEOUT_MS });
}

async function expectCommand(command: string, says: string): Promise<void> {
  const result = await runSteps([command], command.replace(/\W+/g, "-"));
  expect(result.exitCode, failure(result)).toBe(0);
  expect(result.output).toContain(says);
}

function failure(result: ShellRun): string {
  const tail = result.output.trimEnd().split("\n").slice(-60).join("\n");
  return result.exitCode === null ? `stopped after ${RUN_TIMEOUT_MS} ms:\n${tail}` : `exit code ${result.exitCode}:\n${tail}`;
}

function localFile(name: string): string {
  return join(checkout, ".local", name);
}

async function namespaceExists(name: string): Promise<boolean> {
  const names = await kubectl(localFile("kubeconfig"), ["get", "namespaces", "-o", "name"]);
  return names.split("\n").includes(`namespace/${name}`);
}

/** The running Unleash's admin API, as `source .local/env` would give it to a shell. */
async function unleashAdmin(path: string, init: RequestInit = {}): Promise<unknown> {
  const { unleash } = environmentStateSchema.parse(JSON.parse(readFileSync(localFile("state.json"), "utf8")));
  const token = readFileSync(localFile("unleash-admin-token"), "utf8").trim();
  const response = await fetch(`${unleash.url}${path}`, { ...init, headers: { authorization: token, "content-type": "application/json" } });
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${response.status}`);
  return response.json();
}

const serviceAccountListSchema = z.object({
  serviceAccounts: z.array(z.object({ username: z.string().nullish() })),
  rootRoles: z.array(z.object({ id: z.number(), name: z.string() })),
});

async function serviceAccountNames(): Promise<Array<string | null | undefined>> {
  return serviceAccountListSchema.parse(await unleashAdmin("/api/admin/service-account")).serviceAccounts.map((account) => account.username);
}

async function createServiceAccount(username: string): Promise<void> {
  const { rootRoles } = serviceAccountListSchema.parse(await unleashAdmin("/api/admin/service-account"));
  const viewer = rootRoles.find((role) => role.name === "Viewer");
  if (viewer === undefined) throw new Error("Unleash lists no Viewer root role");
  await unleashAdmin("/api/admin/service-account", { method: "POST", body: JSON.stringify({ username, name: username, rootRole: viewer.id }) });
}
