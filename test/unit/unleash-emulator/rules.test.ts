// Where the contract allows two behaviours, the emulator picks one; these tests pin that choice.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accountWithToken, call, emulatorForTest, idOf } from "./support.js";

const eventsSchema = z.object({
  totalEvents: z.number(),
  events: z.array(z.object({ featureName: z.string().nullable() })),
});

describe("emulator rules", () => {
  it("answers 409 NameExistsError for a username held by the seeded human or an account", async () => {
    const { emulator } = await emulatorForTest();
    await accountWithToken(emulator, "taken");
    for (const username of ["alice", "taken"]) {
      const body = { username, name: "x", rootRole: 3 };
      const reply = await call(emulator, "POST", "/api/admin/service-account", { body });
      expect(reply.status).toBe(409);
      expect(reply.json).toMatchObject({ name: "NameExistsError", message: "User already exists" });
    }
  });

  it("issues tokens as user: and 56 hex characters, and answers 404 No PAT found. for an unknown token", async () => {
    const { emulator } = await emulatorForTest();
    const { id, secret } = await accountWithToken(emulator, "format");
    expect(secret).toMatch(/^user:[0-9a-f]{56}$/);
    const reply = await call(emulator, "DELETE", `/api/admin/service-account/${id}/token/999`);
    expect(reply.status).toBe(404);
    expect(reply.json).toMatchObject({ name: "NotFoundError", message: "No PAT found." });
  });

  it("draws account and token ids from global sequences that never reuse an id", async () => {
    const { emulator } = await emulatorForTest();
    const first = await accountWithToken(emulator, "first");
    await call(emulator, "DELETE", `/api/admin/service-account/${first.id}/token/${first.tokenId}`);
    await call(emulator, "DELETE", `/api/admin/service-account/${first.id}`);
    const second = await accountWithToken(emulator, "first");
    expect([second.id, second.tokenId]).toEqual([first.id + 1, first.tokenId + 1]);
  });

  it("shows deleted accounts and tokens in its state, with secrets only hashed", async () => {
    const { emulator, control } = await emulatorForTest();
    const { id, tokenId, secret } = await accountWithToken(emulator, "observed");
    await call(emulator, "DELETE", `/api/admin/service-account/${id}/token/${tokenId}`);
    await call(emulator, "DELETE", `/api/admin/service-account/${id}`);
    const state = await control.state();
    expect(state.users.find((user) => user.id === id)?.deletedAt).not.toBeNull();
    expect(state.tokens.find((token) => token.id === tokenId)?.deletedAt).not.toBeNull();
    expect(state.tokens.find((token) => token.id === tokenId)?.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(state)).not.toContain(secret);
  });

  it("converts scalars to the declared type and reports the first missing field, as Unleash's validator", async () => {
    const { emulator } = await emulatorForTest();
    const coerced = await call(emulator, "POST", "/api/admin/service-account", {
      body: { username: 42, name: "Coerced", rootRole: "2" },
    });
    expect(coerced.status).toBe(201);
    expect(coerced.json).toMatchObject({ username: "42", rootRole: 2 });
    const missing = await call(emulator, "POST", "/api/admin/service-account", { body: { username: {} } });
    expect(missing.json).toMatchObject({
      details: [{ path: "/body/name", message: "The `/body/name` property is required. It was not present on the data you sent." }],
    });
  });

  it("refuses a feature name that is not URL friendly, with Unleash's Joi message", async () => {
    const { emulator } = await emulatorForTest();
    const reply = await call(emulator, "POST", "/api/admin/projects/default/features", { body: { name: "a b" } });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ details: [{ message: '"name" must be URL friendly. You provided "a b".' }] });
  });

  it("answers 400 with a /params path for an id that is not a number", async () => {
    const { emulator } = await emulatorForTest();
    const reply = await call(emulator, "GET", "/api/admin/service-account/abc/token");
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ name: "BadDataError", details: [{ path: "/params/id" }] });
  });

  it("lists the newest 100 events first, with the total count", async () => {
    const { emulator } = await emulatorForTest();
    for (let index = 1; index <= 101; index++) {
      await call(emulator, "POST", "/api/admin/projects/default/features", { body: { name: `f${index}` } });
    }
    const { events, totalEvents } = eventsSchema.parse((await call(emulator, "GET", "/api/admin/events")).json);
    expect(totalEvents).toBe(101);
    expect(events).toHaveLength(100);
    expect(events[0]?.featureName).toBe("f101");
  });

  it("identifies the admin token as the admin user and attributes its changes to it", async () => {
    const { emulator } = await emulatorForTest();
    const me = await call(emulator, "GET", "/api/admin/user");
    expect(me.json).toMatchObject({ user: { username: "admin" }, permissions: [{ permission: "ADMIN" }] });
    expect(me.text).not.toContain(emulator.adminToken);
    const body = { username: "a", name: "a", rootRole: 3 };
    const created = await call(emulator, "POST", "/api/admin/service-account", { body });
    const events = await call(emulator, "GET", "/api/admin/events");
    const expected = { type: "service-account-created", createdBy: "admin", data: { id: idOf(created.json) } };
    expect(events.json).toMatchObject({ events: [expected] });
  });
});
