// Project access of a ServiceAccount: the declared list is the whole truth, under the connection's policy.
import { describe, expect, it } from "vitest";
import { fakeWorld, readyOf } from "../fakes.js";

const MEMBER = 5;
const OWNER = 4;
const account = (projects?: unknown) => ({ connectionRef: { kind: "UnleashConnection", name: "unleash" }, rootRole: "Viewer", ...(projects === undefined ? {} : { projects }) });

function accountIdOf(world: ReturnType<typeof fakeWorld>): number {
  const id = world.kube.serviceAccounts.get("team-a/app")?.status.id;
  if (id === undefined) throw new Error("no account id in status");
  return id;
}

describe("ServiceAccount project access", () => {
  it("grants the declared roles, shows them in status, and writes nothing on the next reconcile", async () => {
    const world = fakeWorld();
    world.unleash.projects.set("web", new Map());
    world.kube.add("ServiceAccount", "app", account([{ project: "default", roles: ["Member"] }, { project: "web", roles: ["owner", "Member"] }]));
    await world.reconcileAccount("app");
    const id = accountIdOf(world);
    expect(world.unleash.projects.get("default")?.get(id)).toEqual([MEMBER]);
    expect(world.unleash.projects.get("web")?.get(id)).toEqual([OWNER, MEMBER]);
    const resource = world.kube.serviceAccounts.get("team-a/app");
    expect(resource?.status.projects).toEqual([
      { project: "default", roles: ["Member"] },
      { project: "web", roles: ["Member", "Owner"] },
    ]);
    expect(readyOf(resource)?.status).toBe("True");
    world.resetWrites();
    await world.reconcileAccount("app");
    expect(world.writes.unleash).toEqual([]);
    expect(world.writes.status).toEqual([]);
  });

  it("sets a changed role set exactly, removes a project taken off the list, and reverts access granted in Unleash", async () => {
    const world = fakeWorld();
    world.unleash.projects.set("web", new Map());
    world.unleash.projects.set("other", new Map());
    world.kube.add("ServiceAccount", "app", account([{ project: "default", roles: ["Owner"] }, { project: "web", roles: ["Member"] }]));
    await world.reconcileAccount("app");
    const id = accountIdOf(world);
    world.kube.setSpec("ServiceAccount", "app", account([{ project: "default", roles: ["Member"] }]));
    world.unleash.projects.get("other")?.set(id, [OWNER]);
    world.connection.projectAccess.invalidate();
    world.resetWrites();
    await world.reconcileAccount("app");
    expect(world.writes.unleash.sort()).toEqual([`remove access other ${id}`, `remove access web ${id}`, `set roles default ${id} ${MEMBER}`]);
    expect([...world.unleash.projects].map(([project, users]) => [project, users.get(id)])).toEqual([
      ["default", [MEMBER]],
      ["web", undefined],
      ["other", undefined],
    ]);
    expect(world.writes.events).toContain("app Normal ProjectAccessUpdated");
  });

  it("leaves project access alone when spec.projects is unset", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", account());
    await world.reconcileAccount("app");
    world.unleash.projects.get("default")?.set(accountIdOf(world), [OWNER]);
    world.connection.snapshots.invalidate();
    world.resetWrites();
    await world.reconcileAccount("app");
    expect(world.writes.unleash).toEqual([]);
    expect(world.kube.serviceAccounts.get("team-a/app")?.status.projects).toBeUndefined();
  });

  it.each([
    ["ProjectNotFound", [{ project: "ghost", roles: ["Member"] }], /project "ghost" does not exist/],
    ["ProjectRoleNotFound", [{ project: "default", roles: ["Maintainer"] }], /Maintainer do not exist in project "default".*known project roles: Owner, Member/],
    ["ProjectRoleNotFound", [{ project: "default", roles: ["Admin"] }], /Admin: a root role, set as spec.rootRole, not a project role/],
  ])("reports %s, and still keeps the account and its root role for the tokens", async (reason, projects, message) => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", account(projects));
    world.kube.add("ServiceAccountToken", "app-token", { serviceAccountRef: { name: "app" } });
    await world.converge();
    const resource = world.kube.serviceAccounts.get("team-a/app");
    expect(readyOf(resource)).toMatchObject({ status: "False", reason });
    expect(readyOf(resource)?.message).toMatch(message);
    expect(resource?.status.id).toBeDefined();
    expect(readyOf(world.kube.tokens.get("team-a/app-token"))?.status).toBe("True");
  });

  it("refuses access the policy does not admit before creating the account: zero Unleash writes", async () => {
    const world = fakeWorld({ projectPolicy: (project, role) => project === "default" && role === "Member" });
    world.kube.add("ServiceAccount", "app", account([{ project: "default", roles: ["Owner"] }]));
    await world.reconcileAccount("app");
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))).toMatchObject({ status: "False", reason: "ProjectNotAllowed" });
    expect(world.writes.unleash).toEqual([]);
  });

  it("takes away access a tightened policy no longer admits, keeping what it still admits", async () => {
    let admitsOwner = true;
    const world = fakeWorld({ projectPolicy: (_project, role) => role === "Member" || admitsOwner });
    world.kube.add("ServiceAccount", "app", account([{ project: "default", roles: ["Owner", "Member"] }]));
    await world.reconcileAccount("app");
    const id = accountIdOf(world);
    expect(world.unleash.projects.get("default")?.get(id)).toEqual([OWNER, MEMBER]);
    admitsOwner = false;
    await world.reconcileAccount("app");
    expect(world.unleash.projects.get("default")?.get(id)).toEqual([MEMBER]);
    const resource = world.kube.serviceAccounts.get("team-a/app");
    expect(readyOf(resource)).toMatchObject({ status: "False", reason: "ProjectNotAllowed" });
    expect(resource?.status.projects).toEqual([{ project: "default", roles: ["Member"] }]);
  });

  it("reads every project's access once per resync period, not per reconcile", async () => {
    const world = fakeWorld();
    let reads = 0;
    const read = world.unleash.getProjectAccess.bind(world.unleash);
    world.unleash.getProjectAccess = async (project: string) => {
      reads += 1;
      return read(project);
    };
    for (const name of ["a", "b", "c"]) world.kube.add("ServiceAccount", name, account([{ project: "default", roles: ["Member"] }]));
    for (const name of ["a", "b", "c", "a", "b", "c"]) await world.reconcileAccount(name);
    expect(reads).toBe(1);
  });
});
