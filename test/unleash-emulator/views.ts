// Response shapes of the contract (serviceAccountSchema, patSchema) and of unleash-server's User.
import { createHash } from "node:crypto";
import type { ProjectRecord, ProjectRoleGrant, TokenRecord, UserRecord } from "./state.js";

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
