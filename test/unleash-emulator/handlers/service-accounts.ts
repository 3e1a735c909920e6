import { z } from "zod";
import { nameExists } from "../errors.js";
import { jsonInteger, jsonString } from "../json-types.js";
import { ADMIN, rootRoles, roleView } from "../roles.js";
import { route, routeWithBody, type Route } from "../router.js";
import type { UserRecord } from "../state.js";
import type { Store } from "../store.js";
import { serviceAccountView } from "../views.js";
import { accountParams, noParams, recordAccountEvent, requireRootRole, requireServiceAccount } from "./common.js";

const createBody = z.object({
  username: jsonString(z.string().min(1)),
  name: jsonString(z.string()),
  rootRole: jsonInteger(),
});
// Extra properties are allowed (and ignored); username cannot be changed.
const updateBody = z.object({ name: jsonString(z.string()).optional(), rootRole: jsonInteger().optional() });

function view(store: Store, account: UserRecord): Record<string, unknown> {
  return serviceAccountView(account, store.tokensOf(account.id), store.clock.nowMs());
}

function auditData(account: UserRecord): Record<string, unknown> {
  return { id: account.id, username: account.username, name: account.name, rootRole: account.rootRole };
}

const list = route({
  method: "GET",
  pattern: "/api/admin/service-account",
  permission: ADMIN,
  params: noParams,
  handler: ({ store }) => ({
    status: 200,
    body: {
      serviceAccounts: [...store.activeServiceAccounts().map((account) => view(store, account)), ...store.listExtras],
      rootRoles: rootRoles().map(roleView),
    },
  }),
});

const create = routeWithBody({
  method: "POST",
  pattern: "/api/admin/service-account",
  permission: ADMIN,
  params: noParams,
  body: createBody,
  handler: ({ body, caller, store }) => {
    requireRootRole(body.rootRole);
    if (store.activeUsers().some((user) => user.username === body.username)) throw nameExists("User already exists");
    const account = store.change((state) => {
      const record: UserRecord = {
        id: store.nextId("user"),
        username: body.username,
        name: body.name,
        rootRole: body.rootRole,
        isService: true,
        createdAt: store.clock.now().toISOString(),
        deletedAt: null,
      };
      state.users.push(record);
      recordAccountEvent(store, caller, "service-account-created", { data: auditData(record), preData: null });
      return record;
    });
    return { status: 201, body: view(store, account), headers: { location: `service-account/${account.id}` } };
  },
});

const update = routeWithBody({
  method: "PUT",
  pattern: "/api/admin/service-account/:id",
  permission: ADMIN,
  params: accountParams,
  body: updateBody,
  handler: ({ params, body, caller, store }) => {
    const account = requireServiceAccount(store, params.id);
    if (body.rootRole !== undefined) requireRootRole(body.rootRole);
    store.change(() => {
      const before = auditData(account);
      account.name = body.name ?? account.name;
      account.rootRole = body.rootRole ?? account.rootRole;
      const after = auditData(account);
      // Like Unleash's event store, an update that changes nothing is not recorded.
      if (JSON.stringify(after) !== JSON.stringify(before)) recordAccountEvent(store, caller, "service-account-updated", { data: after, preData: before });
    });
    return { status: 200, body: view(store, account) };
  },
});

const remove = route({
  method: "DELETE",
  pattern: "/api/admin/service-account/:id",
  permission: ADMIN,
  params: accountParams,
  handler: ({ params, caller, store }) => {
    const account = requireServiceAccount(store, params.id);
    store.change(() => {
      account.deletedAt = store.clock.now().toISOString();
      // As AccessService.wipeUserPermissions: the account's roles go with it, project roles included.
      store.removeGrants((grant) => grant.userId === account.id);
      recordAccountEvent(store, caller, "service-account-deleted", { data: null, preData: auditData(account) });
    });
    return { status: 200 };
  },
});

export const serviceAccountRoutes: readonly Route[] = [list, create, update, remove];
