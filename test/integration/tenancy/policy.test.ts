import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";
import { clusterConnectionYaml, deleteClusterConnection } from "../support/cluster-connection.js";

const WRITE = /^(POST|PUT|DELETE) /;

describe("who may get which role", () => {
  let world: World;
  let clusterConnection: string;
  const writes = async () => Object.entries(await world.control.calls()).filter(([route, n]) => WRITE.test(route) && n > 0);
  const readyReason = async (kind: "ServiceAccount" | "ServiceAccountToken", name: string) =>
    (await world.get(kind, name))?.status?.conditions?.find((c) => c.type === "Ready");

  beforeAll(async () => {
    world = await createWorld("tenancy");
    clusterConnection = `shared-${world.namespace}`;
    await world.apply(
      documents(
        connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken),
        clusterConnectionYaml(clusterConnection, world, ["somewhere-else"]),
      ),
    );
    await world.waitForCondition("UnleashConnection", "unleash", "Ready", "True");
    await world.control.resetCalls();
  });
  afterAll(async () => {
    await world.deleteResources();
    await deleteClusterConnection(world.kubectl, clusterConnection);
    await world.close();
  });

  it("refuses a namespace that the cluster connection does not admit, without writing to Unleash", async () => {
    await world.apply(serviceAccountYaml("outsider", "rootRole: Viewer").replace("kind: UnleashConnection, name: unleash", `kind: ClusterUnleashConnection, name: ${clusterConnection}`));
    await world.waitForCondition("ServiceAccount", "outsider", "Stalled", "True");
    const ready = await readyReason("ServiceAccount", "outsider");
    expect(ready?.reason).toBe("ConnectionNotAllowed");
    expect(ready?.message).toContain(world.namespace);
    expect(await writes()).toEqual([]);
  });

  it("admits the namespace as soon as it gets the label the connection's selector asks for", async () => {
    await world.kubectl(["patch", "clusterunleashconnection", clusterConnection, "--type=merge", "-p", '{"spec":{"allowedNamespaces":{"selector":{"matchLabels":{"team":"blue"}}}}}']);
    await world.waitForCondition("ServiceAccount", "outsider", "Stalled", "True");
    expect((await readyReason("ServiceAccount", "outsider"))?.reason).toBe("ConnectionNotAllowed");
    // Only the namespace changes: the operator watches namespace labels.
    await world.kubectl(["label", "namespace", world.namespace, "team=blue"]);
    await world.waitForCondition("ServiceAccount", "outsider", "Ready", "True");
  });

  it("refuses a role outside allowedRootRoles, without writing to Unleash", async () => {
    await world.kubectl(["patch", "unleashconnection", "unleash", "-n", world.namespace, "--type=merge", "-p", '{"spec":{"allowedRootRoles":["Viewer","Editor"]}}']);
    await world.control.resetCalls();
    await world.apply(serviceAccountYaml("wants-admin", "rootRole: Admin"));
    await world.waitForCondition("ServiceAccount", "wants-admin", "Stalled", "True");
    expect((await readyReason("ServiceAccount", "wants-admin"))?.reason).toBe("RootRoleNotAllowed");
    expect(await writes()).toEqual([]);
  });

  it("reports resources that a tightened policy no longer allows, and deletes nothing", async () => {
    await world.apply(serviceAccountYaml("editor", "rootRole: Editor"));
    const ready = await world.waitForCondition("ServiceAccount", "editor", "Ready", "True");
    await world.control.resetCalls();
    await world.kubectl(["patch", "unleashconnection", "unleash", "-n", world.namespace, "--type=merge", "-p", '{"spec":{"allowedRootRoles":["Viewer"]}}']);
    await world.waitForCondition("ServiceAccount", "editor", "Stalled", "True");
    expect((await readyReason("ServiceAccount", "editor"))?.reason).toBe("RootRoleNotAllowed");
    const list = (await world.unleash(world.emulator.adminToken, "GET", "/api/admin/service-account")).json as { serviceAccounts: Array<{ id: number }> };
    expect(list.serviceAccounts.map((a) => a.id)).toContain(ready.status?.id);
    expect(await writes()).toEqual([]);
  });
});

describe("Secrets the operator does not own", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld("secrets");
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app")));
    await world.waitForCondition("ServiceAccount", "app", "Ready", "True");
  });
  afterAll(() => world.close());

  const existingSecret = (name: string, extra = "") => `apiVersion: v1
kind: Secret
metadata: { name: ${name}${extra} }
stringData: { UNLEASH_API_TOKEN: keep-me, other: value }`;

  it("leaves a Secret it does not own byte for byte, and says SecretConflict", async () => {
    await world.apply(existingSecret("taken"));
    const before = await world.secret("taken");
    await world.apply(tokenYaml("taken", "app"));
    const stalled = await world.waitForCondition("ServiceAccountToken", "taken", "Stalled", "True");
    expect(stalled.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("SecretConflict");
    const after = await world.secret("taken");
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
    expect(after?.data).toEqual(before?.data);
    const list = (await world.unleash(world.emulator.adminToken, "GET", "/api/admin/service-account")).json as { serviceAccounts: Array<{ username: string; tokens: unknown[] }> };
    expect(list.serviceAccounts.find((a) => a.username === "app")?.tokens).toEqual([]);
  });

  it("takes over an unowned Secret only with secret.adopt", async () => {
    await world.apply(existingSecret("adoptable"));
    await world.apply(tokenYaml("adoptable", "app", "secret: { adopt: true }"));
    await world.waitForCondition("ServiceAccountToken", "adoptable", "Ready", "True");
    const secret = await world.secret("adoptable");
    expect(secret?.metadata?.ownerReferences?.[0]?.name).toBe("adoptable");
    expect(Buffer.from(secret?.data?.UNLEASH_API_TOKEN ?? "", "base64").toString()).toMatch(/^user:/);
  });

  it("never takes over a Secret owned by something else, even with adopt", async () => {
    const owner = await world.core.createNamespacedConfigMap({ namespace: world.namespace, body: { metadata: { name: "owner" } } });
    await world.apply(existingSecret("owned-elsewhere", `, ownerReferences: [{ apiVersion: v1, kind: ConfigMap, name: owner, uid: ${owner.metadata?.uid} }]`));
    const before = await world.secret("owned-elsewhere");
    await world.apply(tokenYaml("owned-elsewhere", "app", "secret: { adopt: true }"));
    await world.waitForCondition("ServiceAccountToken", "owned-elsewhere", "Stalled", "True");
    expect((await world.secret("owned-elsewhere"))?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
  });
});

describe("the admin token", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld("admintoken", { resyncPeriod: "3s" });
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app", "rootRole: Viewer")));
    await world.waitForCondition("ServiceAccount", "app", "Ready", "True");
  });
  afterAll(() => world.close());

  it("is read again when its Secret changes: a rejected token marks everything, a rotated one needs no restart", async () => {
    const setAdminToken = (token: string) =>
      world.kubectl(["patch", "secret", "unleash-admin", "-n", world.namespace, "--type=merge", "-p", JSON.stringify({ stringData: { token } })]);
    await setAdminToken("*:*.0123456789abcdef0123456789abcdef");
    await world.waitForCondition("UnleashConnection", "unleash", "Stalled", "True");
    const account = await world.waitForCondition("ServiceAccount", "app", "Stalled", "True");
    const ready = account.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready?.reason).toBe("AdminTokenRejected");
    expect(ready?.message).toContain("401");

    // An Admin service account's token is a valid admin token too: rotate to it.
    const created = await world.unleash(world.emulator.adminToken, "POST", "/api/admin/service-account", { username: "ops-admin", name: "ops", rootRole: 1 });
    const id = (created.json as { id: number }).id;
    const pat = await world.unleash(world.emulator.adminToken, "POST", `/api/admin/service-account/${id}/token`, {
      description: "operator admin",
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await setAdminToken((pat.json as { secret: string }).secret);
    await world.waitForCondition("UnleashConnection", "unleash", "Ready", "True");
    await world.waitForCondition("ServiceAccount", "app", "Ready", "True");
    expect(world.operator.output()).not.toContain((pat.json as { secret: string }).secret);
  });
});
