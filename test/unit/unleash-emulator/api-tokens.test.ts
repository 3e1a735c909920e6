// What the contract suite cannot see through the API: the emulator's SDK-token state and state
// file, its controls (token format, revocation delay, environments), the counters of the new
// routes, and what deleting a project does to the tokens scoped to it.
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { RunningEmulator } from "../../unleash-emulator/index.js";
import { call, emulatorForTest, temporaryDirectoryPerTest } from "./support.js";

const createdSchema = z.object({ secret: z.string(), tokenName: z.string(), projects: z.array(z.string()) });
const listSchema = z.object({ tokens: z.array(z.object({ secret: z.string(), tokenName: z.string(), projects: z.array(z.string()) })) });
const eventsSchema = z.object({ events: z.array(z.object({ type: z.string(), environment: z.string().nullable(), project: z.string().nullable() })) });

function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

async function createToken(emulator: RunningEmulator, body: Record<string, unknown>) {
  const reply = await call(emulator, "POST", "/api/admin/api-tokens", { body: { type: "backend", ...body } });
  expect(reply.status).toBe(201);
  return createdSchema.parse(reply.json);
}

async function listed(emulator: RunningEmulator) {
  return listSchema.parse((await call(emulator, "GET", "/api/admin/api-tokens")).json).tokens;
}

const features = (emulator: RunningEmulator, token: string) => call(emulator, "GET", "/api/client/features", { token });

describe("emulator SDK API tokens", () => {
  const dir = temporaryDirectoryPerTest("unleash-emulator-api-tokens-");

  it("keeps both formats across a restart: a v1 token listed with its secret, a v2 token by selector, both working", async () => {
    const stateFile = join(dir(), "state.json");
    const first = await emulatorForTest({ stateFile });
    const v1 = await createToken(first.emulator, { tokenName: "kept-v1" });
    await first.control.setTokenFormat("v2");
    const v2 = await createToken(first.emulator, { tokenName: "kept-v2" });
    await first.emulator.stop();

    const saved = await readFile(stateFile, "utf8");
    // Unleash stores v1 secrets in plaintext (they are the identifier the list shows); v2 only a hash.
    expect([saved.includes(v1.secret), saved.includes(v2.secret)]).toEqual([true, false]);
    const second = await emulatorForTest({ stateFile });
    const tokens = await listed(second.emulator);
    expect(tokens.map((token) => token.tokenName)).toEqual(["admin", "kept-v1", "kept-v2"]);
    expect(digest(tokens[1]?.secret ?? "")).toBe(digest(v1.secret));
    expect(v2.secret.includes(`.v2_${tokens[2]?.secret}_`)).toBe(true);
    expect([(await features(second.emulator, v1.secret)).status, (await features(second.emulator, v2.secret)).status]).toEqual([200, 200]);
  });

  it("shows every SDK token in state() by its hash only", async () => {
    const { emulator, control } = await emulatorForTest({ tokenFormat: "v2" });
    const v2 = await createToken(emulator, { tokenName: "v2" });
    await control.setTokenFormat("v1");
    const v1 = await createToken(emulator, { tokenName: "v1" });
    const state = await control.state();
    const text = JSON.stringify(state);
    expect([text.includes(v1.secret), text.includes(v2.secret)]).toEqual([false, false]);
    expect(state.apiTokens.map((token) => [token.format, token.secretHash])).toEqual([
      ["v2", digest(v2.secret)],
      ["v1", digest(v1.secret)],
    ]);
  });

  it("takes the token format and the revocation delay as start options", async () => {
    const { emulator, control } = await emulatorForTest({ tokenFormat: "v2", revocationDelayMs: 5_000 });
    const [deleted, expiring] = [await createToken(emulator, { tokenName: "deleted" }), await createToken(emulator, { tokenName: "expiring" })];
    expect(deleted.secret.includes(".v2_")).toBe(true);
    const selector = (await listed(emulator)).find((token) => token.tokenName === "expiring")?.secret ?? "";
    await call(emulator, "DELETE", `/api/admin/api-tokens/${encodeURIComponent(deleted.secret)}`);
    await call(emulator, "PUT", `/api/admin/api-tokens/${selector}`, { body: { expiresAt: "2001-01-01T00:00:00Z" } });
    // v2: the DELETE counts at once; the PUT waits for the delay, as the server's cache makes it.
    expect([(await features(emulator, deleted.secret)).status, (await features(emulator, expiring.secret)).status]).toEqual([401, 200]);
    await control.advanceClock(5_000);
    expect((await features(emulator, expiring.secret)).status).toBe(401);
  });

  it("creates environments through the control API: tokens may name one, a taken name is refused", async () => {
    const { emulator, control } = await emulatorForTest();
    expect((await call(emulator, "POST", "/api/admin/api-tokens", { body: { tokenName: "early", type: "backend", environment: "staging" } })).status).toBe(400);
    await control.createEnvironment({ name: "staging" });
    await expect(control.createEnvironment({ name: "production" })).rejects.toThrow(/409/);
    await expect(control.createEnvironment({ name: "not url friendly" })).rejects.toThrow(/400/);
    const token = await createToken(emulator, { tokenName: "staged", environment: "staging" });
    expect((await features(emulator, token.secret)).status).toBe(200);
    expect((await control.state()).environments).toContainEqual({ name: "staging", type: "test", enabled: true });
  });

  it("deletes the tokens scoped to a deleted project alone, and drops it from the others", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.createProject({ id: "team-a" });
    const alone = await createToken(emulator, { tokenName: "alone", projects: ["team-a"] });
    await createToken(emulator, { tokenName: "shared", projects: ["team-a", "default"] });
    await control.deleteProject("team-a");
    const tokens = await listed(emulator);
    expect(tokens.map((token) => [token.tokenName, token.projects])).toEqual([
      ["admin", ["*"]],
      ["shared", ["default"]],
    ]);
    expect((await features(emulator, alone.secret)).status).toBe(401);
  });

  it("records api-token events with the token's scope and without its secret", async () => {
    const { emulator } = await emulatorForTest();
    const token = await createToken(emulator, { tokenName: "audited", environment: "production", projects: ["default"] });
    const path = `/api/admin/api-tokens/${encodeURIComponent(token.secret)}`;
    await call(emulator, "PUT", path, { body: { expiresAt: "2048-01-01T00:00:00Z" } });
    await call(emulator, "DELETE", path);
    const reply = await call(emulator, "GET", "/api/admin/events");
    expect(reply.text.includes(token.secret)).toBe(false);
    const events = eventsSchema.parse(reply.json).events.slice(0, 3);
    expect(events).toEqual([
      { type: "api-token-deleted", environment: "production", project: "default" },
      { type: "api-token-updated", environment: "production", project: "default" },
      { type: "api-token-created", environment: "production", project: "default" },
    ].map((event) => expect.objectContaining(event)));
  });

  it("counts the API-token, flag-environment and SDK routes under their templates", async () => {
    const { emulator, control } = await emulatorForTest();
    const backend = await createToken(emulator, { tokenName: "counted" });
    const frontend = await createToken(emulator, { tokenName: "counted-frontend", type: "frontend" });
    await call(emulator, "POST", "/api/admin/projects/default/features", { body: { name: "counted-flag" } });
    await control.resetCalls();
    const path = `/api/admin/api-tokens/${encodeURIComponent(backend.secret)}`;
    await call(emulator, "GET", "/api/admin/api-tokens");
    await call(emulator, "GET", "/api/admin/api-tokens/counted");
    await call(emulator, "PUT", path, { body: { expiresAt: "2048-01-01T00:00:00Z" } });
    await call(emulator, "POST", "/api/admin/projects/default/features/counted-flag/environments/development/on");
    await call(emulator, "POST", "/api/admin/projects/default/features/counted-flag/environments/development/off");
    await features(emulator, backend.secret);
    await call(emulator, "GET", "/api/frontend", { token: frontend.secret });
    await call(emulator, "GET", "/api/frontend", { token: "default:development.unknown" });
    await call(emulator, "DELETE", path);
    expect(await control.calls()).toEqual({
      "GET /api/admin/api-tokens": 1,
      "GET /api/admin/api-tokens/:name": 1,
      "PUT /api/admin/api-tokens/:token": 1,
      "DELETE /api/admin/api-tokens/:token": 1,
      "POST /api/admin/projects/:projectId/features/:featureName/environments/:environment/on": 1,
      "POST /api/admin/projects/:projectId/features/:featureName/environments/:environment/off": 1,
      "GET /api/client/features": 1,
      "GET /api/frontend": 2,
    });
  });

  it("loads a state file written before SDK tokens existed with development and production and no token", async () => {
    const stateFile = join(dir(), "state.json");
    const first = await emulatorForTest({ stateFile });
    await call(first.emulator, "POST", "/api/admin/projects/default/features", { body: { name: "older-flag" } });
    await first.emulator.stop();
    const saved = z.object({ features: z.array(z.record(z.string(), z.unknown())) }).loose().parse(JSON.parse(await readFile(stateFile, "utf8")));
    const { environments: _environments, apiTokens: _tokens, ...older } = saved;
    const olderFeatures = older.features.map(({ environments: _flagEnvironments, ...feature }) => feature);
    await writeFile(stateFile, JSON.stringify({ ...older, features: olderFeatures }));

    const second = await emulatorForTest({ stateFile });
    const state = await second.control.state();
    expect(state.environments.map((environment) => environment.name)).toEqual(["development", "production"]);
    expect(state.apiTokens).toEqual([]);
    const reply = await call(second.emulator, "POST", "/api/admin/projects/default/features/older-flag/environments/production/on");
    expect(reply.status).toBe(200);
  });
});
