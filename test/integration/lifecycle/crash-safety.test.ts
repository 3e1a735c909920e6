import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { liveAccountsByUsername, liveTokens } from "../support/unleash-state.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

const ACCOUNTS = 3;
const TOKENS_PER_ACCOUNT = 3;
const CRASH_POINTS = ["after-account-claim", "after-account-create", "after-token-create", "after-secret-write", "after-revoke"] as const;
const tokenNames = Array.from({ length: ACCOUNTS * TOKENS_PER_ACCOUNT }, (_, i) => `t-${Math.floor(i / TOKENS_PER_ACCOUNT)}-${i % TOKENS_PER_ACCOUNT}`);

describe("an operator that crashes at every step in turn", () => {
  let world: World;
  const exits: Array<{ point: string; code: number | null }> = [];

  beforeAll(async () => {
    world = await createWorld("crash");
    await world.operator.stop();
    const docs = [connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken)];
    for (let a = 0; a < ACCOUNTS; a++) {
      docs.push(serviceAccountYaml(`a-${a}`));
      for (let t = 0; t < TOKENS_PER_ACCOUNT; t++) docs.push(tokenYaml(`t-${a}-${t}`, `a-${a}`));
    }
    await world.apply(documents(...docs));
    for (const point of CRASH_POINTS) {
      if (point === "after-revoke") {
        // Lost Secrets make the operator re-issue and revoke, so this step is reached for sure.
        await world.kubectl(["delete", "secrets", "-n", world.namespace, "-l", "app.kubernetes.io/managed-by=unleash-accounts-operator"]);
      }
      await world.restartOperator({ env: { UNLEASH_OPERATOR_CRASH_AT: point }, waitUntilReady: false });
      const exit = await Promise.race([world.operator.process.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no crash at ${point}`)), 60_000))]);
      exits.push({ point, code: exit.code });
    }
    await world.restartOperator();
    for (const name of tokenNames) await world.waitForCondition("ServiceAccountToken", name, "Ready", "True", 60_000);
  });
  afterAll(() => world.close());

  it("crashed at each injected step", () => {
    expect(exits).toEqual(CRASH_POINTS.map((point) => ({ point, code: 86 })));
  });

  it("converges to one account per resource and a working token in every Secret", async () => {
    const accounts = await liveAccountsByUsername(world.control);
    for (let a = 0; a < ACCOUNTS; a++) expect(accounts.get(`a-${a}`)).toBe(1);
    for (const name of tokenNames) {
      const token = tokenOf(await world.secret(name));
      expect((await world.unleash(token, "GET", "/api/admin/user")).status).toBe(200);
    }
  });

  it("leaves no token in Unleash that it created and does not track", async () => {
    const tracked = new Set<number>();
    for (const name of tokenNames) {
      const secret = await world.secret(name);
      tracked.add(Number(secret?.metadata?.annotations?.["accounts.unleash.dev/token-id"]));
    }
    await eventually(
      async () => {
        const ours = (await liveTokens(world.control)).filter((t) => t.description.includes("[k8s test-cluster "));
        expect(new Set(ours.map((t) => t.id))).toEqual(tracked);
      },
      { timeoutMs: 20_000 },
    );
  });
});
