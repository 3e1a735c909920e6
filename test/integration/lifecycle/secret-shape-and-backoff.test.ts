import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

describe("the Secret's shape and visible backoff", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld("shape");
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app")));
    await world.waitForCondition("ServiceAccount", "app", "Ready", "True");
  });
  afterAll(() => world.close());

  it("writes the declared keys, type, labels and annotations, and keeps them enforced", async () => {
    await world.apply(
      tokenYaml(
        "shaped",
        "app",
        `secret:
  name: shaped-secret
  type: example.com/unleash
  keys: { token: token, url: url }
  labels: { reloader: enabled }
  annotations: { team: blue }`,
      ),
    );
    await world.waitForCondition("ServiceAccountToken", "shaped", "Ready", "True");
    const secret = await world.secret("shaped-secret");
    expect(secret?.type).toBe("example.com/unleash");
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(["token", "url"]);
    expect(secret?.metadata?.labels?.reloader).toBe("enabled");
    expect(secret?.metadata?.annotations?.team).toBe("blue");

    await world.kubectl(["label", "secret", "shaped-secret", "-n", world.namespace, "reloader-"]);
    await world.kubectl(["annotate", "secret", "shaped-secret", "-n", world.namespace, "--overwrite", "team=red"]);
    await eventually(
      async () => {
        const repaired = await world.secret("shaped-secret");
        expect(repaired?.metadata?.labels?.reloader).toBe("enabled");
        expect(repaired?.metadata?.annotations?.team).toBe("blue");
        expect(repaired?.data?.token).toBe(secret?.data?.token);
      },
      { timeoutMs: 20_000 },
    );
  });

  it("shows repeated failures in status and resets them on success", async () => {
    await world.control.setFault({ kind: "status", status: 503, route: "POST /api/admin/service-account/:id/token" });
    try {
      await world.apply(tokenYaml("flaky", "app"));
      const failing = await eventually(
        async () => {
          const object = await world.get("ServiceAccountToken", "flaky");
          expect(object?.status?.failedAttempts).toBeGreaterThanOrEqual(3);
          return object;
        },
        { timeoutMs: 30_000 },
      );
      expect(failing?.status?.conditions?.find((c) => c.type === "Ready")?.reason).toBe("UnleashUnavailable");
      expect(Date.parse(failing?.status?.lastFailureTime as string)).toBeGreaterThan(Date.now() - 60_000);
    } finally {
      await world.control.clearFaults();
    }
    const ready = await world.waitForCondition("ServiceAccountToken", "flaky", "Ready", "True", 60_000);
    expect(ready.status?.failedAttempts).toBeUndefined();
    expect(ready.status?.lastFailureTime).toBeUndefined();
  });
});
