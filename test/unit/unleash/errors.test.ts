import { inspect } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UnleashClient } from "../../../src/unleash/client.js";
import { parseRetryAfter } from "../../../src/unleash/error-mapping.js";
import {
  isRetryable,
  UnleashBadRequestError,
  UnleashConflictError,
  UnleashError,
  UnleashNotFoundError,
  UnleashProtocolError,
  UnleashRateLimitedError,
  UnleashTooManyTokensError,
  UnleashTransientError,
  UnleashUnauthorizedError,
} from "../../../src/unleash/errors.js";
import { reply, startLocalServer, unusedOrigin, type Handler, type LocalServer } from "./local-server.js";
import { PAT_SECRET, tokenBody } from "./sample-data.js";

// Sentinels: the admin token does not look like any token format, so only knowing it can hide it.
const ADMIN_TOKEN = "sentinel-admin-token-7f3a9c";
const API_TOKEN = "*:development.4b1d2e3f4a5b6c7d8e9f";
const PAT_V2 = "user:v2_AbCdEfGhIjKlMnOpQrStUv_0123456789abcdefABCDEFghijklmnopqrstuvwxyz";

let server: LocalServer;
let client: UnleashClient;

beforeAll(async () => {
  server = await startLocalServer();
});

afterEach(async () => {
  await client.close();
});

afterAll(async () => {
  await server.close();
});

// Generous, so a loaded CI machine does not turn an answer into a timeout; the timeout test sets its own.
async function failureOf(handler: Handler, call: (c: UnleashClient) => Promise<unknown> = (c) => c.listServiceAccounts(), timeoutMs = 10_000) {
  server.handle(handler);
  client = new UnleashClient({ baseUrl: server.origin, getAdminToken: async () => ADMIN_TOKEN, timeoutMs });
  const result = await call(client).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(result instanceof UnleashError)) throw new Error(`expected an UnleashError, got ${String(result)}`);
  return result;
}

const answer =
  (status: number, body?: unknown, headers?: Record<string, string>): Handler =>
  (_request, response) =>
    reply(response, status, body, headers);

describe("errors typed by HTTP status", () => {
  it("400 validation failure: bad request with the offending paths", async () => {
    const err = await failureOf(
      answer(400, {
        id: "c5b9",
        name: "BadDataError",
        message: "Request validation failed",
        details: [{ message: "must be string", path: "/body/username" }],
      }),
    );
    expect(err).toBeInstanceOf(UnleashBadRequestError);
    expect(err).toMatchObject({ status: 400, unleashName: "BadDataError", route: "GET /api/admin/service-account" });
    expect((err as UnleashBadRequestError).details).toEqual([{ message: "must be string", path: "/body/username" }]);
    expect(isRetryable(err)).toBe(false);
  });

  it("400 'User already exists' (older servers): conflict", async () => {
    const err = await failureOf(answer(400, { name: "BadDataError", message: "User already exists" }));
    expect(err).toBeInstanceOf(UnleashConflictError);
  });

  it("401: unauthenticated, naming the admin token", async () => {
    const err = await failureOf(answer(401, { name: "AuthenticationRequired", message: "You must log in" }));
    expect(err).toBeInstanceOf(UnleashUnauthorizedError);
    expect((err as UnleashUnauthorizedError).kind).toBe("unauthenticated");
    expect(err.message).toMatch(/admin token/);
    expect(isRetryable(err)).toBe(false);
  });

  it("403 PermissionError: forbidden, saying ADMIN is needed", async () => {
    const err = await failureOf(
      answer(403, { name: "PermissionError", message: "You don't have the required permissions", permissions: ["ADMIN"] }),
    );
    expect(err).toBeInstanceOf(UnleashUnauthorizedError);
    expect((err as UnleashUnauthorizedError).kind).toBe("forbidden");
    expect(err.message).toMatch(/ADMIN/);
  });

  it("403 for the wrong kind of token: forbidden", async () => {
    const err = await failureOf(answer(403, { message: "invalid token: expected a different token type for this endpoint" }));
    expect((err as UnleashUnauthorizedError).kind).toBe("forbidden");
  });

  it("403 Too many PATs: too many tokens, not an authorization problem", async () => {
    const err = await failureOf(
      answer(403, { name: "OperationDeniedError", message: "Too many PATs (10) already exist for this user." }),
      (c) => c.createToken(10, { description: "x", expiresAt: new Date("2030-01-01T00:00:00Z") }),
    );
    expect(err).toBeInstanceOf(UnleashTooManyTokensError);
    expect(err).toMatchObject({ status: 403, route: "POST /api/admin/service-account/{id}/token" });
    expect(isRetryable(err)).toBe(false);
  });

  it("404: not found", async () => {
    const err = await failureOf(answer(404, { name: "NotFoundError", message: "No user found" }), (c) => c.updateServiceAccount(5, { name: "x", rootRole: 1 }));
    expect(err).toBeInstanceOf(UnleashNotFoundError);
  });

  it("409: conflict", async () => {
    const err = await failureOf(answer(409, { name: "NameExistsError", message: "PAT with that description already exists" }));
    expect(err).toBeInstanceOf(UnleashConflictError);
    expect(err.unleashName).toBe("NameExistsError");
  });

  it("415: a plain, non-retryable Unleash error carrying the status", async () => {
    const err = await failureOf(answer(415, { name: "ContentTypeError", message: "We do not accept the content-type" }));
    expect(err.constructor).toBe(UnleashError);
    expect(err).toMatchObject({ status: 415, unleashName: "ContentTypeError" });
    expect(isRetryable(err)).toBe(false);
  });

  it("429 with Retry-After in seconds: rate limited with the delay", async () => {
    const err = await failureOf(answer(429, { name: "RateLimitError", message: "slow down" }, { "retry-after": "7" }));
    expect(err).toBeInstanceOf(UnleashRateLimitedError);
    expect((err as UnleashRateLimitedError).retryAfterMs).toBe(7000);
    expect(isRetryable(err)).toBe(true);
  });

  it("429 without Retry-After: rate limited, delay unknown", async () => {
    const err = await failureOf(answer(429));
    expect((err as UnleashRateLimitedError).retryAfterMs).toBeUndefined();
  });

  it.each([500, 502, 503, 504])("%i: transient and retryable, also with an HTML body", async (status) => {
    const err = await failureOf(answer(status, "<html><body>Bad gateway</body></html>"));
    expect(err).toBeInstanceOf(UnleashTransientError);
    expect(err.status).toBe(status);
    expect(isRetryable(err)).toBe(true);
  });
});

describe("errors without an HTTP answer", () => {
  it("a server that never answers: transient timeout", async () => {
    const err = await failureOf(() => undefined, undefined, 300);
    expect(err).toBeInstanceOf(UnleashTransientError);
    expect(err.status).toBeUndefined();
    expect((err as UnleashTransientError).causeCode).toMatch(/TIMEOUT|ETIMEDOUT/);
    expect(err.message).toMatch(/did not answer GET \/api\/admin\/service-account within 300 ms/);
  });

  it("connection refused: transient with ECONNREFUSED", async () => {
    client = new UnleashClient({ baseUrl: await unusedOrigin(), getAdminToken: async () => ADMIN_TOKEN });
    const err = await client.listRoles().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnleashTransientError);
    expect((err as UnleashTransientError).causeCode).toBe("ECONNREFUSED");
    expect(isRetryable(err)).toBe(true);
  });

  it("a connection closed mid-answer: transient", async () => {
    const err = await failureOf((_request, response) => response.socket?.destroy());
    expect(err).toBeInstanceOf(UnleashTransientError);
  });
});

describe("answers that break the contract", () => {
  it("a 200 that is not JSON: protocol error, not retried", async () => {
    const err = await failureOf(answer(200, "<!doctype html><title>Unleash</title>"));
    expect(err).toBeInstanceOf(UnleashProtocolError);
    expect(err.message).toMatch(/not JSON/);
    expect(isRetryable(err)).toBe(false);
  });

  it("a 200 with the wrong shape as a whole: protocol error naming the field", async () => {
    const err = await failureOf(answer(200, { serviceAccounts: "none", rootRoles: [] }));
    expect(err).toBeInstanceOf(UnleashProtocolError);
    expect(err.message).toContain("serviceAccounts");
  });

  it("a date that is not ISO 8601: protocol error", async () => {
    const err = await failureOf(answer(201, { ...tokenBody(1, { expiresAt: "next tuesday" }), secret: "user:1" }), (c) => c.createToken(1, { description: "d", expiresAt: new Date("2048-01-01") }));
    expect(err).toBeInstanceOf(UnleashProtocolError);
  });
});

describe("no secret in any error", () => {
  const secrets = [ADMIN_TOKEN, API_TOKEN, PAT_SECRET, PAT_V2];

  function expectNoSecret(err: UnleashError) {
    for (const rendering of [err.message, String(err), JSON.stringify(err), inspect(err, { depth: 10 }), err.stack ?? ""]) {
      for (const secret of secrets) expect(rendering).not.toContain(secret);
    }
  }

  const echoEverything: Handler = (request, response) =>
    reply(
      response,
      401,
      {
        name: `InvalidToken ${request.headers.authorization}`,
        message: `invalid token ${request.headers.authorization}; also ${API_TOKEN}, ${PAT_SECRET}, ${PAT_V2}`,
        details: [{ message: `token ${request.headers.authorization} ${PAT_SECRET}`, path: "/headers" }],
        echoedHeaders: request.headers,
      },
      { "x-echo": String(request.headers.authorization) },
    );

  it("redacts tokens an error body echoes, and the admin token in use", async () => {
    const err = await failureOf(echoEverything);
    expect(err).toBeInstanceOf(UnleashUnauthorizedError);
    expect(err.message).toContain("[REDACTED]");
    expectNoSecret(err);
  });

  it("redacts tokens in a bad-request's details", async () => {
    const err = await failureOf((request, response) =>
      reply(response, 400, { name: "BadDataError", message: "bad", details: [{ message: `${request.headers.authorization} ${PAT_V2}` }] }),
    );
    expect(err).toBeInstanceOf(UnleashBadRequestError);
    expectNoSecret(err);
  });

  it("never quotes a created token's secret when its answer breaks the contract", async () => {
    const create = (c: UnleashClient) => c.createToken(10, { description: "x", expiresAt: new Date("2030-01-01T00:00:00Z") });
    const malformed = await failureOf(answer(201, `{"secret":"${PAT_SECRET}", broken`), create);
    const wrongShape = await failureOf(answer(201, { ...tokenBody(1), id: PAT_SECRET, secret: PAT_SECRET }), create);
    for (const err of [malformed, wrongShape]) {
      expect(err).toBeInstanceOf(UnleashProtocolError);
      expectNoSecret(err);
    }
  });

  it("does not include the admin token when the connection fails", async () => {
    client = new UnleashClient({ baseUrl: await unusedOrigin(), getAdminToken: async () => ADMIN_TOKEN });
    const err = await client.listServiceAccounts().catch((e: unknown) => e);
    expectNoSecret(err as UnleashError);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2030-01-01T00:00:00Z");

  it.each([
    ["0", 0],
    ["120", 120_000],
    ["Tue, 01 Jan 2030 00:00:30 GMT", 30_000],
    ["Mon, 31 Dec 2029 23:59:00 GMT", 0],
    ["soon", undefined],
    ["", undefined],
    [undefined, undefined],
  ])("reads %j as %j ms", (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
