import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accountWithToken, call, emulatorForTest } from "./support.js";

const HOUR = 60 * 60 * 1000;
const patsSchema = z.object({ pats: z.array(z.object({ expiryWarning: z.string().optional() })) });

describe("emulator clock", () => {
  it("makes a token expire when the clock moves past its expiry", async () => {
    const { emulator, control } = await emulatorForTest();
    const expiresAt = new Date(Date.now() + HOUR).toISOString();
    const { id, secret } = await accountWithToken(emulator, "short-lived", 1, expiresAt);
    expect((await call(emulator, "GET", "/api/admin/user", { token: secret })).status).toBe(200);
    await control.advanceClock(2 * HOUR);
    const reply = await call(emulator, "GET", "/api/admin/user", { token: secret });
    expect(reply.status).toBe(401);
    expect(reply.json).toMatchObject({ name: "UnauthorizedError" });
    const pats = patsSchema.parse((await call(emulator, "GET", `/api/admin/service-account/${id}/token`)).json).pats;
    expect(pats.map((pat) => pat.expiryWarning)).toEqual(["expired"]);
  });

  it("judges expiry dates by the injected clock", async () => {
    const start = Date.parse("2030-06-01T00:00:00.000Z");
    const { emulator } = await emulatorForTest({ now: () => start });
    const account = await call(emulator, "POST", "/api/admin/service-account", {
      body: { username: "clocked", name: "Clocked", rootRole: 1 },
    });
    const id = z.object({ id: z.number() }).parse(account.json).id;
    const tokenPath = `/api/admin/service-account/${id}/token`;
    const yesterday = { description: "a", expiresAt: "2030-05-31T00:00:00.000Z" };
    const tomorrow = { description: "b", expiresAt: "2030-06-02T00:00:00.000Z" };
    const before = await call(emulator, "POST", tokenPath, { body: yesterday });
    expect(before.status).toBe(400);
    const after = await call(emulator, "POST", tokenPath, { body: tomorrow });
    expect(after.status).toBe(201);
    expect(after.json).toMatchObject({ createdAt: "2030-06-01T00:00:00.000Z" });
  });
});
