import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { Informer, type InformerOptions } from "../../../src/runtime/informer.js";
import { FakeApiServer } from "./fake-api-server.js";

const configMapSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string(), resourceVersion: z.string() }),
  data: z.record(z.string(), z.string()),
});
type ConfigMap = z.infer<typeof configMapSchema>;

interface Recorded {
  events: string[];
  invalid: unknown[];
  health: boolean[];
  relists: number;
}

let server: FakeApiServer;
let informer: Informer<ConfigMap> | undefined;

beforeEach(async () => {
  server = new FakeApiServer();
  await server.start();
});

afterEach(async () => {
  await informer?.stop();
  informer = undefined;
  await server.stop();
});

function startInformer(overrides: Partial<InformerOptions<ConfigMap>> = {}): Recorded {
  const recorded: Recorded = { events: [], invalid: [], health: [], relists: 0 };
  informer = new Informer<ConfigMap>({
    kubeConfig: server.kubeConfig(),
    path: server.path,
    parse: (raw) => configMapSchema.safeParse(raw).data,
    onInvalid: (raw) => recorded.invalid.push(raw),
    watchInactivityTimeoutMs: 60_000,
    backoff: { initialMs: 20, maxMs: 100 },
    logger: pino({ level: "silent" }),
    metrics: {
      watchHealthy: (healthy) => recorded.health.push(healthy),
      relisted: () => (recorded.relists += 1),
    },
    ...overrides,
  });
  informer.on("add", (cm) => recorded.events.push(`add ${cm.metadata.name} ${JSON.stringify(cm.data)}`));
  informer.on("update", (cm, old) =>
    recorded.events.push(`update ${cm.metadata.name} ${JSON.stringify(old.data)}->${JSON.stringify(cm.data)}`),
  );
  informer.on("delete", (cm) => recorded.events.push(`delete ${cm.metadata.name}`));
  informer.start();
  return recorded;
}

async function watching(count = 1): Promise<void> {
  await vi.waitFor(() => expect(server.activeWatches()).toBe(count));
}

function cached(): Record<string, Record<string, string>> {
  return Object.fromEntries((informer?.list() ?? []).map((cm) => [cm.metadata.name, cm.data]));
}

describe("Informer", () => {
  it("lists, then follows the watch from the list's resourceVersion", async () => {
    server.put("a", { v: "1" });
    const recorded = startInformer();
    await informer?.whenSynced();
    expect(informer?.hasSynced()).toBe(true);
    expect(recorded.events).toEqual(['add a {"v":"1"}']);
    await watching();
    expect(server.watchRequests[0]?.get("resourceVersion")).toBe("101");
    expect(server.watchRequests[0]?.get("allowWatchBookmarks")).toBe("true");

    server.put("b", { v: "1" });
    server.put("a", { v: "2" });
    server.remove("b");
    await vi.waitFor(() => expect(recorded.events).toHaveLength(4));
    expect(recorded.events.slice(1)).toEqual(['add b {"v":"1"}', 'update a {"v":"1"}->{"v":"2"}', "delete b"]);
    expect(cached()).toEqual({ a: { v: "2" } });
    expect(informer?.get("ns/a")?.data).toEqual({ v: "2" });
    expect(informer?.isHealthy()).toBe(true);
  });

  it("passes the label selector to the watch", async () => {
    startInformer({ labelSelector: "app.kubernetes.io/managed-by=unleash-accounts-operator" });
    await watching();
    expect(server.watchRequests[0]?.get("labelSelector")).toBe("app.kubernetes.io/managed-by=unleash-accounts-operator");
  });

  it("lists again after 410 Gone and reports every change it missed, deletions included", async () => {
    server.put("kept", { v: "1" });
    server.put("changed", { v: "1" });
    server.put("deleted", { v: "1" });
    const recorded = startInformer();
    await watching();
    server.watchMode = "silent";
    server.putSilently("changed", { v: "2" });
    server.removeSilently("deleted");
    server.putSilently("created", { v: "1" });
    server.watchMode = "normal";
    server.expireWatches(410);

    await vi.waitFor(() => expect(server.listCount).toBe(2));
    await vi.waitFor(() => expect(recorded.events).toHaveLength(6));
    expect(recorded.events.slice(3).sort()).toEqual(['add created {"v":"1"}', 'update changed {"v":"1"}->{"v":"2"}', "delete deleted"].sort());
    expect(cached()).toEqual({ kept: { v: "1" }, changed: { v: "2" }, created: { v: "1" } });
    expect(recorded.relists).toBe(1);
    await watching();
  });

  it("presumes a silent watch dead after the inactivity timeout, lists again and recovers", { timeout: 20_000 }, async () => {
    server.put("a", { v: "1" });
    server.watchMode = "silent";
    const recorded = startInformer({ watchInactivityTimeoutMs: 400 });
    await informer?.whenSynced();
    // While the watch is frozen, a change and a deletion happen that it never delivers.
    server.putSilently("a", { v: "2" });
    server.putSilently("b", { v: "1" });

    await vi.waitFor(() => expect(server.listCount).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect(recorded.health).toContain(false);
    await vi.waitFor(() => expect(cached()).toEqual({ a: { v: "2" } , b: { v: "1" } }));
    expect(recorded.relists).toBeGreaterThanOrEqual(1);

    server.watchMode = "normal";
    await vi.waitFor(() => expect(server.activeWatches()).toBe(1), { timeout: 10_000 });
    server.remove("b");
    await vi.waitFor(() => expect(cached()).toEqual({ a: { v: "2" } }));
  });

  it("restarts a failed watch with backoff from the last resourceVersion, without listing again", async () => {
    server.put("a", { v: "1" });
    server.failNextWatches = [500, 503];
    const recorded = startInformer();
    await watching();
    expect(server.watchRequests.map((query) => query.get("resourceVersion"))).toEqual(["101", "101", "101"]);
    expect(server.listCount).toBe(1);
    server.put("a", { v: "2" });
    await vi.waitFor(() => expect(recorded.events).toContain('update a {"v":"1"}->{"v":"2"}'));
  });

  it("is unhealthy while its watch keeps failing", async () => {
    server.failNextWatches = Array.from({ length: 1000 }, () => 500);
    const recorded = startInformer({ watchInactivityTimeoutMs: 60_000, backoff: { initialMs: 5, maxMs: 10 } });
    await vi.waitFor(() => expect(server.watchRequests.length).toBeGreaterThan(3));
    expect(informer?.isHealthy()).toBe(false);
    expect(informer?.hasSynced()).toBe(true);
    await vi.waitFor(() => expect(recorded.health.at(-1)).toBe(false));
  });

  it("gives up on a list that never answers and lists again", async () => {
    server.put("a", { v: "1" });
    server.hangNextLists = 1;
    const recorded = startInformer({ listTimeoutMs: 300 });
    await informer?.whenSynced();
    expect(recorded.events).toEqual(['add a {"v":"1"}']);
    expect(server.listCount).toBe(1);
  });

  it("reports objects that fail the schema instead of caching them", async () => {
    server.put("good", { v: "1" });
    const recorded = startInformer();
    await watching();
    const bad = { metadata: { name: "bad", namespace: "ns", resourceVersion: "500" }, data: { v: 42 } };
    server.sendRaw({ type: "ADDED", object: bad });
    server.put("after", { v: "1" });
    await vi.waitFor(() => expect(cached()).toHaveProperty("after"));
    expect(recorded.invalid).toEqual([bad]);
    expect(cached()).not.toHaveProperty("bad");
  });

  it("keeps going when a handler throws", async () => {
    const recorded = startInformer();
    informer?.on("add", () => {
      throw new Error("handler bug");
    });
    await watching();
    server.put("a", { v: "1" });
    server.put("b", { v: "1" });
    await vi.waitFor(() => expect(recorded.events).toEqual(['add a {"v":"1"}', 'add b {"v":"1"}']));
  });

  it("stops watching on stop and reports itself unhealthy", async () => {
    startInformer();
    await watching();
    await informer?.stop();
    await vi.waitFor(() => expect(server.activeWatches()).toBe(0));
    expect(informer?.isHealthy()).toBe(false);
  });
});
