// Once converged, reconciling again writes nothing: after Ready, over several resyncs (3 s here), no
// Unleash write and no resourceVersion moves, for the examples and for hostile-but-valid specs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { documents, tokenYaml } from "../support/resources.js";
import { createWorld, examplesFor, type World } from "../support/world.js";

const WRITE = /^(POST|PUT|DELETE) /;
const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`example.com/label-${i}`, "x".repeat(63)]));
const HOSTILE = {
  "long-names": `description: "${"d".repeat(100)}"\nsecret: { name: ${"s".repeat(253)}, keys: { token: ${"t".repeat(253)}, url: ${"u".repeat(253)} } }`,
  "many-labels": `secret: { type: example.com/unleash, labels: ${JSON.stringify(labels)}, annotations: { "reloader.stakater.com/match": "true" } }`,
  "short-grace": "lifetime: 4h\nrenewBefore: 3h\nrotationGracePeriod: 0s",
};

async function resourceVersions(world: World): Promise<string> {
  const kinds = "serviceaccounttokens.accounts.unleash.dev,serviceaccounts.accounts.unleash.dev,unleashconnections.accounts.unleash.dev,secrets";
  return world.kubectl(["get", "-n", world.namespace, kinds, "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{'\\n'}{end}"]);
}

describe("a converged fleet", () => {
  let world: World;

  beforeAll(async () => {
    world = await createWorld("idempotence", { resyncPeriod: "3s" });
    await world.kubectl(["apply", "-f", "-"], examplesFor(world));
    await world.apply(documents(...Object.entries(HOSTILE).map(([name, spec]) => tokenYaml(name, "checkout-service", spec))));
    for (const name of ["checkout-service-token", ...Object.keys(HOSTILE)]) await world.waitForCondition("ServiceAccountToken", name, "Ready", "True", 60_000);
  });
  afterAll(() => world.close());

  it("writes nothing over several resyncs: no Unleash write, no resourceVersion moves", async () => {
    // Let the last status writes and Events of the convergence settle first.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const before = await resourceVersions(world);
    expect(before.match(/=\d+/g)?.length ?? 0, "resources, Secrets and connection listed").toBeGreaterThanOrEqual(11);
    await world.control.resetCalls();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    const calls = await world.control.calls();
    expect((calls["GET /api/admin/service-account"] ?? 0) >= 3, "several resyncs happened").toBe(true);
    expect(Object.entries(calls).filter(([route, n]) => WRITE.test(route) && n > 0)).toEqual([]);
    expect(await resourceVersions(world)).toBe(before);
  });
});
