// The "Project access" part of the contract (/work/shared/docs/unleash-service-account-api.md) as
// a suite that runs against the emulator and against the real open-source server with the routes
// added. The routes are called through the operator's own UnleashClient, so the suite also proves
// that the client reads what both backends answer; plain HTTP is used only where the client
// deliberately hides something (the wire shape, DELETE's 404, calls made with an account's token).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { UnleashClient } from "../../src/unleash/client.js";
import { UnleashBadRequestError, UnleashNotFoundError } from "../../src/unleash/errors.js";
import type { ContractBackend } from "./contract-suite.js";
import { request, type Reply, type RequestOptions } from "./http.js";

const FUTURE = new Date("2048-01-01T00:00:00.000Z");
const DEFAULT_PROJECT = "default";
const MISSING_PROJECT = "no-such-project";

const accessWireSchema = z.object({
  roles: z.array(z.object({ id: z.number().int(), name: z.string(), type: z.literal("project") })),
  users: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      roleId: z.number().int(),
      roles: z.array(z.number().int()),
      accountType: z.string(),
    }),
  ),
  groups: z.array(z.unknown()),
});
const eventsSchema = z.object({
  events: z.array(z.object({ type: z.string(), createdBy: z.string(), project: z.string().nullable() })),
});
const errorSchema = z.object({ name: z.string(), details: z.array(z.object({ path: z.string().optional() })) });

export function describeProjectAccessContract(name: string, start: () => Promise<ContractBackend>): void {
  const runId = randomBytes(4).toString("hex");
  let serial = 0;
  let backend: ContractBackend | undefined;
  let client: UnleashClient | undefined;
  const roleIds = new Map<string, number>();

  const uniqueName = (label: string): string => `pa-${runId}-${label}-${++serial}`;

  function started(): { backend: ContractBackend; client: UnleashClient } {
    if (backend === undefined || client === undefined) throw new Error("backend not started");
    return { backend, client };
  }

  function roleId(roleName: string): number {
    const id = roleIds.get(roleName);
    if (id === undefined) throw new Error(`role ${roleName} not found`);
    return id;
  }

  const call = (method: string, path: string, options: RequestOptions = {}): Promise<Reply> =>
    request(started().backend, method, path, options);

  async function createAccount(rootRole = "Viewer"): Promise<{ id: number; username: string }> {
    const username = uniqueName(rootRole.toLowerCase());
    const account = await started().client.createServiceAccount({ username, name: username, rootRole: roleId(rootRole) });
    return { id: account.id, username };
  }

  async function accountWithToken(rootRole = "Viewer") {
    const account = await createAccount(rootRole);
    const token = await started().client.createToken(account.id, { description: uniqueName("token"), expiresAt: FUTURE });
    return { ...account, secret: token.secret.reveal() };
  }

  /** The account's project role ids (sorted), or undefined when it has no access to the project. */
  async function rolesHeld(accountId: number, project = DEFAULT_PROJECT): Promise<number[] | undefined> {
    const { users } = await started().client.getProjectAccess(project);
    return users.find((user) => user.id === accountId)?.roles.toSorted((a, b) => a - b);
  }

  async function grant(accountId: number, ...roleNames: string[]): Promise<void> {
    await started().client.addProjectAccess(DEFAULT_PROJECT, { users: [accountId], roles: roleNames.map(roleId) });
  }

  async function createFlag(token: string): Promise<number> {
    const reply = await call("POST", `/api/admin/projects/${DEFAULT_PROJECT}/features`, {
      token,
      body: { name: uniqueName("flag") },
    });
    return reply.status;
  }

  describe(`Unleash project-access contract: ${name}`, () => {
    beforeAll(async () => {
      backend = await start();
      const adminToken = backend.adminToken;
      client = new UnleashClient({ baseUrl: backend.url, getAdminToken: async () => adminToken });
      for (const role of await client.listRoles()) roleIds.set(role.name, role.id);
    });

    afterAll(async () => {
      await client?.close();
      await backend?.stop();
    });

    it("lists the projects, the default one among them", async () => {
      const projects = await started().client.listProjects();
      expect(projects.map((project) => project.id)).toContain(DEFAULT_PROJECT);
    });

    it("offers the built-in project roles Owner and Member, and no root role", async () => {
      const { roles } = await started().client.getProjectAccess(DEFAULT_PROJECT);
      const names = roles.map((role) => role.name);
      expect(names).toEqual(expect.arrayContaining(["Owner", "Member"]));
      expect(roles.every((role) => role.type === "project")).toBe(true);
      expect(names).not.toContain("Viewer");
    });

    it("grants a project role: the access list shows the account with it, as a service account", async () => {
      const account = await createAccount();
      await grant(account.id, "Member");
      expect(await rolesHeld(account.id)).toEqual([roleId("Member")]);
      const wire = accessWireSchema.parse((await call("GET", `/api/admin/projects/${DEFAULT_PROJECT}/access`)).json);
      const listed = wire.users.find((user) => user.id === account.id);
      expect(listed).toMatchObject({ roles: [roleId("Member")], roleId: roleId("Member"), accountType: "Service Account" });
    });

    it("replaces the whole role set with PUT: Owner becomes Member, two roles become one", async () => {
      const account = await createAccount();
      await grant(account.id, "Owner");
      await started().client.setProjectRoles(DEFAULT_PROJECT, account.id, [roleId("Member")]);
      expect(await rolesHeld(account.id)).toEqual([roleId("Member")]);
      await started().client.setProjectRoles(DEFAULT_PROJECT, account.id, [roleId("Owner"), roleId("Member")]);
      expect(await rolesHeld(account.id)).toEqual([roleId("Owner"), roleId("Member")].toSorted((a, b) => a - b));
      await started().client.setProjectRoles(DEFAULT_PROJECT, account.id, [roleId("Owner")]);
      expect(await rolesHeld(account.id)).toEqual([roleId("Owner")]);
    });

    it("removes every role of the account in the project with DELETE, and again without error", async () => {
      const account = await createAccount();
      await grant(account.id, "Owner", "Member");
      await started().client.removeProjectAccess(DEFAULT_PROJECT, account.id);
      expect(await rolesHeld(account.id)).toBeUndefined();
      const again = await call("DELETE", `/api/admin/projects/${DEFAULT_PROJECT}/users/${account.id}/roles`);
      expect(again.status).toBe(200);
    });

    it("answers 404 for an unknown project on every access route", async () => {
      const account = await createAccount();
      const { client } = started();
      await expect(client.getProjectAccess(MISSING_PROJECT)).rejects.toBeInstanceOf(UnleashNotFoundError);
      const add = client.addProjectAccess(MISSING_PROJECT, { users: [account.id], roles: [roleId("Member")] });
      await expect(add).rejects.toBeInstanceOf(UnleashNotFoundError);
      const set = client.setProjectRoles(MISSING_PROJECT, account.id, [roleId("Member")]);
      await expect(set).rejects.toBeInstanceOf(UnleashNotFoundError);
      // The client reads a DELETE's 404 as "already gone", so the status is checked on the wire.
      const remove = await call("DELETE", `/api/admin/projects/${MISSING_PROJECT}/users/${account.id}/roles`);
      expect(remove.status).toBe(404);
    });

    it("refuses a root role as a project role on a grant (400), granting nothing", async () => {
      const account = await createAccount();
      const add = started().client.addProjectAccess(DEFAULT_PROJECT, { users: [account.id], roles: [roleId("Viewer")] });
      await expect(add).rejects.toBeInstanceOf(UnleashBadRequestError);
      expect(await rolesHeld(account.id)).toBeUndefined();
    });

    it("drops a root role from a PUT's role set without a word, as Unleash's access store does", async () => {
      const account = await createAccount();
      await grant(account.id, "Owner");
      await started().client.setProjectRoles(DEFAULT_PROJECT, account.id, [roleId("Member"), roleId("Viewer")]);
      expect(await rolesHeld(account.id)).toEqual([roleId("Member")]);
    });

    it("validates the grant body: groups is required (400 naming /body/groups)", async () => {
      const account = await createAccount();
      const reply = await call("POST", `/api/admin/projects/${DEFAULT_PROJECT}/access`, {
        body: { roles: [roleId("Member")], users: [account.id] },
      });
      expect(reply.status).toBe(400);
      const error = errorSchema.parse(reply.json);
      expect(error.name).toBe("BadDataError");
      expect(error.details.map((detail) => detail.path)).toContain("/body/groups");
    });

    it("refuses the access routes to a token without ADMIN (403)", async () => {
      const { secret } = await accountWithToken("Editor");
      expect((await call("GET", `/api/admin/projects/${DEFAULT_PROJECT}/access`, { token: secret })).status).toBe(403);
    });

    it("makes project roles count: root Viewer plus Member creates a flag with its own token (201), not without (403)", async () => {
      const account = await accountWithToken("Viewer");
      expect(await createFlag(account.secret)).toBe(403);
      await grant(account.id, "Member");
      expect(await createFlag(account.secret)).toBe(201);
      await started().client.removeProjectAccess(DEFAULT_PROJECT, account.id);
      expect(await createFlag(account.secret)).toBe(403);
    });

    it("names the account in the event log for the flag it created, and the admin for the access changes", async () => {
      const account = await accountWithToken("Viewer");
      await grant(account.id, "Owner");
      await started().client.setProjectRoles(DEFAULT_PROJECT, account.id, [roleId("Member")]);
      expect(await createFlag(account.secret)).toBe(201);
      await started().client.removeProjectAccess(DEFAULT_PROJECT, account.id);
      const { events } = eventsSchema.parse((await call("GET", "/api/admin/events")).json);
      const byAccount = events.filter((event) => event.createdBy === account.username).map((event) => event.type);
      expect(byAccount).toEqual(["feature-created"]);
      const accessEvents = events.filter((event) => event.type.startsWith("project-access-")).slice(0, 3);
      expect(accessEvents.map((event) => [event.type, event.project])).toEqual([
        ["project-access-user-roles-deleted", DEFAULT_PROJECT],
        ["project-access-user-roles-updated", DEFAULT_PROJECT],
        ["project-access-added", DEFAULT_PROJECT],
      ]);
      expect(new Set(accessEvents.map((event) => event.createdBy))).toEqual(new Set(["admin"]));
    });

    // Both backends hide a deleted account from the access list; that its roles are gone too is
    // shown where it is visible: the emulator's state (unit tests) and the server's own wipe.
    it("no longer lists a deleted account among those with access", async () => {
      const account = await createAccount();
      await grant(account.id, "Member");
      await started().client.deleteServiceAccount(account.id);
      expect(await rolesHeld(account.id)).toBeUndefined();
    });
  });
}
