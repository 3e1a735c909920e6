// The ServiceAccount reconciler's decisions, against in-memory fakes of Kubernetes and Unleash.
import { describe, expect, it } from "vitest";
import { stalled } from "../../../../src/api/v1alpha1/conditions.js";
import { StalledError } from "../../../../src/controllers/shared/outcomes.js";
import { UnleashTransientError, UnleashUnauthorizedError } from "../../../../src/unleash/errors.js";
import { fakeWorld, readyOf, uidOf } from "../fakes.js";

const account = (spec: Record<string, unknown> = {}) => ({ connectionRef: { kind: "UnleashConnection", name: "unleash" }, rootRole: "Editor", ...spec });

describe("ServiceAccount reconciler", () => {
  it("creates the account with its finalizer and reports Ready; reconciling again writes nothing", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", account({ displayName: "App" }));
    await world.reconcileAccount("app");
    const resource = world.kube.serviceAccounts.get("team-a/app");
    expect(readyOf(resource)).toMatchObject({ status: "True", reason: "Ready" });
    expect(resource?.metadata.finalizers).toContain("accounts.unleash.dev/finalizer");
    expect([...world.unleash.accounts.values()].map((a) => [a.username, a.name, a.rootRole])).toEqual([["app", "App", 2]]);
    world.resetWrites();
    await world.reconcileAccount("app");
    expect(world.writes).toEqual({ unleash: [], status: [], finalizers: [], secrets: [], events: [], restarts: [] });
  });

  it("reverts a role changed in Unleash, and stops after the repair budget with RepairLoopDetected", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", account());
    await world.reconcileAccount("app");
    const created = [...world.unleash.accounts.values()][0];
    for (let i = 0; i < 5; i++) {
      if (created) created.rootRole = 3;
      world.connection.snapshots.invalidate();
      await world.reconcileAccount("app");
      expect(created?.rootRole).toBe(2);
    }
    if (created) created.rootRole = 3;
    world.connection.snapshots.invalidate();
    await world.reconcileAccount("app");
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))).toMatchObject({ status: "False", reason: "RepairLoopDetected" });
    expect(created?.rootRole).toBe(3);
  });

  it.each([
    ["RootRoleNotFound", account({ rootRole: "Ghost" }), {}],
    ["RootRoleNotAllowed", account({ rootRole: "Admin" }), { allowedRootRoles: ["Viewer", "Editor"] }],
  ])("reports %s and writes nothing to Unleash", async (reason, spec, overrides) => {
    const world = fakeWorld(overrides);
    world.kube.add("ServiceAccount", "app", spec);
    expect(await world.reconcileAccount("app")).toEqual({ terminal: true });
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))?.reason).toBe(reason);
    expect(world.writes.unleash).toEqual([]);
  });

  it("reports InvalidSpec for a spec that does not parse, and writes nothing but status", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", { connectionRef: { kind: "UnleashConnection", name: "unleash" } });
    await world.reconcileAccount("app");
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))?.reason).toBe("InvalidSpec");
    expect({ ...world.writes, status: [] }).toEqual({ unleash: [], status: [], finalizers: [], secrets: [], events: ["app Warning InvalidSpec"], restarts: [] });
  });

  it("reports UsernameTaken for an existing account, and adopts it only with adoptExisting where the connection allows", async () => {
    const world = fakeWorld();
    await world.unleash.createServiceAccount({ username: "app", name: "made by hand", rootRole: 3 });
    world.kube.add("ServiceAccount", "app", account());
    world.resetWrites();
    await world.reconcileAccount("app");
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))?.reason).toBe("UsernameTaken");
    expect(world.kube.serviceAccounts.get("team-a/app")?.status.id).toBeUndefined();

    const refusing = fakeWorld({ allowAdoption: false });
    await refusing.unleash.createServiceAccount({ username: "app", name: "made by hand", rootRole: 3 });
    refusing.kube.add("ServiceAccount", "app", account({ adoptExisting: true }));
    refusing.resetWrites();
    await refusing.reconcileAccount("app");
    expect(readyOf(refusing.kube.serviceAccounts.get("team-a/app"))?.reason).toBe("AdoptionNotAllowed");
    expect(refusing.writes.unleash).toEqual([]);

    const adopting = fakeWorld();
    const existing = await adopting.unleash.createServiceAccount({ username: "app", name: "made by hand", rootRole: 3 });
    adopting.kube.add("ServiceAccount", "app", account({ adoptExisting: true }));
    await adopting.reconcileAccount("app");
    expect(adopting.kube.serviceAccounts.get("team-a/app")?.status.id).toBe(existing.id);
    expect(adopting.writes.events).toContain("app Normal Adopted");
  });

  it("says AdoptionNotAllowed, not UsernameTaken, for an account made by hand after its view of Unleash was listed", async () => {
    const world = fakeWorld({ allowAdoption: false });
    await world.connection.snapshots.get();
    await world.unleash.createServiceAccount({ username: "app", name: "made by hand", rootRole: 3 });
    world.kube.add("ServiceAccount", "app", account({ adoptExisting: true }));
    await world.reconcileAccount("app");
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))?.reason).toBe("AdoptionNotAllowed");
    expect(world.kube.serviceAccounts.get("team-a/app")?.status.id).toBeUndefined();
  });

  it("names the resource that owns an account another resource of the cluster declares", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "first", account({ username: "bot" }));
    await world.reconcileAccount("first");
    world.kube.add("ServiceAccount", "second", account({ username: "bot", adoptExisting: true }), { creationTimestamp: "2026-12-02T00:00:00Z" });
    world.resetWrites();
    await world.reconcileAccount("second");
    expect(readyOf(world.kube.serviceAccounts.get("team-a/second"))?.message).toContain("managed by ServiceAccount team-a/first");
    expect(world.writes.unleash).toEqual([]);
  });

  it.each([
    ["ConnectionNotFound", new StalledError(stalled("ConnectionNotFound", "UnleashConnection unleash does not exist")), false],
    ["AdminTokenRejected", new UnleashUnauthorizedError({ status: 401, route: "GET x", unleashName: undefined, kind: "unauthenticated", message: "no" }), false],
    ["UnleashUnavailable", new UnleashTransientError({ status: 503, route: "GET x", unleashName: undefined, message: "down" }), true],
  ])("reports %s when the connection fails that way (retried: %s)", async (reason, error, retried) => {
    const world = fakeWorld();
    world.connection.snapshots.invalidate();
    world.unleash.listServiceAccounts = async () => {
      throw error;
    };
    world.kube.add("ServiceAccount", "app", account());
    const outcome = world.reconcileAccount("app");
    if (retried) await expect(outcome).rejects.toBe(error);
    else await expect(outcome).resolves.toEqual({ terminal: true });
    expect(readyOf(world.kube.serviceAccounts.get("team-a/app"))?.reason).toBe(reason);
  });

  it("deletes the account on deletion (Delete), and releases the finalizer", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", account());
    await world.reconcileAccount("app");
    world.kube.markDeleted("ServiceAccount", "app");
    await world.reconcileAccount("app");
    expect(world.unleash.accounts.size).toBe(0);
    expect(world.kube.exists("ServiceAccount", "app")).toBe(false);
  });

  it("keeps the account on deletion (Orphan), without the tokens this cluster issued", async () => {
    const world = fakeWorld();
    world.kube.add("ServiceAccount", "app", account({ deletionPolicy: "Orphan" }));
    await world.reconcileAccount("app");
    const id = world.kube.serviceAccounts.get("team-a/app")?.status.id ?? 0;
    await world.unleash.createToken(id, { description: "x [k8s test-cluster team-a/t uid=abc #1]", expiresAt: new Date(Date.now() + 3_600_000) });
    await world.unleash.createToken(id, { description: "made by hand", expiresAt: new Date(Date.now() + 3_600_000) });
    world.connection.snapshots.invalidate();
    world.kube.markDeleted("ServiceAccount", "app");
    await world.reconcileAccount("app");
    expect(world.unleash.accounts.get(id)?.tokens.map((t) => t.description)).toEqual(["made by hand"]);
    expect(world.kube.exists("ServiceAccount", "app")).toBe(false);
  });

  it("cleans up a resource whose spec no longer parses, from what its spec still says", async () => {
    const broken = fakeWorld();
    // The same resource after an upgrade whose schema refuses its root role: deletion still finds the account.
    await broken.unleash.createServiceAccount({ username: "app", name: "app", rootRole: 2 });
    const id = [...broken.unleash.accounts.keys()][0];
    broken.kube.add("ServiceAccount", "app", account({ rootRole: "" }), { finalizers: ["accounts.unleash.dev/finalizer"], deletionTimestamp: "2026-12-01T13:00:00Z" });
    await broken.kube.resources.patchStatus("ServiceAccount", { name: "app", uid: uidOf("ServiceAccount", "app") }, {}, { id, username: "app" });
    await broken.reconcileAccount("app");
    expect(broken.unleash.accounts.size).toBe(0);
    expect(broken.kube.exists("ServiceAccount", "app")).toBe(false);
  });
});
