// The SDK API-token part of the contract (/work/shared/docs/unleash-api-tokens.md) as a suite that
// speaks plain HTTP, run against the emulator and against the real open-source server, once per
// token format: v1 (the default: the secret is the identifier and the list shows it) and v2 (the
// server's `secureTokenStorage` flag: the list shows a selector). It also proves what a workload
// sees with such a token on the SDK routes. Token values never reach the test output: secrets are
// compared by digest or as booleans, and stripped from anything an assertion could print.
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually } from "../harness/eventually.js";
import { request, type Reply, type RequestOptions } from "./http.js";

export type TokenFormat = "v1" | "v2";

/** The emulator's switch for the server's token cache, and its clock; the real server has neither. */
export interface RevocationDelaySwitch {
  set(ms: number): Promise<void>;
  advanceClock(ms: number): Promise<void>;
}

export interface ApiTokenBackend {
  url: string;
  adminToken: string;
  /** A project besides `default` (open source has no route to create one: the real server is seeded with it). */
  otherProject: string;
  /** Only where the delay is a switch: the real server's is its token cache, rebuilt every 60 s for v1. */
  revocationDelay?: RevocationDelaySwitch;
  stop(): Promise<void>;
}

const PATH = "/api/admin/api-tokens";
const FUTURE = "2048-01-01T00:00:00.000Z";
const PAST = "2001-01-01T00:00:00.000Z";
const UNKNOWN_TOKEN = "default:development.00000000000000000000000000000000000000000000000000000000";
/** The v1 cache is rebuilt every 60 s, with no jitter and no knob (schedule-services.js); plus a margin. */
const V1_REVOCATION_DEADLINE_MS = 70_000;
/** The real server's SDK views follow a change within about a second (revision polling); the emulator's at once. */
const SDK_VIEW_DEADLINE_MS = 15_000;
const TOKEN_TYPE_ERROR = "invalid token: expected a different token type for this endpoint";
const NO_TOKEN_ERROR =
  "This endpoint requires an API token. Please add an authorization header to your request with a valid token";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const tokenFields = {
  secret: z.string(),
  tokenName: z.string(),
  type: z.string(),
  environment: z.string(),
  projects: z.array(z.string()),
  project: z.string(),
  createdAt: isoDate,
  secure: z.boolean(),
  alias: z.null().optional(),
};
const createdSchema = z.object({ ...tokenFields, expiresAt: isoDate.optional() });
const listedSchema = z.object({ ...tokenFields, expiresAt: isoDate.nullish(), seenAt: isoDate.nullish() });
const listSchema = z.object({ tokens: z.array(listedSchema) });
const errorSchema = z.object({
  name: z.string(),
  message: z.string(),
  details: z.array(z.object({ message: z.string(), path: z.string().optional() })),
  permissions: z.array(z.string()).optional(),
});
const sdkErrorSchema = z.object({ message: z.string() });
const strategySchema = z.object({ name: z.string() });
const clientFeaturesSchema = z.object({
  version: z.literal(2),
  features: z.array(z.object({ name: z.string(), enabled: z.boolean(), project: z.string(), strategies: z.array(strategySchema) })),
  query: z.object({ environment: z.string(), project: z.array(z.string()).optional() }),
});
const frontendSchema = z.object({ toggles: z.array(z.object({ name: z.string(), enabled: z.boolean() })) });
const rolesSchema = z.object({ roles: z.array(z.object({ id: z.number().int(), name: z.string(), type: z.string() })) });
const createdIdSchema = z.object({ id: z.number().int() });

type Created = z.infer<typeof createdSchema>;
type Listed = z.infer<typeof listedSchema>;

const V1_SECRET = /^([^:]+:[^.]+)\.[0-9a-f]{56}$/;
const V2_SECRET = /^([^:]+:[^.]+)\.v2_([A-Za-z0-9_-]{22})_[A-Za-z0-9_-]{43}$/;

/** Compared instead of secrets, so a failing assertion shows a digest. */
function digest(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** What a secret shows without being shown: its format and the scope in front of it. */
function secretShape(secret: string): { format: TokenFormat | "neither"; scope?: string } {
  const v2 = V2_SECRET.exec(secret);
  if (v2 !== null) return { format: "v2", scope: v2[1] ?? "" };
  const v1 = V1_SECRET.exec(secret);
  return v1 === null ? { format: "neither" } : { format: "v1", scope: v1[1] ?? "" };
}

/** A token as an assertion may print it. */
function visible(token: Created | Listed): Omit<Created | Listed, "secret"> {
  const { secret: _secret, ...rest } = token;
  return rest;
}

/** The part of a feature view that a test's own flags decide: name → "on|off:strategy names". */
function summary(features: readonly { name: string; enabled: boolean; strategies: readonly { name: string }[] }[], own: readonly string[]) {
  const entries = features
    .filter((feature) => own.includes(feature.name))
    .map((feature) => [feature.name, `${feature.enabled ? "on" : "off"}:${feature.strategies.map((strategy) => strategy.name).join(",")}`]);
  return Object.fromEntries(entries);
}

export interface ApiTokenContractOptions {
  /**
   * Whether the backend's revocation delay is a switch (ApiTokenBackend.revocationDelay). The real
   * server's is its token cache, which has no knob and rebuilds when it will.
   */
  revocationDelaySwitch?: boolean;
}

/** Registers the suite once per token format, each on a backend of its own. */
export function describeApiTokenContract(
  name: string,
  start: (format: TokenFormat) => Promise<ApiTokenBackend>,
  options: ApiTokenContractOptions = {},
): void {
  for (const format of ["v1", "v2"] as const) describeFormat({ name, format, options }, () => start(format));
}

interface Variant {
  name: string;
  format: TokenFormat;
  options: ApiTokenContractOptions;
}

function describeFormat({ name, format, options }: Variant, start: () => Promise<ApiTokenBackend>): void {
  const runId = randomBytes(4).toString("hex");
  let serial = 0;
  let backend: ApiTokenBackend | undefined;

  const uniqueName = (label: string): string => `at-${runId}-${label}-${++serial}`;

  function started(): ApiTokenBackend {
    if (backend === undefined) throw new Error("backend not started");
    return backend;
  }

  const call = (method: string, path: string, options: RequestOptions = {}): Promise<Reply> => request(started(), method, path, options);

  async function createToken(body: Record<string, unknown>): Promise<Created> {
    const reply = await call("POST", PATH, { body });
    expect(reply.status).toBe(201);
    return createdSchema.parse(reply.json);
  }

  const backendToken = (environment: string, projects?: string[]) =>
    createToken({ tokenName: uniqueName("backend"), type: "backend", environment, ...(projects === undefined ? {} : { projects }) });
  const frontendToken = (environment: string, projects?: string[]) =>
    createToken({ tokenName: uniqueName("frontend"), type: "frontend", environment, ...(projects === undefined ? {} : { projects }) });

  /** How the Admin API addresses a token: v1 by its secret, v2 by its selector. */
  function identifierOf(secret: string): string {
    if (format === "v1") return secret;
    const selector = V2_SECRET.exec(secret)?.[2];
    if (selector === undefined) throw new Error("a v2 token without a selector");
    return selector;
  }

  async function listTokens(options: RequestOptions = {}): Promise<Listed[]> {
    const reply = await call("GET", PATH, options);
    expect(reply.status).toBe(200);
    return listSchema.parse(reply.json).tokens;
  }

  /** Its entries hold v1 secrets: assert on their number, never on them whole. */
  async function tokensNamed(tokenName: string): Promise<Listed[]> {
    const reply = await call("GET", `${PATH}/${encodeURIComponent(tokenName)}`);
    expect(reply.status).toBe(200);
    return listSchema.parse(reply.json).tokens;
  }

  const sdkStatus = async (path: string, token: string) => (await call("GET", path, { token })).status;

  async function createFlag(project: string): Promise<string> {
    const flag = uniqueName("flag");
    expect((await call("POST", `/api/admin/projects/${project}/features`, { body: { name: flag } })).status).toBe(201);
    return flag;
  }

  async function turnOn(project: string, flag: string, environment: string): Promise<void> {
    const path = `/api/admin/projects/${project}/features/${flag}/environments/${environment}/on`;
    expect((await call("POST", path)).status).toBe(200);
  }

  async function clientFeatures(token: string, query = "") {
    const reply = await call("GET", `/api/client/features${query}`, { token });
    expect(reply.status).toBe(200);
    return clientFeaturesSchema.parse(reply.json);
  }

  /** Waits for the view to show `expected` for the test's own flags, then returns it. */
  async function settledFeatures(token: string, own: readonly string[], expected: Record<string, string>, query = "") {
    return eventually(
      async () => {
        const view = await clientFeatures(token, query);
        expect(summary(view.features, own)).toEqual(expected);
        return view;
      },
      { timeoutMs: SDK_VIEW_DEADLINE_MS },
    );
  }

  async function expectRefused(reply: Reply, status: 401 | 403): Promise<void> {
    expect(reply.status).toBe(status);
    expect(sdkErrorSchema.parse(reply.json).message).toBe(status === 401 ? NO_TOKEN_ERROR : TOKEN_TYPE_ERROR);
  }

  function expectBadData(reply: Reply, expected: { path?: string; message?: string }): void {
    expect(reply.status).toBe(400);
    const error = errorSchema.parse(reply.json);
    expect(error.name).toBe("BadDataError");
    if (expected.path !== undefined) expect(error.details.map((detail) => detail.path)).toContain(expected.path);
    if (expected.message !== undefined) expect(error.details.map((detail) => detail.message).join(" | ")).toContain(expected.message);
  }

  /** An Editor service account's token: the server's least privileged caller that may list SDK tokens. */
  async function editorToken(): Promise<string> {
    const { roles } = rolesSchema.parse((await call("GET", "/api/admin/roles")).json);
    const editor = roles.find((role) => role.name === "Editor" && role.type === "root");
    const username = uniqueName("editor");
    const account = await call("POST", "/api/admin/service-account", { body: { username, name: username, rootRole: editor?.id } });
    const { id } = createdIdSchema.parse(account.json);
    const token = await call("POST", `/api/admin/service-account/${id}/token`, { body: { description: username, expiresAt: FUTURE } });
    return z.object({ secret: z.string() }).parse(token.json).secret;
  }

  describe(`Unleash SDK API-token contract: ${name}, ${format} tokens`, () => {
    beforeAll(async () => {
      backend = await start();
    });

    afterAll(async () => {
      await backend?.stop();
    });

    describe("the Admin API", () => {
      it("creates a backend token: 201, location, the fields of apiTokenSchema, its scope in front of the secret", async () => {
        const tokenName = uniqueName("created");
        const reply = await call("POST", PATH, { body: { tokenName, type: "backend", environment: "production", projects: ["default"] } });
        expect(reply.status).toBe(201);
        expect(reply.headers.get("location")).toBe("api-tokens");
        const created = createdSchema.parse(reply.json);
        expect(visible(created)).toMatchObject({
          tokenName,
          type: "backend",
          environment: "production",
          projects: ["default"],
          project: "default",
          secure: format === "v2",
        });
        expect(created.expiresAt).toBeUndefined();
        expect(secretShape(created.secret)).toEqual({ format, scope: "default:production" });
      });

      it("creates a frontend token for every project in development by default, the type in lower case, the expiry as sent", async () => {
        const tokenName = uniqueName("frontend");
        const created = await createToken({ tokenName, type: "FRONTEND", expiresAt: "2048-01-01T00:00:00Z" });
        expect(visible(created)).toMatchObject({ tokenName, type: "frontend", environment: "development", projects: ["*"], project: "*", expiresAt: FUTURE });
        expect(secretShape(created.secret)).toEqual({ format, scope: "*:development" });
      });

      it("ignores `project` (the token gets every project) and honours `projects`", async () => {
        const { otherProject } = started();
        const ignored = await createToken({ tokenName: uniqueName("project"), type: "backend", project: "default" });
        expect(ignored.projects).toEqual(["*"]);
        const both = await backendToken("development", ["default", otherProject]);
        expect(visible(both)).toMatchObject({ projects: ["default", otherProject], project: `default,${otherProject}` });
        expect(secretShape(both.secret)).toEqual({ format, scope: "[]:development" });
        // A list with `*` in it means every project.
        expect((await backendToken("development", ["default", "*"])).projects).toEqual(["*"]);
      });

      it("lists tokens by identifier: v1 with the secret itself (backend shown as client), v2 with a selector only", async () => {
        const created = await backendToken("development", ["default"]);
        const reply = await call("GET", PATH);
        const listed = listSchema.parse(reply.json).tokens.find((token) => token.tokenName === created.tokenName);
        expect(digest(listed?.secret ?? "")).toBe(digest(identifierOf(created.secret)));
        expect(reply.text.includes(created.secret)).toBe(format === "v1");
        const expected = format === "v1" ? { type: "client", secure: false, alias: null } : { type: "backend", secure: true };
        expect(listed === undefined ? undefined : visible(listed)).toMatchObject({ ...expected, environment: "development", projects: ["default"] });
      });

      it("lists the admin API token too, with its secret, for every project and environment", async () => {
        const admin = (await listTokens()).find((token) => token.type === "admin");
        expect(digest(admin?.secret ?? "")).toBe(digest(started().adminToken));
        expect(admin === undefined ? undefined : visible(admin)).toMatchObject({ tokenName: "admin", environment: "*", projects: ["*"] });
      });

      it("lets names repeat: two tokens with one name are both made and both found by it; a secret is no name", async () => {
        const tokenName = uniqueName("twin");
        const first = await createToken({ tokenName, type: "backend", environment: "development" });
        const second = await createToken({ tokenName, type: "backend", environment: "production" });
        const found = (await tokensNamed(tokenName)).map((token) => digest(token.secret));
        expect(found.toSorted()).toEqual([first, second].map((token) => digest(identifierOf(token.secret))).toSorted());
        expect((await tokensNamed(first.secret)).length).toBe(0);
      });

      it("changes only the expiry with PUT (200, empty); an unknown token is 200 too; no expiresAt is 400", async () => {
        const created = await backendToken("development");
        const path = `${PATH}/${encodeURIComponent(identifierOf(created.secret))}`;
        const reply = await call("PUT", path, { body: { expiresAt: FUTURE, tokenName: uniqueName("renamed") } });
        expect([reply.status, reply.text]).toEqual([200, ""]);
        const [updated] = await tokensNamed(created.tokenName);
        expect(updated?.expiresAt).toBe(FUTURE);
        expect((await call("PUT", `${PATH}/${encodeURIComponent(UNKNOWN_TOKEN)}`, { body: { expiresAt: FUTURE } })).status).toBe(200);
        expectBadData(await call("PUT", path, { body: {} }), { path: "/body/expiresAt" });
      });

      it("deletes by identifier or whole secret, never by name: a name or an unknown token is 200 and deletes nothing", async () => {
        const tokenName = uniqueName("doomed");
        const [first, second] = [await createToken({ tokenName, type: "backend" }), await createToken({ tokenName, type: "frontend" })];
        expect((await call("DELETE", `${PATH}/${encodeURIComponent(tokenName)}`)).status).toBe(200);
        expect((await call("DELETE", `${PATH}/${encodeURIComponent(UNKNOWN_TOKEN)}`)).status).toBe(200);
        expect((await tokensNamed(tokenName)).length).toBe(2);
        const byIdentifier = await call("DELETE", `${PATH}/${encodeURIComponent(identifierOf(first.secret))}`);
        expect([byIdentifier.status, byIdentifier.text]).toEqual([200, ""]);
        expect((await call("DELETE", `${PATH}/${encodeURIComponent(second.secret)}`)).status).toBe(200);
        expect((await tokensNamed(tokenName)).length).toBe(0);
      });

      it("refuses an unknown environment and `*` with 400, and makes no token", async () => {
        const tokenName = uniqueName("nowhere");
        const unknown = await call("POST", PATH, { body: { tokenName, type: "backend", environment: "no-such-environment" } });
        expectBadData(unknown, { message: "Environment=no-such-environment does not exist" });
        const everywhere = await call("POST", PATH, { body: { tokenName, type: "frontend", environment: "*" } });
        expectBadData(everywhere, { message: "Frontend token cannot be scoped to all environments" });
        expect((await tokensNamed(tokenName)).length).toBe(0);
      });

      // v1 names the project; the v2 store lets the database's foreign-key error through.
      it(`refuses an unknown project${format === "v1" ? " with 400" : " (500 from the v2 store)"}, and makes no token`, async () => {
        const tokenName = uniqueName("no-project");
        const reply = await call("POST", PATH, { body: { tokenName, type: "backend", projects: ["default", "no-such-project"] } });
        if (format === "v1") expectBadData(reply, { message: "Project=no-such-project does not exist" });
        else expect([reply.status, errorSchema.parse(reply.json).name]).toEqual([500, "UnknownError"]);
        expect((await tokensNamed(tokenName)).length).toBe(0);
      });

      it("validates the body as the server's two schemas do (400 BadDataError)", async () => {
        const name = uniqueName("invalid");
        const cases: [Record<string, unknown>, { path?: string; message?: string }][] = [
          [{ type: "backend" }, { path: "/body/tokenName" }],
          [{ username: name, type: "backend" }, { path: "/body/tokenName" }],
          [{ tokenName: name }, { path: "/body/type" }],
          [{ tokenName: name, type: "admin" }, { path: "/body/type" }],
          [{ tokenName: name, type: "backend", projects: "default" }, { path: "/body/projects" }],
          [{ tokenName: name, type: "backend", expiresAt: "tomorrow" }, { path: "/body/expiresAt" }],
          [{ tokenName: "", type: "backend" }, { message: '"tokenName" is not allowed to be empty' }],
          [{ tokenName: name, type: "backend", projects: [] }, { message: '"projects" must contain at least 1 items' }],
        ];
        for (const [body, expected] of cases) expectBadData(await call("POST", PATH, { body }), expected);
        expect((await tokensNamed(name)).length).toBe(0);
      });

      it("lets an Editor's token list backend and frontend tokens but not the admin token, and not create one", async () => {
        const editor = await editorToken();
        const [backendMade, frontendMade] = [await backendToken("development"), await frontendToken("development")];
        const names = (await listTokens({ token: editor })).map((token) => [token.tokenName, token.type]);
        expect(names).toEqual(expect.arrayContaining([[backendMade.tokenName, format === "v1" ? "client" : "backend"], [frontendMade.tokenName, "frontend"]]));
        expect(names.some(([, type]) => type === "admin")).toBe(false);
        const refused = await call("POST", PATH, { token: editor, body: { tokenName: uniqueName("by-editor"), type: "backend" } });
        expect(refused.status).toBe(403);
        expect(errorSchema.parse(refused.json)).toMatchObject({
          name: "PermissionError",
          permissions: ["ADMIN", "CREATE_CLIENT_API_TOKEN", "CREATE_FRONTEND_API_TOKEN"],
        });
      });
    });

    describe("the SDK routes", () => {
      it("show a backend token every flag of its projects as it is in its environment, whatever the query asks", async () => {
        const { otherProject } = started();
        const [inDefault, inOther] = [await createFlag("default"), await createFlag(otherProject)];
        await turnOn("default", inDefault, "development");
        await turnOn(otherProject, inOther, "production");
        const own = [inDefault, inOther];

        const development = await backendToken("development", ["default"]);
        const view = await settledFeatures(development.secret, own, { [inDefault]: "on:flexibleRollout" });
        expect(view.query).toEqual({ environment: "development", project: ["default"] });
        expect(view.features.every((feature) => feature.project === "default")).toBe(true);
        const widened = await settledFeatures(development.secret, own, { [inDefault]: "on:flexibleRollout" }, `?environment=production&project=${otherProject}`);
        expect(widened.query.environment).toBe("development");

        const production = await backendToken("production", [otherProject]);
        const other = await settledFeatures(production.secret, own, { [inOther]: "on:flexibleRollout" });
        expect(other.features.every((feature) => feature.project === otherProject)).toBe(true);
        const all = await backendToken("production");
        const everywhere = await settledFeatures(all.secret, own, { [inDefault]: "off:", [inOther]: "on:flexibleRollout" });
        expect(everywhere.query).toEqual({ environment: "production" });
      });

      it("answer an unchanged feature view with 304 to its ETag", async () => {
        const token = await backendToken("development");
        const first = await call("GET", "/api/client/features", { token: token.secret });
        const etag = first.headers.get("etag") ?? "";
        expect(etag).toMatch(/^"[0-9a-f]+:\d+:v1"$/);
        const again = await call("GET", "/api/client/features", { token: token.secret, headers: { "if-none-match": etag } });
        expect([again.status, again.text]).toEqual([304, ""]);
      });

      it("show a frontend token the flags that are on in its environment and projects", async () => {
        const { otherProject } = started();
        const [onHere, onInProduction, onElsewhere] = [await createFlag("default"), await createFlag("default"), await createFlag(otherProject)];
        await turnOn("default", onHere, "development");
        await turnOn("default", onInProduction, "production");
        await turnOn(otherProject, onElsewhere, "development");
        const token = await frontendToken("development", ["default"]);
        const toggles = await eventually(
          async () => {
            const reply = await call("GET", "/api/frontend", { token: token.secret });
            expect(reply.status).toBe(200);
            const { toggles } = frontendSchema.parse(reply.json);
            expect(toggles.filter((toggle) => [onHere, onInProduction, onElsewhere].includes(toggle.name)).map((toggle) => toggle.name)).toEqual([onHere]);
            return toggles;
          },
          { timeoutMs: SDK_VIEW_DEADLINE_MS },
        );
        expect(toggles.every((toggle) => toggle.enabled)).toBe(true);
      });

      it("refuse a token of the wrong kind with 403: backend on the Admin API and /api/frontend, frontend and admin on /api/client", async () => {
        const [backendMade, frontendMade] = [await backendToken("development"), await frontendToken("development")];
        for (const path of [PATH, "/api/admin/projects", "/api/frontend"]) await expectRefused(await call("GET", path, { token: backendMade.secret }), 403);
        await expectRefused(await call("GET", "/api/client/features", { token: frontendMade.secret }), 403);
        await expectRefused(await call("GET", "/api/client/features"), 403);
      });

      it("refuse a missing or unknown token with 401, and accept a Bearer prefix", async () => {
        await expectRefused(await call("GET", "/api/client/features", { token: null }), 401);
        await expectRefused(await call("GET", "/api/client/features", { token: UNKNOWN_TOKEN }), 401);
        await expectRefused(await call("GET", "/api/frontend", { token: UNKNOWN_TOKEN }), 401);
        const token = await backendToken("development");
        expect(await sdkStatus("/api/client/features", `Bearer ${token.secret}`)).toBe(200);
      });

      it("refuse a token made with an expiry in the past (201, dead on arrival)", async () => {
        const created = await createToken({ tokenName: uniqueName("expired"), type: "backend", expiresAt: PAST });
        expect(created.expiresAt).toBe(PAST);
        await expectRefused(await call("GET", "/api/client/features", { token: created.secret }), 401);
      });

      // v2: the DELETE drops the token from the serving process's cache; v1: nothing does until the
      // cache is rebuilt, every 60 s, so the test polls that long (no server option shortens it).
      it(`refuse a deleted token: ${format === "v2" ? "at once" : "within the server's 60 s token cache"}`, async () => {
        const [backendMade, frontendMade] = [await backendToken("development"), await frontendToken("development")];
        const checks: [string, string][] = [["/api/client/features", backendMade.secret], ["/api/frontend", frontendMade.secret]];
        for (const [path, secret] of checks) expect(await sdkStatus(path, secret)).toBe(200);
        for (const [, secret] of checks) await call("DELETE", `${PATH}/${encodeURIComponent(identifierOf(secret))}`);
        expect((await tokensNamed(backendMade.tokenName)).length).toBe(0);
        const statuses = () => Promise.all(checks.map(([path, secret]) => sdkStatus(path, secret)));
        if (format === "v2") expect(await statuses()).toEqual([401, 401]);
        else await eventually(async () => expect(await statuses()).toEqual([401, 401]), { timeoutMs: V1_REVOCATION_DEADLINE_MS, intervalMs: 1000 });
      });

      // Registered only where the delay is a switch: the real server's cache has no knob, and when
      // it rebuilds cannot be chosen (the test above shows the bound it gives).
      if (options.revocationDelaySwitch) {
        it("keep accepting a deleted v1 token, and a token whose expiry a PUT moved into the past, until the revocation delay has passed", async () => {
          const delay = started().revocationDelay;
          if (delay === undefined) throw new Error("revocationDelaySwitch is set, but the backend has no revocation delay switch");
          await delay.set(60_000);
          try {
            const [deleted, expired] = [await backendToken("development"), await backendToken("development")];
            await call("DELETE", `${PATH}/${encodeURIComponent(identifierOf(deleted.secret))}`);
            await call("PUT", `${PATH}/${encodeURIComponent(identifierOf(expired.secret))}`, { body: { expiresAt: PAST } });
            const statuses = () => Promise.all([deleted, expired].map((token) => sdkStatus("/api/client/features", token.secret)));
            // A v2 DELETE is obeyed at once by the process that served it, as on the real server.
            expect(await statuses()).toEqual([format === "v1" ? 200 : 401, 200]);
            await delay.advanceClock(60_000);
            expect(await statuses()).toEqual([401, 401]);
          } finally {
            await delay.set(0);
          }
        });
      }
    });
  });
}
