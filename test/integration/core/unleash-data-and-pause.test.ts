// Unleash data as Unleash sends it (an account without username, malformed entries) does not stop a
// connection; and a paused resource gets no write until it is unpaused, when what fell due in the
// meantime (a repair, a renewal) is done at once.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { eventually } from "../../harness/eventually.js";
import { metricValue } from "../support/metrics.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

const CREATE_TOKEN = "POST /api/admin/service-account/:id/token";
const PAUSED = "accounts.unleash.dev/paused";
/** Two resyncs of this world's operator (3 s): time in which an unpaused operator would have acted. */
const TWO_RESYNCS_MS = 8_000;

const scheduleSchema = z.object({ status: z.object({ tokenId: z.number(), renewalTime: z.iso.datetime() }) });

describe("Unleash data as Unleash sends it, and pausing", () => {
  let world: World;

  const annotateToken = (name: string, annotation: string) =>
    world.kubectl(["annotate", "-n", world.namespace, `serviceaccounttokens.accounts.unleash.dev/${name}`, annotation]);
  const pause = (name: string) => annotateToken(name, `${PAUSED}=true`);
  const unpause = (name: string) => annotateToken(name, `${PAUSED}-`);
  const reconcilingReason = async (name: string) =>
    (await world.get("ServiceAccountToken", name))?.status?.conditions?.find((c) => c.type === "Reconciling")?.reason;
  const tokenCreations = async () => (await world.control.calls())[CREATE_TOKEN] ?? 0;

  beforeAll(async () => {
    world = await createWorld("unleash-data", { resyncPeriod: "3s" });
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), tokenYaml("app-token", "app")));
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True");
  });
  afterAll(() => world.close());

  it("skips an account without username and malformed entries, and keeps every other resource working", async () => {
    await world.control.setListExtras([
      { id: 900, username: null, name: "made on Unleash 6.2", rootRole: 3, tokens: [] },
      { id: "not a number", username: "broken" },
      { id: 901, username: "half-broken", rootRole: 3, tokens: [{ id: "not a number" }] },
    ]);
    await world.control.resetCalls();
    await eventually(async () => expect((await world.control.calls())["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(2), { timeoutMs: 20_000 });
    await world.apply(serviceAccountYaml("later"));
    await world.waitForCondition("ServiceAccount", "later", "Ready", "True");
    for (const [kind, name] of [["ServiceAccount", "app"], ["ServiceAccountToken", "app-token"], ["UnleashConnection", "unleash"]] as const) {
      expect((await world.get(kind, name))?.status?.conditions?.find((c) => c.type === "Ready")?.status, `${kind} ${name}`).toBe("True");
    }
    expect(await metricValue(world.operator.metricsUrl, "unleash_list_entries_skipped_total", { entry: "account" })).toBeGreaterThan(0);
    expect(await metricValue(world.operator.metricsUrl, "unleash_list_entries_skipped_total", { entry: "token" })).toBeGreaterThan(0);
    await world.control.setListExtras([]);
  });

  it("writes nothing for a paused token whose Secret is deleted, and repairs it once unpaused", async () => {
    await pause("app-token");
    await world.waitForCondition("ServiceAccountToken", "app-token", "Reconciling", "True");
    await world.control.resetCalls();
    await world.core.deleteNamespacedSecret({ namespace: world.namespace, name: "app-token" });
    await sleep(TWO_RESYNCS_MS);
    expect(await tokenCreations()).toBe(0);
    expect(await world.secret("app-token")).toBeUndefined();
    expect(await reconcilingReason("app-token")).toBe("Paused");

    await unpause("app-token");
    await eventually(async () => expect(await world.secret("app-token")).toBeDefined(), { timeoutMs: 30_000 });
    await world.waitForCondition("ServiceAccountToken", "app-token", "Reconciling", "False");
  });

  it("rotates a paused token that reached its renewal time right after the unpause, and not before", async () => {
    // The shortest schedule admission allows (lifetime 2m, a minute between rotations). Renewal is
    // due by the operator's clock, which the emulator's clock cannot move: the test waits the minute.
    await world.apply(tokenYaml("renewing", "app", "lifetime: 2m\nrenewBefore: 1m\nrotationGracePeriod: 10s"));
    const issued = scheduleSchema.parse(await world.waitForCondition("ServiceAccountToken", "renewing", "Ready", "True")).status;
    await pause("renewing");
    await eventually(async () => expect(await reconcilingReason("renewing")).toBe("Paused"), { timeoutMs: 10_000 });
    await world.control.resetCalls();
    const secretBefore = await world.secret("renewing");

    await sleep(Math.max(0, Date.parse(issued.renewalTime) - Date.now()) + TWO_RESYNCS_MS);
    expect(await tokenCreations()).toBe(0);
    expect((await world.secret("renewing"))?.metadata?.resourceVersion).toBe(secretBefore?.metadata?.resourceVersion);
    expect(scheduleSchema.parse(await world.get("ServiceAccountToken", "renewing")).status.tokenId).toBe(issued.tokenId);
    expect(await reconcilingReason("renewing")).toBe("Paused");

    await unpause("renewing");
    // Within seconds, not on a schedule counted from the unpause (a minute later) or at expiry (within
    // a minute). Tokens are compared as booleans, so that no failure message prints one.
    const rotated = await eventually(
      async () => {
        const token = tokenOf(await world.secret("renewing"));
        expect(token === tokenOf(secretBefore)).toBe(false);
        return token;
      },
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    expect((await world.unleash(rotated, "GET", "/api/admin/user")).status).toBe(200);
    expect(await tokenCreations()).toBe(1);
    const renewed = await world.waitForCondition("ServiceAccountToken", "renewing", "Reconciling", "False");
    expect(scheduleSchema.parse(renewed).status.tokenId).not.toBe(issued.tokenId);
    expect(renewed.status?.previousTokens).toEqual([expect.objectContaining({ id: issued.tokenId })]);
  }, 150_000);
});
