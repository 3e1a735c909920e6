// Response shapes of the contract (serviceAccountSchema, patSchema, apiTokenSchema) and of unleash-server's User.
import { createHash } from "node:crypto";
import type { ApiTokenRecord, ProjectRecord, ProjectRoleGrant, TokenRecord, UserRecord } from "./state.js";

/** unleash-server util/generateImageUrl. */
export function imageUrlOf(user: Pick<UserRecord, "username" | "id">): string {
  const ident = (user.username || String(user.id)).toLowerCase().trim();
  return `https://gravatar.com/avatar/${createHash("sha256").update(ident).digest("hex")}?s=42&d=retro&r=g`;
}

export function patView(token: TokenRecord, nowMs: number): Record<string, unknown> {
  return {
    id: token.id,
    description: token.description,
    expiresAt: token.expiresAt,
    createdAt: token.createdAt,
    seenAt: token.seenAt,
    userId: token.userId,
    // Unleash computes "expires-soon" from notification settings the emulator does not have.
    ...(Date.parse(token.expiresAt) <= nowMs ? { expiryWarning: "expired" } : {}),
  };
}

export function serviceAccountView(account: UserRecord, tokens: TokenRecord[], nowMs: number): Record<string, unknown> {
  return {
    id: account.id,
    isAPI: false,
    username: account.username,
    name: account.name,
    imageUrl: imageUrlOf(account),
    rootRole: account.rootRole,
    seenAt: null,
    loginAttempts: 0,
    emailSent: false,
    createdAt: account.createdAt,
    accountType: "Service Account",
    tokens: tokens.map((token) => patView(token, nowMs)),
  };
}

/** The `user` of GET /api/admin/user for an account (unleash-server types/user.ts, minus isAPI). */
export function accountUserView(account: UserRecord): Record<string, unknown> {
  return {
    id: account.id,
    name: account.name,
    username: account.username,
    imageUrl: imageUrlOf(account),
    seenAt: null,
    loginAttempts: 0,
    createdAt: account.createdAt,
    accountType: accountTypeOf(account),
  };
}

function accountTypeOf(user: UserRecord): string {
  return user.isService ? "Service Account" : "User";
}

/** A project as GET /api/admin/projects lists it (projectSchema, the fields the emulator knows). */
export function projectView(project: ProjectRecord, counts: { featureCount: number; memberCount: number }) {
  return { ...project, health: 100, technicalDebt: 0, ...counts, archivedAt: null, mode: "open" };
}

/**
 * userWithProjectRoleSchema as unleash-server's access service builds it: the user's public fields,
 * every project role it holds there, and the deprecated `roleId` and `addedAt` of the first one.
 */
export function projectUserView(user: UserRecord, grants: readonly ProjectRoleGrant[]): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    username: user.username,
    imageUrl: imageUrlOf(user),
    isAPI: false,
    accountType: accountTypeOf(user),
    addedAt: grants[0]?.addedAt,
    roleId: grants[0]?.roleId,
    roles: grants.map((grant) => grant.roleId),
  };
}

/** The key a listed SDK token is addressed by: the v1 secret, or the v2 selector. */
export function apiTokenIdentifier(token: ApiTokenRecord): string {
  return (token.format === "v1" ? token.secret : token.selector) ?? "";
}

/** An optional key the v2 service leaves out when it is not set. */
function whenSet(key: string, value: string | null): Record<string, string> {
  return value === null ? {} : { [key]: value };
}

/**
 * apiTokenSchema as the list and the by-name route send it. v1 (tokenRowReducer): the secret, a
 * stored `backend` type shown as `client`, every key present. v2 (ApiTokenV2Service.toApiToken):
 * the selector in `secret`, the stored type, no `alias`, `expiresAt` and `seenAt` only when set.
 */
export function listedApiTokenView(token: ApiTokenRecord): Record<string, unknown> {
  const scope = { projects: token.projects, project: token.projects.join(","), environment: token.environment };
  const secret = apiTokenIdentifier(token);
  if (token.format === "v2") {
    const dates = { ...whenSet("expiresAt", token.expiresAt), createdAt: token.createdAt, ...whenSet("seenAt", token.seenAt) };
    return { secret, tokenName: token.tokenName, type: token.type, ...scope, ...dates, secure: true };
  }
  const type = token.type === "backend" ? "client" : token.type;
  const dates = { expiresAt: token.expiresAt, createdAt: token.createdAt, alias: null, seenAt: token.seenAt };
  return { secret, tokenName: token.tokenName, type, ...scope, ...dates, secure: false };
}

/** The 201 body of a create: the type as sent (lower-cased), the whole secret, `expiresAt` only when sent. */
export function createdApiTokenView(token: ApiTokenRecord, secret: string): Record<string, unknown> {
  const scope = { projects: token.projects, project: token.projects.join(","), environment: token.environment };
  const common = { tokenName: token.tokenName, type: token.type, ...scope, ...whenSet("expiresAt", token.expiresAt) };
  const v1Only = token.format === "v1" ? { alias: null } : {};
  return { ...common, secret, ...v1Only, createdAt: token.createdAt, secure: token.format === "v2" };
}

/** An SDK token in an event: never its secret; a v2 token with its selector and version (toEventToken). */
export function apiTokenEventData(token: ApiTokenRecord): Record<string, unknown> {
  const { secret: _secret, ...listed } = listedApiTokenView(token);
  return token.format === "v2" ? { ...listed, selector: token.selector, tokenVersion: 2 } : listed;
}
