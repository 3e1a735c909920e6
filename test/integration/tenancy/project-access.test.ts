// Least privilege on the real control plane and the emulator: project roles declared on a ServiceAccount
// are applied exactly, drift is reverted, unknown projects and roles are reported without holding the
// account back, and a cluster connection's policy decides who may ask for what.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { clusterConnectionYaml, deleteClusterConnection } from "../support/cluster-connection.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

const WRITE = /^(POST|PUT|DELETE) /;
const MEMBER = 5;
const OWNER = 4;

describe("project access of ServiceAccounts", () => {
  let world: World;
  const cluster = `projects-${Date.now().toString(36)}`;
  const writes = async () => Object.entries(await world.control.calls()).filter(([route, n]) => WRITE.test(route) && n > 0);
  const accountId = async (name: string): Promise<number> => {
    const id = (await world.get("ServiceAccount", name))?.status?.id;
    if (typeof id !== "number") throw new Error(`${name} has no account id`);
    return id;
  };
  /** The account's role ids in a project, as Unleash's own access route answers. */
  const rolesIn = async (project: string, id: number): Promise<number[]> => {
    const answer = await world.unleash(world.emulator.adminToken, "GET", `/api/admin/projects/${project}/access`);
    const users = (answer.json as { users: Array<{ id: number; roles: number[] }> }).users;
    return [...(users.find((user) => user.id === id)?.roles ?? [])].sort();
  };
  const declare = (name: string, projects: string, connection = "unleash") => serviceAccountYaml(name, `rootRole: Viewer\nprojects: ${projects}`, connection);

  beforeAll(async () => {
    world = await createWorld("projects", { resyncPeriod: "3s" });
    await world.control.createProject({ id: "web" });
    await world.control.createProject({ id: "checkout" });
    await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken));
  });
  afterAll(async () => {
    await world.deleteResources();
    await deleteClusterConnection(world.kubectl, cluster);
    await world.close();
  });

  it("grants the declared roles, shows them in status, then changes and removes them as the list changes", async () => {
    await world.apply(declare("lp", "[{project: default, roles: [Member]}, {project: web, roles: [Owner, Member]}]"));
    await world.waitForCondition("ServiceAccount", "lp", "Ready", "True");
    const id = await accountId("lp");
    expect(await rolesIn("default", id)).toEqual([MEMBER]);
    expect(await rolesIn("web", id)).toEqual([OWNER, MEMBER]);
    expect((await world.get("ServiceAccount", "lp"))?.status?.projects).toEqual([
      { project: "default", roles: ["Member"] },
      { project: "web", roles: ["Member", "Owner"] },
    ]);
    expect(await world.kubectl(["get", "-n", world.namespace, "usa", "lp", "-o", "custom-columns=P:.status.projectCount", "--no-headers"])).toBe("2\n");

    await world.apply(declare("lp", "[{project: web, roles: [Member]}]"));
    await eventually(async () => expect(await rolesIn("web", id)).toEqual([MEMBER]), { timeoutMs: 20_000 });
    expect(await rolesIn("default", id)).toEqual([]);
    await eventually(async () => expect((await world.get("ServiceAccount", "lp"))?.status?.projects).toEqual([{ project: "web", roles: ["Member"] }]), { timeoutMs: 20_000 });
  });

  it("reverts access changed in Unleash: a role set back, access to an undeclared project removed", async () => {
    const id = await accountId("lp");
    await world.unleash(world.emulator.adminToken, "PUT", `/api/admin/projects/web/users/${id}/roles`, { roles: [OWNER] });
    await world.unleash(world.emulator.adminToken, "POST", "/api/admin/projects/checkout/access", { roles: [OWNER], groups: [], users: [id] });
    await eventually(
      async () => {
        expect(await rolesIn("web", id)).toEqual([MEMBER]);
        expect(await rolesIn("checkout", id)).toEqual([]);
      },
      { timeoutMs: 30_000 },
    );
  });

  it("reports an unknown project or role without holding back the account or its token", async () => {
    await world.apply(documents(declare("ghost", "[{project: ghost, roles: [Member]}]"), tokenYaml("ghost-token", "ghost")));
    await world.waitForCondition("ServiceAccount", "ghost", "Stalled", "True");
    expect((await world.get("ServiceAccount", "ghost"))?.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("ProjectNotFound");
    await world.waitForCondition("ServiceAccountToken", "ghost-token", "Ready", "True");

    await world.apply(declare("ghost", "[{project: web, roles: [Admin]}]"));
    await eventually(async () => {
      const ready = (await world.get("ServiceAccount", "ghost"))?.status?.conditions?.find((c) => c.type === "Ready");
      expect(ready?.reason).toBe("ProjectRoleNotFound");
      expect(ready?.message).toContain("a root role, set as spec.rootRole, not a project role");
    }, { timeoutMs: 20_000 });
    expect((await world.get("ServiceAccountToken", "ghost-token"))?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("refuses through a cluster connection without projectAccess, writing nothing to Unleash", async () => {
    await world.apply(clusterConnectionYaml(cluster, world));
    await world.control.resetCalls();
    await world.apply(declare("refused", "[{project: web, roles: [Owner]}]", cluster).replace("kind: UnleashConnection", "kind: ClusterUnleashConnection"));
    await world.waitForCondition("ServiceAccount", "refused", "Stalled", "True");
    const ready = (await world.get("ServiceAccount", "refused"))?.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.reason).toBe("ProjectNotAllowed");
    expect(ready?.message).toContain(`ClusterUnleashConnection/${cluster} does not admit Owner in "web"`);
    expect(await writes()).toEqual([]);
  });

  it("grants what a policy admits, and takes away what a tightened policy no longer admits", async () => {
    const policy = (roles: string) => `${clusterConnectionYaml(cluster, world)}  projectAccess: [{namespaces: {names: [${world.namespace}]}, projects: [web], roles: [${roles}]}]\n`;
    await world.apply(policy("Owner, Member"));
    await world.waitForCondition("ServiceAccount", "refused", "Ready", "True");
    const id = await accountId("refused");
    expect(await rolesIn("web", id)).toEqual([OWNER]);

    await world.apply(declare("refused", "[{project: web, roles: [Owner, Member]}]", cluster).replace("kind: UnleashConnection", "kind: ClusterUnleashConnection"));
    await eventually(async () => expect(await rolesIn("web", id)).toEqual([OWNER, MEMBER]), { timeoutMs: 20_000 });
    await world.apply(policy("Member"));
    await eventually(async () => expect(await rolesIn("web", id)).toEqual([MEMBER]), { timeoutMs: 20_000 });
    const ready = await world.waitForCondition("ServiceAccount", "refused", "Stalled", "True");
    expect(ready.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("ProjectNotAllowed");
  });

  it("makes no write and reads each project at most once per resync once converged", async () => {
    await world.waitForCondition("ServiceAccount", "lp", "Ready", "True");
    await world.control.resetCalls();
    await eventually(async () => expect((await world.control.calls())["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(3), { timeoutMs: 30_000 });
    const calls = await world.control.calls();
    const lists = calls["GET /api/admin/service-account"] ?? 0;
    expect(await writes()).toEqual([]);
    // Per resync, each connection lists the accounts once, and the projects once with each project's access
    // (three projects), however many accounts declare project access.
    const projectLists = calls["GET /api/admin/projects"] ?? 0;
    expect(projectLists).toBeGreaterThan(0);
    expect(projectLists).toBeLessThanOrEqual(lists + 2);
    expect(calls["GET /api/admin/projects/:projectId/access"] ?? 0).toBeLessThanOrEqual(3 * projectLists);
  });
});
