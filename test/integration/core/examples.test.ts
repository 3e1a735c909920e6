import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, examplesFor, tokenOf, type World } from "../support/world.js";

describe("the examples, applied with kubectl", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld("examples");
    await world.kubectl(["apply", "-f", "-"], examplesFor(world));
  });
  afterAll(() => world.close());

  it("become Ready, as kubectl wait sees it", async () => {
    const out = await world.kubectl([
      "wait",
      "-n",
      world.namespace,
      "--for=condition=Ready",
      "--timeout=60s",
      "serviceaccount.accounts.unleash.dev/checkout-service",
      "serviceaccounttoken.accounts.unleash.dev/checkout-service-token",
      "unleashconnection.accounts.unleash.dev/unleash",
    ]);
    expect(out).toContain("condition met");
  });

  it("create the account in Unleash with the declared role and name", async () => {
    const list = await world.unleash(world.emulator.adminToken, "GET", "/api/admin/service-account");
    const body = list.json as { serviceAccounts: Array<{ username: string; name: string; rootRole: number }>; rootRoles: Array<{ id: number; name: string }> };
    const account = body.serviceAccounts.find((a) => a.username === "checkout-service");
    expect(account?.name).toBe("Checkout service (team A)");
    expect(body.rootRoles.find((r) => r.id === account?.rootRole)?.name).toBe("Editor");
  });

  it("put a token into the Secret that works as the account", async () => {
    const secret = await world.secret("checkout-unleash");
    expect(Buffer.from(secret?.data?.UNLEASH_URL ?? "", "base64").toString()).toBe(world.emulator.url);
    expect(secret?.metadata?.labels?.["app.kubernetes.io/part-of"]).toBe("checkout");
    expect(secret?.metadata?.ownerReferences?.[0]?.kind).toBe("ServiceAccountToken");
    const me = await world.unleash(tokenOf(secret), "GET", "/api/admin/user");
    expect(me.status).toBe(200);
    expect(JSON.stringify(me.json)).toContain("checkout-service");
  });

  it("answer 'is it working and what is it' in kubectl get", async () => {
    const out = await world.kubectl(["get", "-n", world.namespace, "usa,usat,uc"]);
    expect(out).toMatch(/checkout-service\s+True\s+checkout-service\s+Editor\s+\d+\s+Ready/);
    expect(out).toMatch(/checkout-service-token\s+True\s+checkout-service\s+checkout-unleash\s+\d{4}-\d\d-\d\dT/);
    expect(out).toMatch(/unleash\s+True\s+http:\/\/127\.0\.0\.1:\d+\s+ConnectionReady/);
  });
});
