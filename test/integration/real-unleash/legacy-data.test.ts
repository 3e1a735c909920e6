// Unleash data as a long-lived real Unleash sends it: an account without username (created through
// the API on Unleash 6.2 or older) and a token without description in the service-account list do
// not stop the connection. Its resources become Ready and stay Ready over later lists, a new
// ServiceAccount gets an account of its own instead of the one without username, and the token the
// operator cannot read is skipped and counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { callUnleash } from "../../demo/unleash-api.js";
import { eventually } from "../../harness/eventually.js";
import type { KindName } from "../../../src/api/v1alpha1/resources.js";
import { metricValue } from "../support/metrics.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { createRealWorld, type RealWorld } from "./real-world.js";

const FUTURE = "2048-01-01T00:00:00.000Z";
const LIST_ROUTE = "GET /api/admin/service-account";
/** The username the later ServiceAccount asks for, and the display name of the account without one. */
const LATER = "later";
const RESOURCES: readonly [KindName, string][] = [
  ["UnleashConnection", "unleash"],
  ["ServiceAccount", "app"],
  ["ServiceAccountToken", "app-token"],
];

// Only what the test looks at; the username may be absent, a token's description null.
const listSchema = z.object({
  serviceAccounts: z.array(
    z.object({ id: z.number(), username: z.string().nullish(), name: z.string().nullish(), tokens: z.array(z.unknown()) }),
  ),
  rootRoles: z.array(z.object({ id: z.number(), name: z.string() })),
});
const readySchema = z.object({
  status: z.object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), lastTransitionTime: z.string() })) }),
});

describe("Unleash data as a real Unleash sends it", () => {
  let world: RealWorld;
  let withoutUsername: number;

  const listed = async () => {
    const answer = await callUnleash(world.unleash.url, world.unleash.adminToken, "GET", "/api/admin/service-account");
    expect(answer.status).toBe(200);
    return listSchema.parse(answer.body);
  };
  const listCalls = () => metricValue(world.operator.metricsUrl, "unleash_requests_total", { route: LIST_ROUTE });

  /** Each resource's Ready status and when it last changed: a flap in between moves the time. */
  const readiness = async () =>
    Promise.all(
      RESOURCES.map(async ([kind, name]) => {
        const ready = readySchema.parse(await world.get(kind, name)).status.conditions.find((c) => c.type === "Ready");
        return { kind, name, status: ready?.status, since: ready?.lastTransitionTime };
      }),
    );

  beforeAll(async () => {
    world = await createRealWorld("real-legacy", { resyncPeriod: "3s" });
    const viewer = (await listed()).rootRoles.find((role) => role.name === "Viewer")?.id;
    if (viewer === undefined) throw new Error("the real server lists no Viewer root role");
    // Named as the later resource's username: only a username may tie an account to a resource.
    withoutUsername = await world.unleash.legacyData.addAccount({ name: LATER, rootRole: viewer });
    await world.unleash.legacyData.addAccount({
      username: "made-long-ago",
      name: "Made long ago",
      rootRole: viewer,
      tokens: [{ description: null, expiresAt: FUTURE }],
    });
    await world.apply(documents(serviceAccountYaml("app"), tokenYaml("app-token", "app")));
  });
  afterAll(() => world?.close());

  it("makes a ServiceAccount and its token Ready and keeps them Ready over later lists, counting the token it skips", async () => {
    await world.waitForCondition("ServiceAccountToken", "app-token", "Ready", "True", 60_000);
    const before = await readiness();
    expect(before.map(({ status }) => status)).toEqual(["True", "True", "True"]);

    const lists = await listCalls();
    await eventually(async () => expect(await listCalls()).toBeGreaterThanOrEqual(lists + 2), { timeoutMs: 60_000, intervalMs: 1_000 });
    expect(await readiness()).toEqual(before);
    expect(await metricValue(world.operator.metricsUrl, "unleash_list_entries_skipped_total", { entry: "token", route: LIST_ROUTE })).toBeGreaterThan(0);
  });

  it("gives a new ServiceAccount an account of its own, never the one without username, even when it may adopt", async () => {
    await world.apply(serviceAccountYaml(LATER, "rootRole: Viewer\nadoptExisting: true"));
    const later = await world.waitForCondition("ServiceAccount", LATER, "Ready", "True", 60_000);

    const { serviceAccounts } = await listed();
    expect(later.status?.id).toBe(serviceAccounts.find((account) => account.username === LATER)?.id);
    expect(later.status?.id).not.toBe(withoutUsername);
    const untouched = serviceAccounts.find((account) => account.id === withoutUsername);
    expect(untouched).toMatchObject({ name: LATER, tokens: [] });
    expect(untouched?.username ?? null).toBeNull();
    expect((await readiness()).map(({ status }) => status)).toEqual(["True", "True", "True"]);
  });
});
