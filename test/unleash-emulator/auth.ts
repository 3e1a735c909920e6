// Authentication as unleash-server 8.2 does it: the Bearer prefix is stripped
// (bearer-token-middleware), `user:` tokens are personal access tokens of an active account that
// have not expired (account-store), anything else is compared with the admin API token.
import { createHash } from "node:crypto";
import { authenticationRequired, middlewareReply, unauthorized } from "./errors.js";
import type { Reply } from "./http-io.js";
import { adminRole, findProjectRole, hasPermission, rootRoleOf, type Role } from "./roles.js";
import type { UserRecord } from "./state.js";
import type { Store } from "./store.js";

/** Who made a request: the admin API token, or an account through one of its tokens. */
export interface Caller {
  /** Name written to the event log (Unleash uses the account's email or username). */
  username: string;
  userId: number;
  role: Role;
  account?: UserRecord;
}

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
