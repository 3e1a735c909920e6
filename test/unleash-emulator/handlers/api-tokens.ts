// The SDK API-token Admin API (unleash-server's ApiTokenController, /api/admin/api-tokens) with its
// traps: the list sends v1 secrets, names are not unique, `:token` is the secret (v1) or the
// selector (v2) and never the name, PUT and DELETE answer 200 for a token they do not find.
import { z } from "zod";
import { isAllowed, type Caller } from "../auth.js";
import { cachedExpiry } from "../api-token-cache.js";
import { v2SelectorOf } from "../api-token-secrets.js";
import { applyJoiSchema, checkedApiToken, createApiTokenBody } from "../api-token-create.js";
import { operationDenied } from "../errors.js";
import type { Reply } from "../http-io.js";
import { jsonDateTime } from "../json-types.js";
import { ADMIN, API_TOKEN_PERMISSIONS } from "../roles.js";
import { route, routeWithBody, type Route } from "../router.js";
import type { ApiTokenRecord, ApiTokenType } from "../state.js";
import type { Store } from "../store.js";
import { apiTokenEventData, createdApiTokenView, listedApiTokenView } from "../views.js";
import { auditOf, noParams } from "./common.js";

const PATH = "/api/admin/api-tokens";
const { client, frontend } = API_TOKEN_PERMISSIONS;

type Action = "create" | "read" | "update" | "delete";
type EventType = "api-token-created" | "api-token-updated" | "api-token-deleted";

/** A route is open to anyone who may do the action on either type (ADMIN included). */
function routePermission(action: Action): readonly string[] {
  return [ADMIN, client[action], frontend[action]];
}

function permissionFor(type: ApiTokenType | "admin", action: Action): string {
  if (type === "admin") return ADMIN;
  return (type === "frontend" ? frontend : client)[action];
}

/** canReadToken: any permission on a type lets the caller see its tokens; only ADMIN sees the admin token. */
function canRead(caller: Caller, store: Store, type: ApiTokenType | "admin"): boolean {
  const actions: readonly Action[] = ["create", "read", "update", "delete"];
  return isAllowed(caller, ADMIN, store) || (type !== "admin" && actions.some((action) => isAllowed(caller, permissionFor(type, action), store)));
}

/**
 * The admin API token (INIT_ADMIN_API_TOKENS) is a row of api_tokens, so the list shows it, secret
 * and all. It was made with the database, as the default project was.
 */
function adminTokenView(store: Store, adminToken: string): Record<string, unknown> {
  const createdAt = store.project("default")?.createdAt ?? store.clock.now().toISOString();
  const scope = { project: "*", projects: ["*"], environment: "*" };
  const dates = { expiresAt: null, createdAt, alias: null, seenAt: null };
  return { secret: adminToken, tokenName: "admin", type: "admin", ...scope, ...dates, secure: false };
}

/** accessibleTokens: v1 rows (the admin token first here), then v2 rows; no particular order in Unleash. */
function accessibleTokens(caller: Caller, store: Store, adminToken: string): Record<string, unknown>[] {
  const v1 = store.activeApiTokens().filter((token) => token.format === "v1");
  const v2 = store.activeApiTokens().filter((token) => token.format === "v2");
  const tokens = [...v1, ...v2].filter((token) => canRead(caller, store, token.type)).map(listedApiTokenView);
  return canRead(caller, store, "admin") ? [adminTokenView(store, adminToken), ...tokens] : tokens;
}

/** getToken: a v2 secret or selector names a v2 token; failing that, the value is tried as a v1 secret. */
function findToken(store: Store, identifier: string): ApiTokenRecord | undefined {
  const selector = v2SelectorOf(identifier);
  const active = store.activeApiTokens();
  const v2 = selector === undefined ? undefined : active.find((token) => token.format === "v2" && token.selector === selector);
  return v2 ?? active.find((token) => token.format === "v1" && token.secret === identifier);
}

function requireTypePermission(caller: Caller, store: Store, token: { type: ApiTokenType }, action: Action, wording: string): void {
  const permission = permissionFor(token.type, action);
  if (!isAllowed(caller, permission, store)) throw operationDenied(wording.replace("%s", permission));
}

type EventData = Record<string, unknown> | null;

/** Records an api-token-* event: the token's scope as the event's project and environment, never its secret. */
function recordTokenEvent(store: Store, caller: Caller, type: EventType, token: ApiTokenRecord, change: { data: EventData; preData: EventData }) {
  const scope = { project: token.projects.join(","), environment: token.environment };
  store.recordEvent({ type, ...auditOf(caller), ...scope, featureName: null, ...change });
}

const tokenParams = z.object({ token: z.string() });

/**
 * PUT and DELETE: a token they do not find is 200 and nothing happens; one they find needs the
 * permission for its type (403 OperationDeniedError), then the change is made and saved.
 */
function changeToken(
  { caller, store, identifier }: { caller: Caller; store: Store; identifier: string },
  action: "update" | "delete",
  apply: (token: ApiTokenRecord) => void,
): Reply {
  const token = findToken(store, identifier);
  if (token === undefined) return { status: 200 };
  requireTypePermission(caller, store, token, action, "You do not have the required access [%s] to perform this operation");
  store.change(() => apply(token));
  return { status: 200 };
}

/** The routes, given the emulator's admin API token, which the list shows as the server shows its own. */
export function apiTokenRoutes(adminToken: string): readonly Route[] {
  const list = route({
    method: "GET",
    pattern: PATH,
    permission: routePermission("read"),
    params: noParams,
    handler: ({ caller, store }) => ({ status: 200, body: { tokens: accessibleTokens(caller, store, adminToken) } }),
  });

  // Exact, case-sensitive; a secret is no name, so a GET with one finds nothing.
  const byName = route({
    method: "GET",
    pattern: `${PATH}/:name`,
    permission: routePermission("read"),
    params: z.object({ name: z.string() }),
    handler: ({ caller, store, params }) => {
      const tokens = accessibleTokens(caller, store, adminToken).filter((token) => token["tokenName"] === params.name);
      return { status: 200, body: { tokens } };
    },
  });

  const create = routeWithBody({
    method: "POST",
    pattern: PATH,
    permission: routePermission("create"),
    params: noParams,
    body: createApiTokenBody,
    bodyIsOneOf: true,
    handler: ({ body, caller, store }) => {
      const request = applyJoiSchema(body);
      requireTypePermission(caller, store, request, "create", "You don't have the necessary access [%s] to perform this operation");
      const { token, secret } = checkedApiToken(store, request);
      store.change((state) => {
        state.apiTokens.push(token);
        recordTokenEvent(store, caller, "api-token-created", token, { data: apiTokenEventData(token), preData: null });
      });
      return { status: 201, body: createdApiTokenView(token, secret), headers: { location: "api-tokens" } };
    },
  });

  // Only the expiry can change. The SDK routes see the new one after the revocation delay.
  const update = routeWithBody({
    method: "PUT",
    pattern: `${PATH}/:token`,
    permission: routePermission("update"),
    params: tokenParams,
    body: z.object({ expiresAt: jsonDateTime() }),
    handler: ({ params, body, caller, store }) =>
      changeToken({ caller, store, identifier: params.token }, "update", (token) => {
        const preData = apiTokenEventData(token);
        token.expiryChange = { previous: cachedExpiry(token, store), at: store.clock.now().toISOString() };
        token.expiresAt = new Date(body.expiresAt).toISOString();
        recordTokenEvent(store, caller, "api-token-updated", token, { data: apiTokenEventData(token), preData });
      }),
  });

  // The SDK routes accept a deleted v1 token until the revocation delay has passed.
  const remove = route({
    method: "DELETE",
    pattern: `${PATH}/:token`,
    permission: routePermission("delete"),
    params: tokenParams,
    handler: ({ params, caller, store }) =>
      changeToken({ caller, store, identifier: params.token }, "delete", (token) => {
        token.deletedAt = store.clock.now().toISOString();
        recordTokenEvent(store, caller, "api-token-deleted", token, { data: null, preData: apiTokenEventData(token) });
      }),
  });

  return [list, byName, create, update, remove];
}
