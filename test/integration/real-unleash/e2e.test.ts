// The operator end to end on a real open-source Unleash server: what it creates is a real
// service account that acts with its root role, is named in the event log, and loses access
// when its resources say so.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { createFeatureFlag, featureCreatedEvent, findServiceAccount, whoAmI } from "../../demo/unleash-api.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { tokenOf } from "../support/world.js";
import { createRealWorld, type RealWorld } from "./real-world.js";

const GRACE_SECONDS = 15;
const newFlagName = () => `e2e-${randomBytes(4).toString("hex")}`;

describe("the operator on a real Unleash server", () => {
  let world: RealWorld;
  const unleashUrl = () => world.unleash.url;
  const adminToken = () => world.unleash.adminToken;
  const tokenIn = async (secretName: string) => tokenOf(await world.secret(secretName));
  const deleteResource = (kind: string, name: string) =>
    world.kubectl(["delete", "-n", world.namespace, `${kind}.accounts.unleash.dev/${name}`, "--timeout=30s"]);

  beforeAll(async () => {
    world = await createRealWorld("real-e2e");
    await world.apply(
      documents(
        serviceAccountYaml("editor-bot", "rootRole: Editor\ndisplayName: Editor bot"),
        tokenYaml("editor-bot", "editor-bot", `rotationGracePeriod: ${GRACE_SECONDS}s`),
        serviceAccountYaml("viewer-bot", "rootRole: Viewer"),
        tokenYaml("viewer-bot", "viewer-bot"),
      ),
    );
  });
  afterAll(() => world?.close());

  it("creates an Editor service account with a token in its Secret", async () => {
    await world.waitForCondition("ServiceAccountToken", "editor-bot", "Ready", "True", 60_000);
    expect(await findServiceAccount(unleashUrl(), adminToken(), "editor-bot")).toMatchObject({
      name: "Editor bot",
      rootRoleName: "Editor",
      tokenCount: 1,
    });
    expect(await tokenIn("editor-bot")).toMatch(/^user:/);
  });

  it("authenticates the Secret's token as the account, which creates a flag the event log attributes to it", async () => {
    const token = await tokenIn("editor-bot");
    expect(await whoAmI(unleashUrl(), token)).toEqual({ status: 200, user: { username: "editor-bot", accountType: "Service Account" } });
    const flag = newFlagName();
    expect((await createFeatureFlag(unleashUrl(), token, flag)).status).toBe(201);
    expect(await featureCreatedEvent(unleashUrl(), adminToken(), flag)).toMatchObject({ createdBy: "editor-bot" });
  });

  it("gives a Viewer account's token 403 on the same write", async () => {
    await world.waitForCondition("ServiceAccountToken", "viewer-bot", "Ready", "True", 60_000);
    const token = await tokenIn("viewer-bot");
    expect((await whoAmI(unleashUrl(), token)).user?.username).toBe("viewer-bot");
    expect((await createFeatureFlag(unleashUrl(), token, newFlagName())).status).toBe(403);
  });

  it("makes the token fail with 401 once its resource is deleted, and removes the account with its own", async () => {
    const token = await tokenIn("viewer-bot");
    // kubectl delete returns once the operator has released its finalizer.
    await deleteResource("serviceaccounttoken", "viewer-bot");
    expect((await whoAmI(unleashUrl(), token)).status).toBe(401);
    expect(await findServiceAccount(unleashUrl(), adminToken(), "viewer-bot")).toMatchObject({ tokenCount: 0 });

    await deleteResource("serviceaccount", "viewer-bot");
    expect(await findServiceAccount(unleashUrl(), adminToken(), "viewer-bot")).toBeUndefined();
  });

  it("rotates on request: a new working token, and the old one valid through the grace period, 401 after it", async () => {
    const oldToken = await tokenIn("editor-bot");
    await world.kubectl(["annotate", "-n", world.namespace, "serviceaccounttoken.accounts.unleash.dev/editor-bot", "accounts.unleash.dev/rotate=e2e"]);
    const rotated = await eventually(
      async () => {
        const object = await world.get("ServiceAccountToken", "editor-bot");
        if (object?.status?.lastRotateRequest !== "e2e") throw new Error("rotation request not handled yet");
        return object;
      },
      { timeoutMs: 20_000 },
    );
    const newToken = await tokenIn("editor-bot");
    expect(newToken).not.toBe(oldToken);
    expect((await whoAmI(unleashUrl(), newToken)).user?.username).toBe("editor-bot");
    expect((await whoAmI(unleashUrl(), oldToken)).status).toBe(200);

    const held = rotated.status?.previousTokens as Array<{ revokeAfter: string }> | undefined;
    expect(held).toHaveLength(1);
    const revokeAfter = Date.parse(held?.[0]?.revokeAfter ?? "");
    const firstRefusedAt = await eventually(
      async () => {
        expect((await whoAmI(unleashUrl(), oldToken)).status).toBe(401);
        return Date.now();
      },
      { timeoutMs: (GRACE_SECONDS + 30) * 1_000, intervalMs: 1_000 },
    );
    expect(firstRefusedAt).toBeGreaterThanOrEqual(revokeAfter);
    expect((await whoAmI(unleashUrl(), newToken)).status).toBe(200);
    expect(await findServiceAccount(unleashUrl(), adminToken(), "editor-bot")).toMatchObject({ tokenCount: 1 });
  });
});
