import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

interface ListedAccount {
  id: number;
  username: string;
  name: string;
  rootRole: number;
  tokens: Array<{ id: number; description: string }>;
}

const account = (name: string, spec: string) => `
apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccount
metadata: { name: ${name} }
spec:
  connectionRef: { kind: UnleashConnection, name: unleash }
${spec}`;

const token = (name: string, accountName: string, extra = "") => `
apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccountToken
metadata: { name: ${name} }
spec:
  serviceAccountRef: { name: ${accountName} }
${extra}`;

describe("ServiceAccount and ServiceAccountToken against the emulator", () => {
  let world: World;
  const accounts = async (): Promise<ListedAccount[]> =>
    ((await world.unleash(world.emulator.adminToken, "GET", "/api/admin/service-account")).json as { serviceAccounts: ListedAccount[] }).serviceAccounts;
  const roleId = async (name: string) =>
    ((await world.unleash(world.emulator.adminToken, "GET", "/api/admin/service-account")).json as { rootRoles: Array<{ id: number; name: string }> }).rootRoles.find((r) => r.name === name)?.id;

  beforeAll(async () => {
    world = await createWorld("core", { resyncPeriod: "4s" });
    await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken));
  });
  afterAll(() => world.close());

  it("sends a role change in YAML to Unleash, and puts back a role changed in Unleash", async () => {
    await world.apply(account("roles", "  rootRole: Viewer"));
    const ready = await world.waitForCondition("ServiceAccount", "roles", "Ready", "True");
    const id = ready.status?.id as number;
    await world.apply(account("roles", "  rootRole: Editor"));
    const editor = await roleId("Editor");
    await eventually(async () => expect((await accounts()).find((a) => a.id === id)?.rootRole).toBe(editor), { timeoutMs: 20_000 });

    const admin = await roleId("Admin");
    const put = await world.unleash(world.emulator.adminToken, "PUT", `/api/admin/service-account/${id}`, { name: "roles", rootRole: admin });
    expect(put.status).toBe(200);
    // Reverted at the latest after the resync period (4 s here).
    await eventually(async () => expect((await accounts()).find((a) => a.id === id)?.rootRole).toBe(editor), { timeoutMs: 20_000 });
    const events = await world.kubectl(["get", "events", "-n", world.namespace, "--field-selector", "involvedObject.name=roles", "-o", "jsonpath={.items[*].reason}"]);
    expect(events).toContain("Updated");
  });

  it("re-issues the token when its Secret is deleted, and revokes the old one", async () => {
    await world.apply(account("app", "  rootRole: Editor") + "\n---\n" + token("app-token", "app"));
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
    const before = await world.secret("app-token");
    const oldToken = tokenOf(before);
    expect((await world.unleash(oldToken, "GET", "/api/admin/user")).status).toBe(200);

    await world.core.deleteNamespacedSecret({ namespace: world.namespace, name: "app-token" });
    const after = await eventually(
      async () => {
        const secret = await world.secret("app-token");
        if (!secret || secret.metadata?.uid === before?.metadata?.uid) throw new Error("not re-created yet");
        return secret;
      },
      { timeoutMs: 20_000 },
    );
    const newToken = tokenOf(after);
    expect(newToken).not.toBe(oldToken);
    expect((await world.unleash(newToken, "GET", "/api/admin/user")).status).toBe(200);
    await eventually(async () => expect((await world.unleash(oldToken, "GET", "/api/admin/user")).status).toBe(401), { timeoutMs: 20_000 });
    const tokens = (await accounts()).find((a) => a.username === "app")?.tokens ?? [];
    expect(tokens).toHaveLength(1);
  });

  it("waits with a clear reason until its ServiceAccount exists", async () => {
    await world.apply(token("early-token", "late"));
    const waiting = await world.waitForCondition("ServiceAccountToken", "early-token", "Reconciling", "True");
    expect(waiting.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("WaitingForServiceAccount");
    await world.apply(account("late", "  rootRole: Viewer"));
    await world.waitForCondition("ServiceAccountToken", "early-token", "Ready", "True");
  });

  it.each([
    ["an unknown role", account("bad-role", "  rootRole: Overlord"), "RootRoleNotFound", /Overlord.*known root roles: .*Viewer/],
    [
      "an unknown connection",
      `apiVersion: accounts.unleash.dev/v1alpha1
kind: ServiceAccount
metadata: { name: bad-connection }
spec:
  connectionRef: { kind: UnleashConnection, name: nowhere }
  rootRole: Viewer`,
      "ConnectionNotFound",
      /UnleashConnection nowhere does not exist/,
    ],
    ["a username owned by a person", account("human", "  username: alice\n  rootRole: Viewer"), "UsernameTaken", /alice/],
  ])("reports %s as Stalled with what to fix", async (_what, yaml, reason, message) => {
    const name = /name: ([a-z-]+) }/.exec(yaml)?.[1] ?? "";
    await world.apply(yaml);
    const object = await world.waitForCondition("ServiceAccount", name, "Stalled", "True");
    const readyCondition = object.status?.conditions?.find((c) => c.type === "Ready");
    expect(readyCondition?.status).toBe("False");
    expect(readyCondition?.reason).toBe(reason);
    expect(readyCondition?.message).toMatch(message);
  });

  it("removes the account on delete with Delete, and keeps it with Orphan", async () => {
    await world.apply(account("gone", "  rootRole: Viewer\n  deletionPolicy: Delete") + "\n---\n" + account("kept", "  rootRole: Viewer\n  deletionPolicy: Orphan"));
    await world.waitForCondition("ServiceAccount", "gone", "Ready", "True");
    await world.waitForCondition("ServiceAccount", "kept", "Ready", "True");
    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev", "gone", "kept", "--timeout=30s"]);
    const usernames = (await accounts()).map((a) => a.username);
    expect(usernames).not.toContain("gone");
    expect(usernames).toContain("kept");
  });

  it("holds the finalizer while Unleash is down, and finishes once it is back", async () => {
    await world.apply(account("outage", "  rootRole: Viewer"));
    await world.waitForCondition("ServiceAccount", "outage", "Ready", "True");
    await world.control.setFault({ kind: "status", status: 503, route: "*" });
    try {
      await world.kubectl(["delete", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev", "outage", "--wait=false"]);
      const held = await world.waitForCondition("ServiceAccount", "outage", "Reconciling", "True");
      expect(held.metadata.finalizers).toContain("accounts.unleash.dev/finalizer");
      expect(held.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("UnleashUnavailable");
    } finally {
      await world.control.clearFaults();
    }
    await eventually(async () => expect(await world.get("ServiceAccount", "outage")).toBeUndefined(), { timeoutMs: 60_000 });
    expect((await accounts()).map((a) => a.username)).not.toContain("outage");
  });
});
