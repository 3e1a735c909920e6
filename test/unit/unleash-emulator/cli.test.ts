import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fetch } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";

const CLI = join(import.meta.dirname, "../../unleash-emulator/cli.ts");
const announcementSchema = z.object({ url: z.string(), controlUrl: z.string(), pid: z.number().int() });

describe("emulator CLI", () => {
  let child: ChildProcess | undefined;
  let dir = "";

  afterEach(async () => {
    // The CLI runs in its own process group; kill the group if a test left it running.
    const running = child?.exitCode === null && child.signalCode === null;
    if (running && child?.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  // Starting tsx in a fresh process can be slow on a busy machine.
  const slowStart = { timeout: 60_000 };
  it("announces itself in one JSON line, serves the API, prints no secret, stops on SIGTERM", slowStart, async () => {
    dir = await mkdtemp(join(tmpdir(), "unleash-emulator-cli-"));
    const token = "*:*.cli-secret-admin-token";
    const stateFile = join(dir, "state.json");
    const args = ["--import", "tsx", CLI, "--port", "0", "--admin-token", token, "--state-file", stateFile, "--token-format", "v2"];
    const started = spawn(process.execPath, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    let output = "";
    started.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    started.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const [firstLine] = (await once(createInterface({ input: started.stdout ?? process.stdin }), "line")) as [string];
    const announced = announcementSchema.parse(JSON.parse(firstLine));
    expect(announced.pid).toBe(started.pid);

    const reply = await fetch(`${announced.url}/api/admin/service-account`, { headers: { authorization: token } });
    expect(reply.status).toBe(200);
    await reply.arrayBuffer();
    const created = await fetch(`${announced.url}/api/admin/api-tokens`, {
      method: "POST",
      headers: { authorization: token, "content-type": "application/json" },
      body: JSON.stringify({ tokenName: "cli", type: "backend" }),
    });
    // --token-format v2: the secret has the v2 shape (checked as a boolean, never printed).
    expect(z.object({ secret: z.string() }).parse(await created.json()).secret.includes(".v2_")).toBe(true);

    const exited = once(started, "exit");
    started.kill("SIGTERM");
    const [code] = await exited;
    expect(code).toBe(0);
    expect(output.trim()).toBe(firstLine);
    expect(output).not.toContain(token);
  });
});
