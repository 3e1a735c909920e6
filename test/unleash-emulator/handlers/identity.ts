import type { Caller } from "../auth.js";
import { ADMIN, ROLES, roleView } from "../roles.js";
import { route, type Route } from "../router.js";
import { accountUserView } from "../views.js";
import { noParams } from "./common.js";

/** The `user` of meSchema. For the admin token Unleash returns its ApiUser; the emulator leaves out the secret. */
function userOf(caller: Caller): Record<string, unknown> {
  if (caller.account !== undefined) return accountUserView(caller.account);
  return { username: caller.username, permissions: [ADMIN], projects: ["*"], environment: "*", type: "admin" };
}

const me = route({
  method: "GET",
  pattern: "/api/admin/user",
  params: noParams,
  handler: ({ caller }) => ({
    status: 200,
    headers: { "cache-control": "no-store" },
    body: { user: userOf(caller), permissions: caller.role.grants, feedback: [], splash: {} },
  }),
});

// All roles, project roles included: clients must pick the root ones by type and name.
const roles = route({
  method: "GET",
  pattern: "/api/admin/roles",
  permission: ADMIN,
  params: noParams,
  handler: () => ({ status: 200, body: { version: 1, roles: ROLES.map(roleView) } }),
});

export const identityRoutes: readonly Route[] = [me, roles];
