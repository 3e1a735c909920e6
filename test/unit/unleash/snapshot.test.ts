import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UnleashClient, type ServiceAccountList } from "../../../src/unleash/client.js";
import { roleSchema, serviceAccountSchema, type UnleashRole, type UnleashServiceAccount } from "../../../src/unleash/schemas.js";
import { AccountSnapshotCache, findByUsername, resolveRootRole, type Snapshot } from "../../../src/unleash/snapshot.js";
import { reply, startLocalServer, type LocalServer } from "./local-server.js";
import { accountBody, ADMIN_ROLE, CUSTOM_ROLE, EDITOR_ROLE, PAT_SECRET, tokenBody, VIEWER_ROLE } from "./sample-data.js";

const account = (id: number, overrides: Record<string, unknown> = {}): UnleashServiceAccount =>
  serviceAccountSchema.parse(accountBody(id, overrides));
const token = (id: number) => ({ ...tokenBody(id), createdAt: undefined, seenAt: undefined });
const roles: UnleashRole[] = [ADMIN_ROLE, EDITOR_ROLE, VIEWER_ROLE, CUSTOM_ROLE].map((role) => roleSchema.parse(role));

/** A client whose list calls are answered by hand, so tests control what is in flight. */
class ScriptedClient {
  readonly pending: { resolve: (list: ServiceAccountList) => void; reject: (err: Error) => void }[] = [];
  calls = 0;

  listServiceAccounts(): Promise<ServiceAccountList> {
    this.calls += 1;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  answer(serviceAccounts: UnleashServiceAccount[] = [account(10, { tokens: [tokenBody(21)] })]): void {
    const next = this.pending.shift();
    if (next === undefined) throw new Error("no list call in flight");
    next.resolve({ serviceAccounts, rootRoles: roles });
  }
}

function setup(maxAgeMs = 60_000) {
  const clock = { now: 1_000_000 };
  const client = new ScriptedClient();
  const cache = new AccountSnapshotCache(client, { maxAgeMs, now: () => clock.now });
  return { clock, client, cache };
}

async function loaded(cache: AccountSnapshotCache, client: ScriptedClient): Promise<Snapshot> {
  const pending = cache.get();
  client.answer();
  return pending;
}

describe("AccountSnapshotCache against a real client", () => {
  let server: LocalServer;
  let client: UnleashClient;

  beforeAll(async () => {
    server = await startLocalServer();
    server.handle((_request, response) =>
      reply(response, 200, { serviceAccounts: [accountBody(10)], rootRoles: [ADMIN_ROLE] }),
    );
    client = new UnleashClient({ baseUrl: server.origin, getAdminToken: async () => "*:*.abc123" });
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it("serves 50 concurrent callers with exactly one list request", async () => {
    const cache = new AccountSnapshotCache(client, { maxAgeMs: 60_000 });
    const snapshots = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    expect(server.requests).toHaveLength(1);
    expect(new Set(snapshots).size).toBe(1);
    expect(snapshots[0]?.serviceAccounts.map((a) => a.username)).toEqual(["account-10"]);
  });
});

describe("AccountSnapshotCache reuse and expiry", () => {
  it("reuses a snapshot younger than maxAge", async () => {
    const { clock, client, cache } = setup(30_000);
    const first = await loaded(cache, client);
    clock.now += 29_999;
    expect(await cache.get()).toBe(first);
    expect(client.calls).toBe(1);
  });

  it("lists again once the snapshot reaches maxAge", async () => {
    const { clock, client, cache } = setup(30_000);
    await loaded(cache, client);
    clock.now += 30_000;
    const second = cache.get();
    client.answer([account(10), account(12)]);
    expect((await second).serviceAccounts.map((a) => a.id)).toEqual([10, 12]);
    expect(client.calls).toBe(2);
  });

  it("lists again after invalidate()", async () => {
    const { client, cache } = setup();
    await loaded(cache, client);
    cache.invalidate();
    const next = cache.get();
    client.answer([]);
    expect((await next).serviceAccounts).toEqual([]);
    expect(client.calls).toBe(2);
  });

  it("does not keep a list that was in flight when invalidate() was called", async () => {
    const { client, cache } = setup();
    const stale = cache.get();
    cache.invalidate();
    const fresh = cache.get();
    expect(client.calls).toBe(2);
    const [staleCall, freshCall] = client.pending;
    freshCall?.resolve({ serviceAccounts: [account(12)], rootRoles: roles });
    expect((await fresh).serviceAccounts.map((a) => a.id)).toEqual([12]);
    staleCall?.resolve({ serviceAccounts: [account(10)], rootRoles: roles });
    expect((await stale).serviceAccounts.map((a) => a.id)).toEqual([10]);
    expect((await cache.get()).serviceAccounts.map((a) => a.id)).toEqual([12]);
    expect(client.calls).toBe(2);
  });

  it("shares a failed list with every waiting caller, then tries again", async () => {
    const { client, cache } = setup();
    const waiting = [cache.get(), cache.get()];
    client.pending.shift()?.reject(new Error("Unleash down"));
    for (const result of waiting) await expect(result).rejects.toThrow("Unleash down");
    const retry = cache.get();
    client.answer();
    await expect(retry).resolves.toBeDefined();
    expect(client.calls).toBe(2);
  });
});

describe("AccountSnapshotCache write-through", () => {
  it("shows a created account without listing again", async () => {
    const { client, cache } = setup();
    await loaded(cache, client);
    cache.recordAccount(account(11, { username: "new-bot" }));
    expect(findByUsername(await cache.get(), "new-bot")?.id).toBe(11);
    expect(client.calls).toBe(1);
  });

  it("keeps known tokens when an updated account arrives without them", async () => {
    const { client, cache } = setup();
    await loaded(cache, client);
    cache.recordAccount(account(10, { name: "Renamed", rootRole: 3, tokens: undefined }));
    const updated = findByUsername(await cache.get(), "account-10");
    expect(updated).toMatchObject({ name: "Renamed", rootRole: 3 });
    expect(updated?.tokens.map((t) => t.id)).toEqual([21]);
  });

  it("drops a deleted account", async () => {
    const { client, cache } = setup();
    await loaded(cache, client);
    cache.recordAccountDeleted(10);
    expect((await cache.get()).serviceAccounts).toEqual([]);
  });

  it("adds a created token without its secret, and removes a deleted one", async () => {
    const { client, cache } = setup();
    await loaded(cache, client);
    cache.recordToken(10, { ...token(22), secret: PAT_SECRET });
    let tokens = findByUsername(await cache.get(), "account-10")?.tokens ?? [];
    expect(tokens.map((t) => t.id)).toEqual([21, 22]);
    expect(JSON.stringify(await cache.get())).not.toContain(PAT_SECRET);
    cache.recordTokenDeleted(10, 21);
    tokens = findByUsername(await cache.get(), "account-10")?.tokens ?? [];
    expect(tokens.map((t) => t.id)).toEqual([22]);
    expect(client.calls).toBe(1);
  });

  it("replays writes made while a list was in flight onto its result", async () => {
    const { client, cache } = setup();
    const pending = cache.get();
    cache.recordToken(10, token(22));
    cache.recordAccount(account(11));
    client.answer();
    const snapshot = await pending;
    expect(snapshot.serviceAccounts.map((a) => a.id)).toEqual([10, 11]);
    expect(findByUsername(snapshot, "account-10")?.tokens.map((t) => t.id)).toEqual([21, 22]);
    expect(await cache.get()).toBe(snapshot);
  });

  it("does not renew the snapshot's age on a write", async () => {
    const { clock, client, cache } = setup(30_000);
    await loaded(cache, client);
    clock.now += 20_000;
    cache.recordAccount(account(11));
    clock.now += 10_000;
    void cache.get();
    expect(client.calls).toBe(2);
    client.answer();
  });
});

describe("AccountSnapshotCache immutability", () => {
  it("hands out frozen data that callers cannot change", async () => {
    const { client, cache } = setup();
    const snapshot = await loaded(cache, client);
    const first = snapshot.serviceAccounts[0] as UnleashServiceAccount;
    expect(() => (snapshot.serviceAccounts as UnleashServiceAccount[]).push(account(99))).toThrow(TypeError);
    expect(() => Object.assign(first, { rootRole: 1 })).toThrow(TypeError);
    expect(() => Object.assign(first.tokens[0] ?? {}, { description: "x" })).toThrow(TypeError);
    expect(() => (snapshot.rootRoles as UnleashRole[]).pop()).toThrow(TypeError);
    expect(findByUsername(await cache.get(), "account-10")?.rootRole).toBe(2);
  });

  it("is not affected when the client's returned objects change later", async () => {
    const { client, cache } = setup();
    const listed = [account(10)];
    const pending = cache.get();
    client.answer(listed);
    await pending;
    (listed[0] as UnleashServiceAccount).name = "changed behind the cache's back";
    expect(findByUsername(await cache.get(), "account-10")?.name).toBe("Account 10");
  });
});

describe("lookups", () => {
  const snapshot: Snapshot = {
    fetchedAt: 0,
    serviceAccounts: [account(10, { username: "ci-bot" })],
    rootRoles: [
      ...roles,
      roleSchema.parse({ id: 8, type: "root-custom", name: "auditor" }),
      roleSchema.parse({ id: 9, type: "root-custom", name: "AUDITOR" }),
    ],
  };

  it("finds an account by exact username", () => {
    expect(findByUsername(snapshot, "ci-bot")?.id).toBe(10);
    expect(findByUsername(snapshot, "CI-BOT")).toBeUndefined();
  });

  it.each([
    ["Editor", 2],
    ["editor", 2],
    ["Flag Reader", 7],
    ["flag reader", 7],
    ["auditor", 8],
    ["AUDITOR", 9],
    ["Auditor", undefined],
    ["Nonexistent", undefined],
  ])("resolves the root role %j to id %j", (name, id) => {
    expect(resolveRootRole(snapshot, name)?.id).toBe(id);
  });
});
