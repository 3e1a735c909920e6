import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UnleashClient, type UnleashClientOptions } from "../../../src/unleash/client.js";
import { UnleashNotFoundError, UnleashTransientError } from "../../../src/unleash/errors.js";
import { reply, startLocalServer, TEST_CERT, type LocalServer } from "./local-server.js";
import {
  accountBody,
  ADMIN_ROLE,
  CUSTOM_ROLE,
  EDITOR_ROLE,
  PAT_SECRET,
  PROJECT_ROLE,
  tokenBody,
} from "./sample-data.js";

const ADMIN_TOKEN = "*:*.0123456789abcdef0123456789abcdef";

let server: LocalServer;
const clients: UnleashClient[] = [];

function clientFor(baseUrl: string, options: Partial<UnleashClientOptions> = {}): UnleashClient {
  const client = new UnleashClient({ baseUrl, getAdminToken: async () => ADMIN_TOKEN, ...options });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startLocalServer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  server.requests.length = 0;
});

afterAll(async () => {
  await server.close();
});

describe("UnleashClient requests", () => {
  it("sends the admin token as is, without a Bearer prefix, and asks for JSON", async () => {
    server.handle((_request, response) => reply(response, 200, { serviceAccounts: [], rootRoles: [] }));
    await clientFor(server.origin).listServiceAccounts();
    const [request] = server.requests;
    expect(request?.headers.authorization).toBe(ADMIN_TOKEN);
    expect(request?.headers.accept).toBe("application/json");
    expect(request?.headers["content-type"]).toBeUndefined();
  });

  it.each([
    ["a path prefix", "/unleash", "/unleash/api/admin/service-account"],
    ["a path prefix with a trailing slash", "/unleash/", "/unleash/api/admin/service-account"],
    ["a nested path prefix", "/tools/unleash", "/tools/unleash/api/admin/service-account"],
    ["no path", "", "/api/admin/service-account"],
    ["only a slash", "/", "/api/admin/service-account"],
  ])("joins a base URL with %s", async (_label, prefix, expectedPath) => {
    server.handle((_request, response) => reply(response, 200, { serviceAccounts: [], rootRoles: [] }));
    await clientFor(server.origin + prefix).listServiceAccounts();
    expect(server.requests.map((request) => request.url)).toEqual([expectedPath]);
  });

  it("asks for the admin token on every call, so a rotated token is used at once", async () => {
    const tokens = ["*:*.aaaa", "*:*.bbbb"];
    server.handle((_request, response) => reply(response, 200, { roles: [] }));
    const client = clientFor(server.origin, { getAdminToken: async () => tokens.shift() ?? "" });
    await client.listRoles();
    await client.listRoles();
    expect(server.requests.map((request) => request.headers.authorization)).toEqual(["*:*.aaaa", "*:*.bbbb"]);
  });

  it("creates an account with a JSON body", async () => {
    server.handle((_request, response) => reply(response, 201, accountBody(11, { tokens: undefined })));
    const created = await clientFor(server.origin).createServiceAccount({ username: "ci-bot", name: "CI bot", rootRole: 2 });
    const [request] = server.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/api/admin/service-account");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({ username: "ci-bot", name: "CI bot", rootRole: 2 });
    expect(created).toMatchObject({ id: 11, username: "account-11", rootRole: 2, tokens: [] });
  });

  it("sends both name and root role on update", async () => {
    server.handle((_request, response) => reply(response, 200, accountBody(11, { name: "Renamed", rootRole: 3 })));
    const updated = await clientFor(server.origin).updateServiceAccount(11, { name: "Renamed", rootRole: 3 });
    const [request] = server.requests;
    expect(`${request?.method} ${request?.url}`).toBe("PUT /api/admin/service-account/11");
    expect(JSON.parse(request?.body ?? "")).toEqual({ name: "Renamed", rootRole: 3 });
    expect(updated.name).toBe("Renamed");
  });

  it("creates a token with an ISO expiry and returns its secret", async () => {
    server.handle((_request, response) => reply(response, 201, tokenBody(21, { secret: PAT_SECRET })));
    const created = await clientFor(server.origin).createToken(10, {
      description: "ns/name uid",
      expiresAt: new Date("2030-06-01T00:00:00Z"),
    });
    const [request] = server.requests;
    expect(`${request?.method} ${request?.url}`).toBe("POST /api/admin/service-account/10/token");
    expect(JSON.parse(request?.body ?? "")).toEqual({ description: "ns/name uid", expiresAt: "2030-06-01T00:00:00.000Z" });
    expect(created.id).toBe(21);
    expect(created.secret.reveal()).toBe(PAT_SECRET);
    // The secret is wrapped at the boundary, so printing the created token cannot leak it.
    expect(JSON.stringify(created)).not.toContain(PAT_SECRET);
    expect(`${created.secret}`).toBe("[REDACTED]");
  });

  it("lists accounts and never keeps a token secret a server might send in the list", async () => {
    server.handle((_request, response) =>
      reply(response, 200, { serviceAccounts: [{ id: 10, username: "bot", tokens: [tokenBody(21, { secret: PAT_SECRET })] }], rootRoles: [] }),
    );
    const list = await clientFor(server.origin).listServiceAccounts();
    expect(list.serviceAccounts[0]?.tokens).toEqual([
      { id: 21, description: "token 21", expiresAt: "2048-01-01T00:00:00.000Z", createdAt: "2024-05-01T10:00:00.000Z", seenAt: undefined, userId: 10 },
    ]);
    expect(JSON.stringify(list)).not.toContain(PAT_SECRET);
  });

  it("skips a malformed entry, and an account without username, instead of failing the whole list", async () => {
    server.handle((_request, response) =>
      reply(response, 200, {
        serviceAccounts: [
          { id: "ten", username: "broken" },
          { id: 11, username: null, tokens: [] },
          { id: 12, username: "bot", tokens: [tokenBody(31), { id: "x" }] },
        ],
        rootRoles: [{ id: 1, type: "root", name: "Admin" }, { id: "2" }],
      }),
    );
    const skipped: string[] = [];
    const client = new UnleashClient({ baseUrl: server.origin, getAdminToken: async () => "t", onSkipped: (what) => skipped.push(what) });
    const list = await client.listServiceAccounts();
    expect(list.serviceAccounts.map((a) => [a.id, a.username, a.tokens.map((t) => t.id)])).toEqual([
      [11, undefined, []],
      [12, "bot", [31]],
    ]);
    expect(list.rootRoles.map((r) => r.name)).toEqual(["Admin"]);
    expect(skipped.sort()).toEqual(["account", "role", "token"]);
    await client.close();
  });

  it("updates an account that is gone as not found", async () => {
    server.handle((_request, response) => reply(response, 404, { name: "NotFoundError", message: "No user found" }));
    await expect(clientFor(server.origin).updateServiceAccount(99, { name: "x", rootRole: 1 })).rejects.toBeInstanceOf(UnleashNotFoundError);
  });

  it.each([
    ["200 with an empty body", 200],
    ["404 (already gone)", 404],
  ])("treats a token delete answered %s as done", async (_label, status) => {
    server.handle((_request, response) => reply(response, status, status === 404 ? { name: "NotFoundError", message: "No PAT found." } : undefined));
    await clientFor(server.origin).deleteToken(10, 21);
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
      "DELETE /api/admin/service-account/10/token/21",
    ]);
  });

  it.each([200, 404])("treats an account delete answered %i as done", async (status) => {
    server.handle((_request, response) => reply(response, status));
    await clientFor(server.origin).deleteServiceAccount(11);
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual(["DELETE /api/admin/service-account/11"]);
  });

  it("does not hide a failed delete", async () => {
    server.handle((_request, response) => reply(response, 503));
    await expect(clientFor(server.origin).deleteServiceAccount(11)).rejects.toBeInstanceOf(UnleashTransientError);
  });
});

describe("UnleashClient.listServiceAccounts", () => {
  it("returns accounts with their tokens and the root roles, ignoring unknown fields", async () => {
    server.handle((_request, response) =>
      reply(response, 200, {
        serviceAccounts: [accountBody(10, { tokens: [tokenBody(21)] })],
        rootRoles: [ADMIN_ROLE, CUSTOM_ROLE],
      }),
    );
    const list = await clientFor(server.origin).listServiceAccounts();
    expect(list.serviceAccounts).toEqual([
      {
        id: 10,
        username: "account-10",
        name: "Account 10",
        rootRole: 2,
        createdAt: "2024-05-01T10:00:00.000Z",
        tokens: [expect.objectContaining({ id: 21, description: "token 21" })],
      },
    ]);
    expect(list.rootRoles.map((role) => role.name)).toEqual(["Admin", "Flag Reader"]);
    expect(server.requests).toHaveLength(1);
  });

  it("falls back to the roles endpoint, keeping only root roles, when rootRoles is absent", async () => {
    server.handle((request, response) =>
      request.url === "/api/admin/roles"
        ? reply(response, 200, { version: 1, roles: [ADMIN_ROLE, PROJECT_ROLE, EDITOR_ROLE, CUSTOM_ROLE] })
        : reply(response, 200, { serviceAccounts: [accountBody(10)] }),
    );
    const list = await clientFor(server.origin).listServiceAccounts();
    expect(list.rootRoles.map((role) => role.name)).toEqual(["Admin", "Editor", "Flag Reader"]);
    expect(server.requests.map((request) => request.url)).toEqual(["/api/admin/service-account", "/api/admin/roles"]);
  });
});

describe("UnleashClient.onRequest", () => {
  it("reports each call with its route template and status, and failures as errors", async () => {
    const seen: [string, number | "error"][] = [];
    server.handle((_request, response) => reply(response, 404, { name: "NotFoundError", message: "No PAT found." }));
    const client = clientFor(server.origin, { onRequest: (route, status) => seen.push([route, status]) });
    await client.deleteToken(10, 21);
    await client.close();
    await expect(client.listRoles()).rejects.toBeInstanceOf(UnleashTransientError);
    expect(seen).toEqual([
      ["DELETE /api/admin/service-account/{id}/token/{tokenId}", 404],
      ["GET /api/admin/roles", "error"],
    ]);
  });
});

describe("UnleashClient over TLS", () => {
  let tlsServer: LocalServer;

  beforeAll(async () => {
    tlsServer = await startLocalServer({ tls: true });
    tlsServer.handle((_request, response) => reply(response, 200, { roles: [ADMIN_ROLE] }));
  });

  afterAll(async () => {
    await tlsServer.close();
  });

  it("trusts a server signed by the configured CA", async () => {
    const roles = await clientFor(tlsServer.origin, { ca: TEST_CERT }).listRoles();
    expect(roles.map((role) => role.name)).toEqual(["Admin"]);
  });

  it("says that the certificate could not be verified without that CA", async () => {
    const failure = await clientFor(tlsServer.origin).listRoles().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(UnleashTransientError);
    expect((failure as Error).message).toMatch(/certificate/i);
  });
});

describe("UnleashClient configuration", () => {
  it.each(["ftp://unleash.example", "https://unleash.example/?x=1", "not a url"])("rejects the base URL %s", (baseUrl) => {
    expect(() => new UnleashClient({ baseUrl, getAdminToken: async () => ADMIN_TOKEN })).toThrow(TypeError);
  });
});
