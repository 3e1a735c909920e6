import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accountWithToken, call, emulatorForTest, idOf } from "./support.js";

describe("emulator state file", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "unleash-emulator-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps accounts, tokens and id sequences across a restart, and never stores a secret", async () => {
    const stateFile = join(dir, "nested", "state.json");
    const first = await emulatorForTest({ stateFile });
    const kept = await accountWithToken(first.emulator, "kept");
    const gone = await accountWithToken(first.emulator, "gone");
    await call(first.emulator, "DELETE", `/api/admin/service-account/${gone.id}`);
    await first.emulator.stop();

    const saved = await readFile(stateFile, "utf8");
    for (const secret of [kept.secret, gone.secret]) expect(saved).not.toContain(secret);

    const second = await emulatorForTest({ stateFile });
    expect((await call(second.emulator, "GET", "/api/admin/user", { token: kept.secret })).status).toBe(200);
    expect((await call(second.emulator, "GET", "/api/admin/user", { token: gone.secret })).status).toBe(401);
    const next = await call(second.emulator, "POST", "/api/admin/service-account", {
      body: { username: "gone", name: "Gone again", rootRole: 3 },
    });
    expect(next.status).toBe(201);
    expect(idOf(next.json)).toBe(gone.id + 1);
  });

  it("refuses to start on a state file that is not emulator state", async () => {
    const stateFile = join(dir, "state.json");
    await writeFile(stateFile, '{"version": 99}');
    await expect(emulatorForTest({ stateFile })).rejects.toThrow();
  });
});
