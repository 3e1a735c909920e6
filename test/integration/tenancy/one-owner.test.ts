// One owner per Unleash account: adoption never crosses tenants, is the connection admin's decision,
// and does not take an account that another cluster's operator manages.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { createTestNamespace, type TestNamespace } from "../support/namespace.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";
import { clusterConnectionYaml, deleteClusterConnection } from "../support/cluster-connection.js";

const WRITE = /^(POST|PUT|DELETE) /;

describe("two namespaces with connections to the same Unleash", () => {
  let world: World;
  let other: TestNamespace;
  const writes = async () => Object.entries(await world.control.calls()).filter(([route, n]) => WRITE.test(route) && n > 0);
  const ready = async (space: TestNamespace, name: string) =>
    (await space.get("ServiceAccount", name))?.status?.conditions?.find((c) => c.type === "Ready");

  beforeAll(async () => {
    world = await createWorld("owner-a", { resyncPeriod: "3s" });
    other = await createTestNamespace("owner-b");
    await world.restartOperator({ namespaces: [world.namespace, other.namespace], resyncPeriod: "3s" });
    await world.apply(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken));
    // The same Unleash, written differently: one account has one owner whatever the URL's spelling.
    await other.apply(connectionYaml(other.namespace, `${world.emulator.url}/`, world.emulator.adminToken));
    await world.apply(serviceAccountYaml("shared-bot", "rootRole: Editor\nadoptExisting: true"));
    await world.waitForCondition("ServiceAccount", "shared-bot", "Ready", "True");
  });
  afterAll(async () => {
    await other.deleteResources();
    await world.close();
    await other.deleteNamespace();
  });

  it("refuses the second resource, names the owner, and writes nothing to Unleash", async () => {
    await world.control.resetCalls();
    await other.apply(serviceAccountYaml("shared-bot", "rootRole: Viewer\nadoptExisting: true"));
    await other.waitForCondition("ServiceAccount", "shared-bot", "Stalled", "True");
    const condition = await ready(other, "shared-bot");
    expect(condition?.reason).toBe("UsernameTaken");
    expect(condition?.message).toContain(`managed by ServiceAccount ${world.namespace}/shared-bot`);
    expect((await other.get("ServiceAccount", "shared-bot"))?.status?.id).toBeUndefined();
    expect(await writes()).toEqual([]);
  });

  it("shows no role flip-flop in Unleash's event log over several resyncs", async () => {
    const updatesBefore = (await world.control.state()).events.filter((e) => e.type === "service-account-updated").length;
    await world.control.resetCalls();
    await eventually(async () => expect((await world.control.calls())["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(3), { timeoutMs: 30_000 });
    const state = await world.control.state();
    expect(state.events.filter((e) => e.type === "service-account-updated")).toHaveLength(updatesBefore);
    expect(await writes()).toEqual([]);
    const account = state.users.find((u) => u.username === "shared-bot" && !u.deletedAt);
    expect(account?.rootRole).toBe(2);
    expect((await ready(world, "shared-bot"))?.status).toBe("True");
  });

  it("deleting the refused resource leaves the owner's account alone", async () => {
    await other.kubectl(["delete", "-n", other.namespace, "serviceaccounts.accounts.unleash.dev/shared-bot", "--timeout=30s"]);
    const account = (await world.control.state()).users.find((u) => u.username === "shared-bot" && u.isService);
    expect(account?.deletedAt ?? undefined).toBeUndefined();
  });
});

describe("adopting an account made by hand", () => {
  let world: World;
  let clusterConnection: string;
  const createByHand = async (username: string) => {
    const created = await world.unleash(world.emulator.adminToken, "POST", "/api/admin/service-account", { username, name: "made by hand", rootRole: 3 });
    expect(created.status).toBe(201);
    return (created.json as { id: number }).id;
  };

  beforeAll(async () => {
    world = await createWorld("adopt");
    clusterConnection = `adopt-${world.namespace}`;
    await world.apply(
      documents(
        connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken),
        clusterConnectionYaml(clusterConnection, world),
      ),
    );
    await world.waitForCondition("UnleashConnection", "unleash", "Ready", "True");
  });
  afterAll(async () => {
    await world.deleteResources();
    await deleteClusterConnection(world.kubectl, clusterConnection);
    await world.close();
  });

  it("is refused through a ClusterUnleashConnection that does not allow adoption, changing nothing in Unleash", async () => {
    const id = await createByHand("handmade-cluster");
    const before = await world.control.state();
    await world.apply(
      serviceAccountYaml("handmade-cluster", "rootRole: Viewer\nadoptExisting: true").replace(
        "kind: UnleashConnection, name: unleash",
        `kind: ClusterUnleashConnection, name: ${clusterConnection}`,
      ),
    );
    const account = await world.waitForCondition("ServiceAccount", "handmade-cluster", "Stalled", "True");
    const condition = account.status?.conditions?.find((c) => c.type === "Ready");
    expect(condition?.reason).toBe("AdoptionNotAllowed");
    expect(condition?.message).toContain(`ClusterUnleashConnection/${clusterConnection} does not allow adopting`);
    // The operator's view of Unleash may predate the hand-made account, so it may try to create one and be refused (409);
    // nothing in Unleash changes: no event, the account as it was.
    const after = await world.control.state();
    expect(after.events).toEqual(before.events);
    expect(after.users.find((u) => u.id === id)).toEqual(before.users.find((u) => u.id === id));
  });

  it("works where the connection allows it (a namespaced connection, by default)", async () => {
    const id = await createByHand("handmade");
    await world.apply(serviceAccountYaml("handmade", "rootRole: Editor\nadoptExisting: true"));
    const account = await world.waitForCondition("ServiceAccount", "handmade", "Ready", "True");
    expect(account.status?.id).toBe(id);
    expect((await world.control.state()).users.find((u) => u.id === id)?.rootRole).toBe(2);
  });

  it("does not take an account that holds another cluster's tokens, unless asked to by name", async () => {
    const id = await createByHand("elsewhere");
    const token = await world.unleash(world.emulator.adminToken, "POST", `/api/admin/service-account/${id}/token`, {
      description: "ns/t [k8s other-cluster ns/t uid=0d6f7c1e-1111-4a2b-9c3d-5e6f7a8b9c0d #1]",
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(token.status).toBe(201);
    await world.apply(serviceAccountYaml("elsewhere", "rootRole: Viewer\nadoptExisting: true"));
    const refused = await world.waitForCondition("ServiceAccount", "elsewhere", "Stalled", "True");
    const condition = refused.status?.conditions?.find((c) => c.type === "Ready");
    expect(condition?.reason).toBe("UsernameTaken");
    expect(condition?.message).toContain("holds tokens of another cluster (other-cluster)");

    await world.kubectl(["annotate", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev/elsewhere", "accounts.unleash.dev/adopt-from-cluster=other-cluster"]);
    const adopted = await world.waitForCondition("ServiceAccount", "elsewhere", "Ready", "True");
    expect(adopted.status?.id).toBe(id);
    // The other cluster's token is never touched.
    expect((await world.control.state()).tokens.find((t) => t.userId === id)?.deletedAt ?? undefined).toBeUndefined();
  });

  it("lets tokens of an adopted account work as before", async () => {
    await world.apply(tokenYaml("handmade-token", "handmade"));
    await world.waitForCondition("ServiceAccountToken", "handmade-token", "Ready", "True");
  });
});
