// Response shapes of the contract (serviceAccountSchema, patSchema) and of unleash-server's User.
import { createHash } from "node:crypto";
import type { TokenRecord, UserRecord } from "./state.js";

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
    accountType: account.isService ? "Service Account" : "User",
  };
}
