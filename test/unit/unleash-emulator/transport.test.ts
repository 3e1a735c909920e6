import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorControl } from "../../unleash-emulator/control-client.js";
import { call, emulatorForTest } from "./support.js";

const run = promisify(execFile);

describe("emulator over HTTPS", () => {
  let dir = "";
  let tls = { cert: "", key: "" };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "unleash-emulator-tls-"));
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    await run("openssl", [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert,
    ]);
    tls = { cert: await readFile(cert, "utf8"), key: await readFile(key, "utf8") };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the API and the control API with the given certificate", async () => {
    const { emulator } = await emulatorForTest({ tls });
    expect(emulator.url.startsWith("https://127.0.0.1:")).toBe(true);
    const trusting = new Agent({ connect: { ca: tls.cert } });
    try {
      const reply = await call(emulator, "GET", "/api/admin/service-account", { dispatcher: trusting });
      expect(reply.status).toBe(200);
      expect(await new EmulatorControl(emulator.controlUrl, trusting).calls()).toEqual({
        "GET /api/admin/service-account": 1,
      });
      await expect(call(emulator, "GET", "/api/admin/service-account")).rejects.toThrow();
    } finally {
      await trusting.close();
    }
  });
});

describe("emulator base path", () => {
  it("serves the API below the base path and the control API at the origin", async () => {
    const { emulator, control } = await emulatorForTest({ basePath: "/unleash/" });
    expect(new URL(emulator.url).pathname).toBe("/unleash");
    expect(new URL(emulator.controlUrl).pathname).toBe("/_emulator");
    expect((await call(emulator, "GET", "/api/admin/service-account")).status).toBe(200);
    const origin = { ...emulator, url: new URL(emulator.url).origin };
    expect((await call(origin, "GET", "/api/admin/service-account")).status).toBe(404);
    expect(await control.calls()).toEqual({
      "GET /api/admin/service-account": 1,
      "GET /api/admin/service-account (outside base path /unleash)": 1,
    });
  });
});
