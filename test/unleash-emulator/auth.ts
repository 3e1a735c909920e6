// Authentication as unleash-server 8.2 does it: the Bearer prefix is stripped
// (bearer-token-middleware), `user:` tokens are personal access tokens of an active account that
// have not expired (account-store), the admin API token is compared, and an SDK API token is
// refused everywhere but on the SDK routes (api-token-middleware). The SDK routes, /api/client and
// /api/frontend, accept only SDK tokens of their type (backend- and frontend-token-middleware).
import { createHash } from "node:crypto";
import { cachedApiToken } from "./api-token-cache.js";
import { credentialKind } from "./api-token-secrets.js";
import { authenticationRequired, middlewareReply, sdkTokenRequired, unauthorized, wrongTokenType } from "./errors.js";
import type { Reply } from "./http-io.js";
import { adminRole, findProjectRole, hasPermission, rootRoleOf, sdkTokenRole, type Role } from "./roles.js";
import type { ApiTokenRecord, UserRecord } from "./state.js";
import type { Store } from "./store.js";

/** Who made a request: the admin API token, an account through one of its tokens, or an SDK API token. */
export interface Caller {
  /** Name written to the event log (Unleash uses the account's email or username). */
  username: string;
  userId: number;
  role: Role;
  account?: UserRecord;
  /** On the SDK routes: the token, whose environment and projects decide what the caller sees. */
  apiToken?: ApiTokenRecord;
}

/** Unleash's ApiUser of an SDK token has no user id; such a caller writes nothing that records one. */
const SDK_TOKEN_USER_ID = 0;

/** The admin token user of Unleash: tokenName "admin" (INIT_ADMIN_API_TOKENS), ADMIN_TOKEN_USER id. */
const ADMIN_TOKEN_CALLER: Omit<Caller, "role"> = { username: "admin", userId: -42 };

const BEARER_PREFIX = /^Bearer\s+/i;
const ACCOUNT_TOKEN_PREFIX = "user:";

export type AuthResult = { ok: true; caller: Caller } | { ok: false; reply: Reply };

export interface AuthContext {
  store: Store;
  adminToken: string;
  basePath: string;
}

/**
 * unleash-server's rbac-middleware and access store: an admin API token may do anything; an
 * account has the permissions of its root role plus those of the project roles it holds in the
 * project concerned (Unleash reads both from role_user). Unlike open source, which refuses every
 * project but "default" here, the emulator serves many projects, as Enterprise does.
 */
export function isAllowed(caller: Caller, permission: string, store: Store, project = "default"): boolean {
  if (caller.account === undefined) return hasPermission(caller.role, permission);
  return [caller.role, ...projectRolesOf(caller.userId, project, store)].some((role) =>
    hasPermission(role, permission, project),
  );
}

function projectRolesOf(userId: number, project: string, store: Store): Role[] {
  return store.projectRoleIdsOf(userId, project).flatMap((id) => findProjectRole(id) ?? []);
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

export function authenticate(header: string | undefined, context: AuthContext): AuthResult {
  if (!header) return { ok: false, reply: middlewareReply(authenticationRequired(context.basePath)) };
  const token = header.replace(BEARER_PREFIX, "");
  if (token === context.adminToken) return { ok: true, caller: { ...ADMIN_TOKEN_CALLER, role: adminRole() } };
  if (credentialKind(token) === "api-token" && cachedApiToken(hashSecret(token), context.store) !== undefined) {
    return { ok: false, reply: wrongTokenType() };
  }
  const account = token.startsWith(ACCOUNT_TOKEN_PREFIX) ? accountFor(token, context.store) : undefined;
  if (account === undefined) return { ok: false, reply: middlewareReply(unauthorized()) };
  const role = rootRoleOf(account.rootRole);
  return { ok: true, caller: { username: account.username, userId: account.id, role, account } };
}

function accountFor(secret: string, store: Store): UserRecord | undefined {
  const secretHash = hashSecret(secret);
  const nowMs = store.clock.nowMs();
  const token = store.state.tokens.find(
    (candidate) =>
      candidate.secretHash === secretHash && candidate.deletedAt === null && Date.parse(candidate.expiresAt) > nowMs,
  );
  if (token === undefined) return undefined;
  const account = store.activeUsers().find((user) => user.id === token.userId);
  // Unleash records seenAt in batches; the emulator saves it with the next change.
  if (account !== undefined) token.seenAt = store.clock.now().toISOString();
  return account;
}

/** Which SDK token type a path is for: /api/client is the backend SDKs', /api/frontend the frontend SDKs'. */
export type SdkAudience = "backend" | "frontend";

function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function sdkAudienceOf(path: string): SdkAudience | undefined {
  if (isUnder(path, "/api/client")) return "backend";
  return isUnder(path, "/api/frontend") ? "frontend" : undefined;
}

function accepts(audience: SdkAudience, token: ApiTokenRecord): boolean {
  return audience === "frontend" ? token.type === "frontend" : token.type !== "frontend";
}

/** The SDK middlewares: 401 without a token the server knows, 403 for any other kind or type of token. */
export function authenticateSdk(header: string | undefined, audience: SdkAudience, store: Store): AuthResult {
  const value = (header ?? "").replace(BEARER_PREFIX, "");
  if (value === "") return { ok: false, reply: sdkTokenRequired() };
  if (credentialKind(value) !== "api-token") return { ok: false, reply: wrongTokenType() };
  const token = cachedApiToken(hashSecret(value), store);
  if (token === undefined) return { ok: false, reply: sdkTokenRequired() };
  if (!accepts(audience, token)) return { ok: false, reply: wrongTokenType() };
  const caller: Caller = { username: token.tokenName, userId: SDK_TOKEN_USER_ID, role: sdkTokenRole(token.type), apiToken: token };
  return { ok: true, caller };
}
