// What a platform team's alert sees: a token whose renewal keeps failing shows in its metrics (Ready
// False, renewal time passed, expiry still ahead) while the token in its Secret still works, so the
// alert fires before the workload gets its first 401. Also: a series goes with its resource.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { metricValue } from "../support/metrics.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

describe("a token whose renewal keeps failing, as its metrics show it", () => {
  let world: World;
  const labels = (name: string) => ({ namespace: world.namespace, name });
  const metric = (name: string, token: string, extra: Record<string, string> = {}) => metricValue(world.operator.metricsUrl, name, { ...labels(token), ...extra });

  beforeAll(async () => {
    world = await createWorld("failing-renewal", { resyncPeriod: "3s" });
    await world.apply(
      documents(
        connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken),
        serviceAccountYaml("app"),
        tokenYaml("short", "app", "lifetime: 3m\nrenewBefore: 2m\nrotationGracePeriod: 30s"),
        tokenYaml("steady", "app"),
      ),
    );
    await world.waitForCondition("ServiceAccountToken", "short", "Ready", "True");
    await world.waitForCondition("ServiceAccountToken", "steady", "Ready", "True");
  });
  afterAll(() => world.close());

  it("exports Ready, expiry and renewal for each token", async () => {
    const status = (await world.get("ServiceAccountToken", "short"))?.status;
    expect(await metric("unleash_token_ready_status", "short", { condition: "True" })).toBe(1);
    expect(await metric("unleash_token_ready_status", "short", { condition: "False" })).toBe(0);
    expect(await metric("unleash_token_expiration_timestamp_seconds", "short")).toBe(Date.parse(String(status?.expiresAt)) / 1000);
    expect(await metric("unleash_token_renewal_timestamp_seconds", "short")).toBe(Date.parse(String(status?.renewalTime)) / 1000);
    expect(await metric("unleash_token_issued_timestamp_seconds", "short")).toBeGreaterThan(0);
    expect(await metricValue(world.operator.metricsUrl, "unleash_serviceaccount_tokens", labels("app"))).toBe(2);
    expect(await metricValue(world.operator.metricsUrl, "unleash_operator_leader")).toBe(1);
  });

  it("shows the failing renewal before the token expires: Ready False, renewal passed, expiry ahead", async () => {
    await world.control.setFault({ kind: "status", status: 503, route: "POST /api/admin/service-account/:id/token" });
    const renewal = await metric("unleash_token_renewal_timestamp_seconds", "short");
    const expiry = await metric("unleash_token_expiration_timestamp_seconds", "short");
    await eventually(async () => expect(await metric("unleash_token_ready_status", "short", { condition: "False" })).toBe(1), { timeoutMs: 120_000, intervalMs: 2_000 });
    const now = Date.now() / 1000;
    expect(now).toBeGreaterThan(renewal);
    expect(now).toBeLessThan(expiry);
    // The same figures that the chart's alert reads: the token it shows has not been replaced.
    expect(await metric("unleash_token_expiration_timestamp_seconds", "short")).toBe(expiry);
    expect(await metric("unleash_token_ready_status", "steady", { condition: "True" })).toBe(1);
    await world.control.clearFaults();
    await eventually(async () => expect(await metric("unleash_token_ready_status", "short", { condition: "True" })).toBe(1), { timeoutMs: 60_000 });
    expect(await metric("unleash_token_expiration_timestamp_seconds", "short")).toBeGreaterThan(expiry);
  }, 200_000);

  it("drops a deleted token's series", async () => {
    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev/steady", "--timeout=60s"]);
    await eventually(async () => expect(await metric("unleash_token_ready_status", "steady", { condition: "True" })).toBe(0), { timeoutMs: 20_000 });
    const text = await (await fetch(world.operator.metricsUrl)).text();
    expect(text).not.toContain(`name="steady"`);
  });
});
