// `npm run demo -- --once` as a user runs it, on both Unleash backends: it proves what the
// operator did, never prints a token, and leaves nothing running.
import { mkdtemp, readFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { spawnLogged, type ManagedProcess } from "../../harness/processes.js";
import { repoRoot } from "../../harness/repo.js";

const started: ManagedProcess[] = [];

async function runDemo(backend: string): Promise<{ exitCode: number | null; output: string }> {
  const logFile = join(await mkdtemp(join(tmpdir(), "demo-")), "demo.log");
  const demo = await spawnLogged("demo", "npm", ["run", "demo", "--", `--unleash=${backend}`, "--once"], { logFile, cwd: repoRoot });
  started.push(demo);
  const { code } = await demo.exited;
  return { exitCode: code, output: await readFile(logFile, "utf8") };
}

/** Whether something still listens at the URL's port. */
function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 2_000 });
    const settle = (listening: boolean) => {
      socket.destroy();
      resolve(listening);
    };
    socket.once("connect", () => settle(true));
    socket.once("error", () => settle(false));
    socket.once("timeout", () => settle(false));
  });
}

describe("npm run demo -- --once", () => {
  afterAll(() => Promise.all(started.map((demo) => demo.stop(30_000))));

  it.each(["emulator", "real"])(
    "on the %s backend: proves the account, its Secret and its token at work, prints no token, and stops everything",
    async (backend) => {
      const { exitCode, output } = await runDemo(backend);
      expect(exitCode, output).toBe(0);

      expect(output).toMatch(/✓ Unleash has service account "checkout-service" \(id \d+, "Checkout service \(team A\)"\) with root role Editor/);
      expect(output).toMatch(/✓ Secret checkout-unleash holds the token of ServiceAccountToken checkout-service-token/);
      expect(output).toMatch(/UNLEASH_API_TOKEN\s+<token: \d+ characters, sha256 [0-9a-f]{12}…, as recorded by the operator>/);
      expect(output).toMatch(/✓ GET \/api\/admin\/user with the Secret's token → 200: "checkout-service", account type Service Account/);
      expect(output).toMatch(/✓ POST \/api\/admin\/projects\/default\/features \{"name":"demo-flag-[0-9a-f]+"\} with the same token → 201 Created/);
      expect(output).toMatch(/✓ Event log \(GET \/api\/admin\/events\): feature-created "demo-flag-[0-9a-f]+", createdBy "checkout-service"/);

      expect(output).not.toMatch(/user:[\w-]{8,}/);
      expect(output).not.toMatch(/\*:\*\.[0-9a-f]{16,}/);

      const kubernetes = /Kubernetes API: (https:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      const unleash = /Unleash: +(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      expect([kubernetes, unleash]).not.toContain(undefined);
      expect(await accepts(kubernetes ?? "")).toBe(false);
      expect(await accepts(unleash ?? "")).toBe(false);
    },
    300_000,
  );
});
