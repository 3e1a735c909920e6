// Deletion always completes, and Unleash is cleaned up first: a team's namespace can be deleted as a
// whole (kube-controller-manager's namespace controller does the deleting), a connection in use waits
// for its dependents, and a resource whose Unleash is gone for good has an explicit escape.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { liveTokens } from "../support/unleash-state.js";
import { clusterConnectionYaml } from "../support/cluster-connection.js";
import { connectionYaml, createWorld, examplesFor, tokenOf, type World } from "../support/world.js";

const NAMESPACE_GONE_BOUND_MS = 120_000;

async function liveAccount(world: World, username: string) {
  const state = await world.control.state();
  return state.users.find((u) => u.isService && u.username === username && !u.deletedAt);
}

/** Deletes the world's namespace as a person or a GitOps tool would, and returns how long until it is gone. */
async function deleteNamespace(world: World): Promise<number> {
  const started = performance.now();
  await world.core.deleteNamespace({ name: world.namespace });
  await eventually(() => expect(world.core.readNamespace({ name: world.namespace })).rejects.toMatchObject({ code: 404 }), {
    timeoutMs: NAMESPACE_GONE_BOUND_MS,
    intervalMs: 200,
  });
  return (performance.now() - started) / 1000;
}

/** Events of a cluster-scoped object are recorded in the default namespace. */
async function eventsOf(world: World, name: string, namespace = world.namespace): Promise<Array<{ reason: string; message: string }>> {
  const list = await world.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? "", message: e.message ?? "" }));
}

describe("deleting a team's namespace", () => {
  const worlds: World[] = [];
  afterAll(() => Promise.all(worlds.map((world) => world.close())));

  it("completes for the examples, with the account and its token deleted in Unleash first (Delete policy)", async () => {
    const world = await createWorld("teardown-delete");
    worlds.push(world);
    await world.kubectl(["apply", "-f", "-"], examplesFor(world));
    await world.waitForCondition("ServiceAccountToken", "checkout-service-token", "Ready", "True");
    const token = tokenOf(await world.secret("checkout-unleash"));
    expect(await liveAccount(world, "checkout-service")).toBeDefined();

    const seconds = await deleteNamespace(world);
    console.log(`[teardown] examples namespace deleted in ${seconds.toFixed(1)} s`);

    expect(await liveAccount(world, "checkout-service")).toBeUndefined();
    expect(await liveTokens(world.control)).toEqual([]);
    expect((await world.unleash(token, "GET", "/api/admin/user")).status).toBe(401);
  });

  it("keeps an Orphan account in Unleash, without the tokens this cluster issued for it", async () => {
    const world = await createWorld("teardown-orphan");
    worlds.push(world);
    await world.kubectl(["apply", "-f", "-"], examplesFor(world).replace("deletionPolicy: Delete", "deletionPolicy: Orphan"));
    const account = await world.waitForCondition("ServiceAccount", "checkout-service", "Ready", "True");
    await world.waitForCondition("ServiceAccountToken", "checkout-service-token", "Ready", "True");
    const byHand = await world.unleash(world.emulator.adminToken, "POST", `/api/admin/service-account/${account.status?.id as number}/token`, {
      description: "made by hand",
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(byHand.status).toBe(201);

    await deleteNamespace(world);

    expect(await liveAccount(world, "checkout-service")).toBeDefined();
    expect((await liveTokens(world.control)).map((t) => t.description)).toEqual(["made by hand"]);
  });

  it("completes with 100 accounts of 3 tokens each", async () => {
    const world = await createWorld("teardown-fleet");
    worlds.push(world);
    const docs = [connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken)];
    for (let a = 0; a < 100; a++) {
      docs.push(serviceAccountYaml(`a-${a}`));
      for (let t = 0; t < 3; t++) docs.push(tokenYaml(`t-${a}-${t}`, `a-${a}`));
    }
    await world.apply(documents(...docs));
    await eventually(
      async () => {
        const out = await world.kubectl(["get", "serviceaccounttokens.accounts.unleash.dev", "-n", world.namespace, "-o", "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}"]);
        expect(out.split(" ").filter((s) => s === "True")).toHaveLength(300);
      },
      { timeoutMs: 240_000, intervalMs: 2_000 },
    );

    const seconds = await deleteNamespace(world);
    console.log(`[teardown] namespace with 100 accounts x 3 tokens deleted in ${seconds.toFixed(1)} s`);

    const state = await world.control.state();
    expect(state.users.filter((u) => u.isService && !u.deletedAt)).toEqual([]);
    expect(await liveTokens(world.control)).toEqual([]);
  }, 420_000);
});

describe("a ClusterUnleashConnection deleted while in use", () => {
  let world: World;
  const connection = `teardown-${Math.random().toString(16).slice(2, 8)}`;

  beforeAll(async () => {
    world = await createWorld("teardown-cuc");
    await world.apply(`
apiVersion: v1
kind: Secret
metadata: { name: unleash-admin }
stringData: { token: "${world.emulator.adminToken}" }
---
${clusterConnectionYaml(connection, world)}
---
${serviceAccountYaml("app", "rootRole: Viewer").replace("kind: UnleashConnection, name: unleash", `kind: ClusterUnleashConnection, name: ${connection}`)}
---
${tokenYaml("app-token", "app")}
`);
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
  });
  afterAll(() => world.close());

  it("stays, with its admin-token Secret, until the resources using it are gone, and says which", async () => {
    await world.kubectl(["delete", "clusterunleashconnection", connection, "--wait=false"]);
    await world.kubectl(["delete", "secret", "-n", world.namespace, "unleash-admin", "--wait=false"]);
    const held = await eventually(
      async () => {
        const raw = JSON.parse(await world.kubectl(["get", "clusterunleashconnection", connection, "-o", "json"])) as {
          metadata: { deletionTimestamp?: string; finalizers?: string[] };
          status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> };
        };
        const reconciling = raw.status?.conditions?.find((c) => c.type === "Reconciling");
        expect(raw.metadata.deletionTimestamp).toBeDefined();
        expect(reconciling).toMatchObject({ status: "True", reason: "InUse" });
        return { raw, reconciling };
      },
      { timeoutMs: 30_000 },
    );
    expect(held.reconciling?.message).toContain(`ServiceAccount ${world.namespace}/app`);
    expect(held.raw.metadata.finalizers).toContain("accounts.unleash.dev/in-use");
    const secret = await world.secret("unleash-admin");
    expect(secret?.metadata?.deletionTimestamp).toBeDefined();
    expect(secret?.metadata?.finalizers).toContain("accounts.unleash.dev/in-use");
    await eventually(async () => expect((await eventsOf(world, connection, "default")).map((e) => e.reason)).toContain("InUse"), { timeoutMs: 10_000 });
  });

  it("lets the dependents clean Unleash up, then goes", async () => {
    const id = (await world.get("ServiceAccount", "app"))?.status?.id as number;
    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev/app-token", "serviceaccounts.accounts.unleash.dev/app", "--timeout=60s"]);
    expect((await world.control.state()).users.find((u) => u.id === id)?.deletedAt).toBeDefined();
    await eventually(
      async () => {
        await expect(world.kubectl(["get", "clusterunleashconnection", connection])).rejects.toThrow(/NotFound/);
        expect(await world.secret("unleash-admin")).toBeUndefined();
      },
      { timeoutMs: 30_000 },
    );
  });
});

describe("when Unleash is gone for good", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld("teardown-abandon");
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), tokenYaml("app-token", "app")));
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
    await world.control.setFault({ kind: "drop", route: "*" });
    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev/app-token", "serviceaccounts.accounts.unleash.dev/app", "--wait=false"]);
  });
  afterAll(() => world.close());

  it("holds the resources and says how to release them", async () => {
    const token = await world.waitForCondition("ServiceAccountToken", "app-token", "Reconciling", "True");
    expect(token.status?.conditions?.find((c) => c.type === "Ready")?.message).toContain("annotate the resource (or its connection) accounts.unleash.dev/abandon=true");
    expect(await world.get("ServiceAccount", "app")).toBeDefined();
  });

  it("releases them once the connection is annotated to abandon, naming what was left behind", async () => {
    const account = await world.get("ServiceAccount", "app");
    const token = await world.get("ServiceAccountToken", "app-token");
    await world.kubectl(["annotate", "-n", world.namespace, "unleashconnection/unleash", "accounts.unleash.dev/abandon=true"]);
    await eventually(
      async () => {
        expect(await world.get("ServiceAccountToken", "app-token")).toBeUndefined();
        expect(await world.get("ServiceAccount", "app")).toBeUndefined();
      },
      { timeoutMs: 30_000 },
    );
    // The token is released by the abandon itself, or, when its account went first, because the account is gone.
    const abandoned = async (name: string) => (await eventsOf(world, name)).find((e) => e.reason === "Abandoned" || e.reason === "Released")?.message ?? "";
    await eventually(
      async () => {
        expect(await abandoned("app")).toContain(`left behind: Unleash service account app (id ${account?.status?.id as number})`);
        expect(await abandoned("app-token")).toContain(`token(s) ${token?.status?.tokenId as number}`);
      },
      { timeoutMs: 10_000 },
    );
    expect(world.operator.output()).toContain("Released without touching Unleash");
    // Nothing was deleted in Unleash: the account and its token are still there.
    const state = await world.control.state();
    expect(state.users.find((u) => u.id === account?.status?.id)?.deletedAt ?? undefined).toBeUndefined();
    expect(await world.secret("app-token")).toBeUndefined();
  });
});

describe("renaming spec.secret.name", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld("teardown-rename");
    await world.apply(
      documents(
        connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken),
        serviceAccountYaml("app"),
        tokenYaml("app-token", "app", "rotationGracePeriod: 5s\nsecret: { name: first }"),
      ),
    );
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
  });
  afterAll(() => world.close());

  it("rotates into the new Secret, keeps the old token working through its grace, then deletes the old Secret", async () => {
    const first = tokenOf(await world.secret("first"));
    await world.apply(tokenYaml("app-token", "app", "rotationGracePeriod: 5s\nsecret: { name: second }"));
    const second = await eventually(async () => tokenOf(await world.secret("second")), { timeoutMs: 30_000 });
    expect(second).not.toBe(first);
    expect((await world.unleash(second, "GET", "/api/admin/user")).status).toBe(200);
    await eventually(
      async () => {
        expect(await world.secret("first")).toBeUndefined();
        expect((await world.unleash(first, "GET", "/api/admin/user")).status).toBe(401);
      },
      { timeoutMs: 30_000 },
    );
    const uid = (await world.get("ServiceAccountToken", "app-token"))?.metadata.uid;
    expect((await liveTokens(world.control)).filter((t) => t.uid === uid)).toHaveLength(1);
  });
});
