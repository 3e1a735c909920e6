import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { liveTokens } from "../support/unleash-state.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

describe("token rotation", () => {
  let world: World;
  const works = async (token: string) => (await world.unleash(token, "GET", "/api/admin/user")).status === 200;

  beforeAll(async () => {
    world = await createWorld("rotation");
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app")));
  });
  afterAll(() => world.close());

  it("rotates before expiry and keeps the old token through its grace period", async () => {
    await world.apply(tokenYaml("short", "app", "lifetime: 3m\nrenewBefore: 2m\nrotationGracePeriod: 15s"));
    const first = await world.waitForCondition("ServiceAccountToken", "short", "Ready", "True");
    const firstToken = tokenOf(await world.secret("short"));
    const firstRenewal = Date.parse(first.status?.renewalTime as string);
    expect(firstRenewal - Date.parse(first.status?.expiresAt as string)).toBe(-120_000);

    // About a minute after creation the renewal time comes and the Secret changes.
    const rotated = await eventually(
      async () => {
        const token = tokenOf(await world.secret("short"));
        if (token === firstToken) throw new Error("not rotated yet");
        return token;
      },
      { timeoutMs: 100_000, intervalMs: 1_000 },
    );
    expect(await works(rotated)).toBe(true);
    expect(await works(firstToken)).toBe(true);
    const during = await world.get("ServiceAccountToken", "short");
    expect((during?.status?.previousTokens as unknown[] | undefined)?.length).toBe(1);
    expect(Date.parse(during?.status?.renewalTime as string)).toBeGreaterThan(firstRenewal);

    await eventually(async () => expect(await works(firstToken)).toBe(false), { timeoutMs: 40_000, intervalMs: 1_000 });
    expect(await works(rotated)).toBe(true);
    await eventually(async () => expect((await world.get("ServiceAccountToken", "short"))?.status?.previousTokens).toBeUndefined(), { timeoutMs: 10_000 });
  });

  it("rotates exactly once per new value of the rotate annotation, and restarts the named Deployment once", async () => {
    await world.apply(
      documents(
        `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: example.invalid/web }] }`,
        tokenYaml("on-demand", "app", "rotationGracePeriod: 1h\nrolloutRestartTargets: [{ kind: Deployment, name: web }]"),
      ),
    );
    await world.waitForCondition("ServiceAccountToken", "on-demand", "Ready", "True");
    const restartedAt = async () =>
      (await world.kubectl(["get", "deployment", "web", "-n", world.namespace, "-o", "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}"])).trim();
    expect(await restartedAt()).toBe("");
    const generation = async () => Number(await world.kubectl(["get", "deployment", "web", "-n", world.namespace, "-o", "jsonpath={.metadata.generation}"]));
    const generationBefore = await generation();

    const before = tokenOf(await world.secret("on-demand"));
    await world.kubectl(["annotate", "-n", world.namespace, "serviceaccounttoken.accounts.unleash.dev/on-demand", "accounts.unleash.dev/rotate=first"]);
    const after = await eventually(
      async () => {
        const object = await world.get("ServiceAccountToken", "on-demand");
        if (object?.status?.lastRotateRequest !== "first") throw new Error("not handled yet");
        return tokenOf(await world.secret("on-demand"));
      },
      { timeoutMs: 20_000 },
    );
    expect(after).not.toBe(before);
    expect(await restartedAt()).not.toBe("");
    expect(await generation()).toBe(generationBefore + 1);

    // The same value again, and an unrelated change, rotate nothing.
    await world.kubectl(["annotate", "-n", world.namespace, "--overwrite", "serviceaccounttoken.accounts.unleash.dev/on-demand", "accounts.unleash.dev/rotate=first", "unrelated=1"]);
    await world.restartOperator();
    await world.waitForCondition("ServiceAccountToken", "on-demand", "Ready", "True");
    expect(tokenOf(await world.secret("on-demand"))).toBe(after);
    expect(await generation()).toBe(generationBefore + 1);

    const uid = (await world.get("ServiceAccountToken", "on-demand"))?.metadata.uid;
    const ours = (await liveTokens(world.control)).filter((t) => t.uid === uid);
    expect(ours).toHaveLength(2); // the current token and its predecessor in its one-hour grace period
  });

  it("issues a new token when the lifetime changes", async () => {
    await world.apply(tokenYaml("lifetime", "app", "lifetime: 720h\nrotationGracePeriod: 1m"));
    const before = await world.waitForCondition("ServiceAccountToken", "lifetime", "Ready", "True");
    await world.apply(tokenYaml("lifetime", "app", "lifetime: 48h\nrotationGracePeriod: 1m"));
    const after = await eventually(
      async () => {
        const object = await world.get("ServiceAccountToken", "lifetime");
        if (object?.status?.tokenId === before.status?.tokenId) throw new Error("not rotated");
        return object;
      },
      { timeoutMs: 20_000 },
    );
    const lifetimeMs = Date.parse(after?.status?.expiresAt as string) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(47 * 3_600_000);
    expect(lifetimeMs).toBeLessThan(48 * 3_600_000 + 60_000);
  });
});
