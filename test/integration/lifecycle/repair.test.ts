import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { liveTokens } from "../support/unleash-state.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

/** Each repair must leave exactly one working token of the resource in Unleash, the one in its Secret. */
describe("repair of drift", () => {
  let world: World;
  const works = async (token: string) => (await world.unleash(token, "GET", "/api/admin/user")).status === 200;

  async function expectSingleWorkingToken(name: string, notToken: string): Promise<string> {
    const token = await eventually(
      async () => {
        const value = tokenOf(await world.secret(name));
        if (value === notToken || !(await works(value))) throw new Error("not repaired yet");
        return value;
      },
      { timeoutMs: 30_000 },
    );
    const uid = (await world.get("ServiceAccountToken", name))?.metadata.uid;
    await eventually(async () => expect((await liveTokens(world.control)).filter((t) => t.uid === uid)).toHaveLength(1), { timeoutMs: 15_000 });
    const events = await world.kubectl(["get", "events", "-n", world.namespace, "--field-selector", `involvedObject.name=${name}`, "-o", "jsonpath={.items[*].reason}"]);
    expect(events).toContain("Rotated");
    return token;
  }

  beforeAll(async () => {
    // The default resync (10m) with a short poll of Unleash: changes made only in Unleash are seen by the
    // poll alone, within seconds, and only the resources they concern are reconciled.
    world = await createWorld("repair", { resyncPeriod: "10m", unleashPollInterval: "3s" });
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app")));
    for (const name of ["revoked", "deleted", "edited", "orphaned"]) await world.apply(tokenYaml(name, "app"));
    for (const name of ["revoked", "deleted", "edited", "orphaned"]) await world.waitForCondition("ServiceAccountToken", name, "Ready", "True");
  });
  afterAll(() => world.close());

  it("re-issues a token revoked in Unleash", async () => {
    const object = await world.get("ServiceAccountToken", "revoked");
    const account = (await world.get("ServiceAccount", "app"))?.status?.id as number;
    const old = tokenOf(await world.secret("revoked"));
    const revoke = await world.unleash(world.emulator.adminToken, "DELETE", `/api/admin/service-account/${account}/token/${object?.status?.tokenId as number}`);
    expect(revoke.status).toBe(200);
    await expectSingleWorkingToken("revoked", old);
  });

  it("re-issues after the Secret is deleted", async () => {
    const old = tokenOf(await world.secret("deleted"));
    await world.core.deleteNamespacedSecret({ namespace: world.namespace, name: "deleted" });
    await expectSingleWorkingToken("deleted", old);
    expect(await works(old)).toBe(false);
  });

  it("re-issues after the token in the Secret is edited", async () => {
    const old = tokenOf(await world.secret("edited"));
    await world.kubeConfig.makeApiClient(CoreV1Api).patchNamespacedSecret(
      { namespace: world.namespace, name: "edited", body: { stringData: { UNLEASH_API_TOKEN: "user:0000000000000000000000000000000000000000000000000000000" } } },
      (await import("@kubernetes/client-node")).setHeaderOptions("Content-Type", "application/merge-patch+json"),
    );
    await expectSingleWorkingToken("edited", "user:0000000000000000000000000000000000000000000000000000000");
    expect(await works(old)).toBe(false);
  });

  it("re-creates an account deleted in Unleash and re-issues its tokens", async () => {
    const before = await world.get("ServiceAccount", "app");
    const old = tokenOf(await world.secret("orphaned"));
    expect((await world.unleash(world.emulator.adminToken, "DELETE", `/api/admin/service-account/${before?.status?.id as number}`)).status).toBe(200);
    await eventually(
      async () => {
        const after = await world.get("ServiceAccount", "app");
        expect(after?.status?.id).not.toBe(before?.status?.id);
      },
      { timeoutMs: 30_000 },
    );
    await expectSingleWorkingToken("orphaned", old);
    for (const name of ["revoked", "deleted", "edited"]) expect(await works(tokenOf(await world.secret(name)))).toBe(true);
  });

  it("never touches tokens that are not the operator's", async () => {
    const account = (await world.get("ServiceAccount", "app"))?.status?.id as number;
    const foreign = await world.unleash(world.emulator.adminToken, "POST", `/api/admin/service-account/${account}/token`, {
      description: "made by hand",
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(foreign.status).toBe(201);
    const id = (foreign.json as { id: number }).id;
    await world.restartOperator({ resyncPeriod: "3s" });
    await world.waitForCondition("ServiceAccountToken", "deleted", "Ready", "True");
    await world.control.resetCalls();
    // Two resync periods later the hand-made token is still there.
    await eventually(async () => expect((await world.control.calls())["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
    expect((await liveTokens(world.control)).map((t) => t.id)).toContain(id);
  });
});
