// In-memory fakes for reconciler unit tests: a Kubernetes object store that answers the operator's
// writes as the API server would (merge patches, resourceVersion preconditions on Secrets), and an
// Unleash with the contract's rules (unique usernames, at most 10 tokens per account). Every write is
// counted, so a test can assert that a converged resource reconciles with none.
import { createHash } from "node:crypto";
import type { V1Secret } from "@kubernetes/client-node";
import pino from "pino";
import {
  parseConnection,
  parseServiceAccount,
  parseServiceAccountToken,
  type KindName,
  type ServiceAccountResource,
  type ServiceAccountTokenResource,
} from "../../../src/api/v1alpha1/resources.js";
import type { NamespacedConnection, UnleashApi } from "../../../src/controllers/connection/registry.js";
import type { ObjectMeta } from "../../../src/api/v1alpha1/metadata.js";
import type { WriteTarget } from "../../../src/kube/custom-resources.js";
import type { EventSink } from "../../../src/kube/events.js";
import { SecretValue } from "../../../src/logging/secret-value.js";
import type { Lister } from "../../../src/runtime/lister.js";
import { UnleashConflictError, UnleashNotFoundError, UnleashTooManyTokensError } from "../../../src/unleash/errors.js";
import { ProjectAccessCache } from "../../../src/unleash/project-access.js";
import type { CreatedToken, UnleashServiceAccount } from "../../../src/unleash/schemas.js";
import { AccountSnapshotCache } from "../../../src/unleash/snapshot.js";
import { ReconcileTemplate } from "../../../src/controllers/shared/reconcile.js";
import { ServiceAccountReconciler } from "../../../src/controllers/serviceaccount/reconciler.js";
import { TokenReconciler } from "../../../src/controllers/token/reconciler.js";
import type { ReconcileResult } from "../../../src/runtime/controller.js";

export const logger = pino({ level: "silent" });
export const NAMESPACE = "team-a";

export interface Writes {
  unleash: string[];
  status: string[];
  finalizers: string[];
  secrets: string[];
  events: string[];
  restarts: string[];
}

export const noWrites = (): Writes => ({ unleash: [], status: [], finalizers: [], secrets: [], events: [], restarts: [] });

interface RawObject {
  metadata: ObjectMeta;
  spec: unknown;
  status: Record<string, unknown>;
}

/** The clock every fake and reconciler shares. */
export class Clock {
  constructor(public ms = Date.parse("2026-12-01T12:00:00.000Z")) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** The API server's objects of the operator's kinds, with listers that parse them as the informers do. */
export class FakeKube {
  readonly #objects = new Map<string, RawObject>();
  readonly secretsByName = new Map<string, V1Secret>();
  #version = 1;

  constructor(private readonly writes: Writes) {}

  add(kind: KindName, name: string, spec: unknown, meta: Partial<ObjectMeta> = {}): void {
    const metadata: ObjectMeta = { name, namespace: NAMESPACE, uid: uidOf(kind, name), generation: 1, resourceVersion: this.#next(), creationTimestamp: "2026-12-01T00:00:00Z", ...meta };
    this.#objects.set(`${kind}/${NAMESPACE}/${name}`, { metadata, spec, status: {} });
  }

  /** A spec edit: status kept, generation bumped, as the API server does. */
  setSpec(kind: KindName, name: string, spec: unknown): void {
    const object = this.#raw(kind, name);
    object.spec = spec;
    object.metadata = { ...object.metadata, generation: (object.metadata.generation ?? 1) + 1, resourceVersion: this.#next() };
  }

  markDeleted(kind: KindName, name: string): void {
    const object = this.#raw(kind, name);
    object.metadata = { ...object.metadata, deletionTimestamp: "2026-12-01T13:00:00Z", resourceVersion: this.#next() };
  }

  exists(kind: KindName, name: string): boolean {
    return this.#objects.has(`${kind}/${NAMESPACE}/${name}`);
  }

  readonly serviceAccounts: Lister<ServiceAccountResource> = this.#lister("ServiceAccount", parseServiceAccount);
  readonly tokens: Lister<ServiceAccountTokenResource> = this.#lister("ServiceAccountToken", parseServiceAccountToken);

  /** CustomResourceClient's writes. */
  readonly resources = {
    patchStatus: async (kind: KindName, target: WriteTarget, _previous: object, status: object): Promise<void> => {
      const object = this.#raw(kind, target.name);
      const next: Record<string, unknown> = { ...object.status };
      for (const [key, value] of Object.entries(status)) {
        if (value === null) delete next[key];
        else next[key] = value;
      }
      for (const key of Object.keys(next)) if (!(key in status)) delete next[key];
      object.status = structuredClone(next);
      object.metadata = { ...object.metadata, resourceVersion: this.#next() };
      this.writes.status.push(`${kind}/${target.name}`);
    },
    setFinalizers: async (kind: KindName, target: WriteTarget, finalizers: readonly string[]): Promise<void> => {
      const object = this.#raw(kind, target.name);
      this.writes.finalizers.push(`${kind}/${target.name}`);
      if (object.metadata.deletionTimestamp && finalizers.length === 0) {
        this.#objects.delete(`${kind}/${NAMESPACE}/${target.name}`);
        return;
      }
      object.metadata = { ...object.metadata, finalizers: [...finalizers], resourceVersion: this.#next() };
    },
  };

  /** SecretClient's calls. */
  readonly secretClient = {
    get: async (namespace: string, name: string): Promise<V1Secret | undefined> => structuredClone(this.secretsByName.get(`${namespace}/${name}`)),
    write: async (secret: V1Secret): Promise<void> => {
      const key = `${secret.metadata?.namespace ?? ""}/${secret.metadata?.name ?? ""}`;
      const existing = this.secretsByName.get(key);
      if (existing && existing.metadata?.resourceVersion !== secret.metadata?.resourceVersion) throw new Error(`409 conflict on Secret ${key}`);
      if (!existing && secret.metadata?.resourceVersion) throw new Error(`404 Secret ${key}`);
      const uid = existing?.metadata?.uid ?? `uid-secret-${key}`;
      this.secretsByName.set(key, structuredClone({ ...secret, metadata: { ...secret.metadata, uid, resourceVersion: this.#next() } }));
      this.writes.secrets.push(`write ${key}`);
    },
    delete: async (namespace: string, name: string): Promise<void> => {
      this.secretsByName.delete(`${namespace}/${name}`);
      this.writes.secrets.push(`delete ${namespace}/${name}`);
    },
  };

  /** The Secret cache, as the informer would hold it. */
  readonly secretCache = { get: (key: string) => this.secretsByName.get(key), list: () => [...this.secretsByName.values()] };

  ownedSecrets = (uid: string): V1Secret[] => [...this.secretsByName.values()].filter((s) => s.metadata?.ownerReferences?.some((ref) => ref.uid === uid));

  #lister<T>(kind: KindName, parse: (raw: unknown) => T | undefined): Lister<T> {
    const prefix = `${kind}/`;
    return {
      get: (key) => {
        const raw = this.#objects.get(`${kind}/${key}`);
        return raw ? parse(structuredClone(raw)) : undefined;
      },
      list: () => [...this.#objects.entries()].flatMap(([key, raw]) => (key.startsWith(prefix) ? (parse(structuredClone(raw)) ?? []) : [])),
    };
  }

  #raw(kind: KindName, name: string): RawObject {
    const object = this.#objects.get(`${kind}/${NAMESPACE}/${name}`);
    if (!object) throw new Error(`404 ${kind} ${name}`);
    return object;
  }

  #next(): string {
    this.#version += 1;
    return String(this.#version);
  }
}

interface FakeAccount extends UnleashServiceAccount {
  tokens: NonNullable<UnleashServiceAccount["tokens"]>;
}

/** Unleash's service-account API with the contract's rules. */
export class FakeUnleash implements UnleashApi {
  readonly accounts = new Map<number, FakeAccount>();
  readonly rootRoles = [
    { id: 1, type: "root", name: "Admin" },
    { id: 2, type: "root", name: "Editor" },
    { id: 3, type: "root", name: "Viewer" },
  ];
  readonly projectRoles = [
    { id: 4, type: "project", name: "Owner", description: undefined, project: undefined },
    { id: 5, type: "project", name: "Member", description: undefined, project: undefined },
  ];
  /** Project id to each user's role ids there. */
  readonly projects = new Map<string, Map<number, number[]>>([["default", new Map()]]);
  #ids = 100;

  constructor(
    private readonly writes: Writes,
    private readonly clock: Clock,
  ) {}

  async listServiceAccounts() {
    return { serviceAccounts: structuredClone([...this.accounts.values()]), rootRoles: this.rootRoles.map((r) => ({ ...r, description: undefined, project: undefined })) };
  }

  async createServiceAccount(request: { username: string; name: string; rootRole: number }): Promise<UnleashServiceAccount> {
    this.writes.unleash.push(`create account ${request.username}`);
    if ([...this.accounts.values()].some((a) => a.username === request.username)) throw conflict("POST /api/admin/service-account");
    const account: FakeAccount = { id: this.#id(), username: request.username, name: request.name, rootRole: request.rootRole, createdAt: this.clock.now().toISOString(), tokens: [] };
    this.accounts.set(account.id, account);
    return structuredClone(account);
  }

  async updateServiceAccount(id: number, update: { name: string; rootRole: number }): Promise<UnleashServiceAccount> {
    this.writes.unleash.push(`update account ${id}`);
    const account = this.#account(id);
    Object.assign(account, update);
    return structuredClone(account);
  }

  async deleteServiceAccount(id: number): Promise<void> {
    this.writes.unleash.push(`delete account ${id}`);
    this.accounts.delete(id);
  }

  async createToken(accountId: number, token: { description: string; expiresAt: Date }): Promise<CreatedToken> {
    this.writes.unleash.push(`create token for ${accountId}`);
    const account = this.#account(accountId);
    if (account.tokens.length >= 10) throw new UnleashTooManyTokensError({ status: 403, route: "POST token", unleashName: "OperationDeniedError", message: "Too many PATs (10)" });
    const created = { id: this.#id(), description: token.description, expiresAt: token.expiresAt.toISOString(), createdAt: this.clock.now().toISOString(), seenAt: undefined, userId: accountId };
    account.tokens.push(created);
    return { ...created, secret: new SecretValue(`user:${created.id.toString(16).padStart(56, "0")}`) };
  }

  async deleteToken(accountId: number, tokenId: number): Promise<void> {
    this.writes.unleash.push(`delete token ${tokenId}`);
    const account = this.accounts.get(accountId);
    if (account) account.tokens = account.tokens.filter((t) => t.id !== tokenId);
  }

  async listProjects() {
    return [...this.projects.keys()].map((id) => ({ id, name: undefined }));
  }

  async getProjectAccess(projectId: string) {
    const users = this.#project(projectId);
    return { roles: structuredClone(this.projectRoles), users: [...users].map(([id, roles]) => ({ id, roles: [...roles] })) };
  }

  async addProjectAccess(projectId: string, grant: { users: number[]; roles: number[] }): Promise<void> {
    this.writes.unleash.push(`add access ${projectId} ${grant.users.join(",")} ${grant.roles.join(",")}`);
    const users = this.#project(projectId);
    for (const user of grant.users) users.set(user, [...new Set([...(users.get(user) ?? []), ...grant.roles])]);
  }

  async setProjectRoles(projectId: string, userId: number, roles: number[]): Promise<void> {
    this.writes.unleash.push(`set roles ${projectId} ${userId} ${roles.join(",")}`);
    this.#project(projectId).set(userId, [...roles]);
  }

  async removeProjectAccess(projectId: string, userId: number): Promise<void> {
    this.writes.unleash.push(`remove access ${projectId} ${userId}`);
    this.#project(projectId).delete(userId);
  }

  async close(): Promise<void> {}

  #project(id: string): Map<number, number[]> {
    const users = this.projects.get(id);
    if (!users) throw new UnleashNotFoundError({ status: 404, route: "project access", unleashName: "NotFoundError", message: `project ${id} not found` });
    return users;
  }

  #account(id: number): FakeAccount {
    const account = this.accounts.get(id);
    if (!account) throw new Error(`404 account ${id}`);
    return account;
  }

  #id(): number {
    this.#ids += 1;
    return this.#ids;
  }
}

/** A UID as Kubernetes makes them (hex and dashes), stable per kind and name. */
export function uidOf(kind: string, name: string): string {
  const hex = createHash("sha256").update(`${kind}/${name}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function conflict(route: string): UnleashConflictError {
  return new UnleashConflictError({ status: 409, route, unleashName: "NameExistsError", message: "User already exists" });
}

/** One connection to the fake Unleash, as the registry resolves it; its snapshot is listed once and written through. */
export function fakeConnection(unleash: FakeUnleash, clock: Clock, overrides: Partial<Omit<NamespacedConnection, "source">> = {}): NamespacedConnection & { source: { kind: "UnleashConnection"; id: string; meta: ObjectMeta; spec: undefined; namespace: string } } {
  return {
    id: `UnleashConnection/${NAMESPACE}/unleash`,
    url: "https://unleash.example.com",
    target: "https://unleash.example.com",
    allowedRootRoles: undefined,
    allowAdoption: true,
    client: unleash,
    snapshots: new AccountSnapshotCache(unleash, { maxAgeMs: 60_000, now: () => clock.ms }),
    projectAccess: new ProjectAccessCache(unleash, { maxAgeMs: 60_000, now: () => clock.ms }),
    projectPolicy: () => true,
    source: { kind: "UnleashConnection", id: `UnleashConnection/${NAMESPACE}/unleash`, meta: { name: "unleash", namespace: NAMESPACE, uid: "uid-connection", finalizers: ["accounts.unleash.dev/in-use"] }, spec: undefined, namespace: NAMESPACE },
    ...overrides,
  };
}

export function recordingEvents(writes: Writes): EventSink {
  return { record: (_kind, meta, type, reason) => void writes.events.push(`${meta.name} ${type} ${reason}`) };
}


/** Both reconcilers over the fakes: what a test drives, and every write they made. */
export interface FakeWorld {
  clock: Clock;
  writes: Writes;
  kube: FakeKube;
  unleash: FakeUnleash;
  connection: ReturnType<typeof fakeConnection>;
  reconcileAccount(name: string): Promise<ReconcileResult>;
  reconcileToken(name: string): Promise<ReconcileResult>;
  /** Reconciles every resource until none changes anything more (at most `rounds` times). */
  converge(rounds?: number): Promise<void>;
  /** Starts counting writes afresh. */
  resetWrites(): void;
}

export function fakeWorld(connectionOverrides: Partial<Omit<NamespacedConnection, "source">> = {}): FakeWorld {
  const clock = new Clock();
  let writes = noWrites();
  const sink: Writes = new Proxy({} as Writes, { get: (_target, key: keyof Writes) => writes[key] });
  const kube = new FakeKube(sink);
  const unleash = new FakeUnleash(sink, clock);
  const connection = fakeConnection(unleash, clock, connectionOverrides);
  const connections = { resolve: async () => connection, metadataOf: () => connection.source.meta };
  const events = recordingEvents(sink);
  const templateDeps = { resources: kube.resources, events, now: clock.now };
  const connectionResource = parseConnection({
    metadata: { name: "unleash", namespace: NAMESPACE, uid: "uid-connection" },
    spec: { url: connection.url, adminTokenSecretRef: { name: "unleash-admin" } },
  });
  const claims = {
    listers: { clusterConnections: { get: () => undefined, list: () => [] }, connections: { get: () => connectionResource, list: () => (connectionResource ? [connectionResource] : []) } },
    accountsByConnection: () => kube.serviceAccounts.list(),
  };
  const accounts = new ReconcileTemplate(
    new ServiceAccountReconciler({ lister: kube.serviceAccounts, connections, claims, protection: { hold: async () => undefined }, events, clusterName: "test-cluster", now: clock.now }),
    templateDeps,
  );
  const tokens = new ReconcileTemplate(
    new TokenReconciler({
      lister: kube.tokens,
      serviceAccounts: kube.serviceAccounts,
      secretCache: kube.secretCache,
      ownedSecrets: kube.ownedSecrets,
      connections,
      secrets: kube.secretClient,
      workloads: { restart: async (kind, _namespace, name) => void sink.restarts.push(`${kind}/${name}`) },
      events,
      clusterName: "test-cluster",
      now: clock.now,
      enqueueServiceAccount: () => undefined,
    }),
    templateDeps,
  );
  const request = (name: string) => ({ key: { namespace: NAMESPACE, name }, signal: new AbortController().signal, logger });
  const world: FakeWorld = {
    clock,
    get writes() {
      return writes;
    },
    kube,
    unleash,
    connection,
    reconcileAccount: (name) => accounts.reconcile(request(name)),
    reconcileToken: (name) => tokens.reconcile(request(name)),
    converge: async (rounds = 6) => {
      for (let round = 0; round < rounds; round++) {
        for (const account of kube.serviceAccounts.list()) await world.reconcileAccount(account.metadata.name).catch(() => undefined);
        for (const token of kube.tokens.list()) await world.reconcileToken(token.metadata.name).catch(() => undefined);
      }
    },
    resetWrites: () => {
      writes = noWrites();
    },
  };
  return world;
}

/** The Ready condition of a resource, as status shows it. */
export function readyOf(resource: { status: { conditions?: Array<{ type: string; status: string; reason: string; message: string }> | undefined } } | undefined) {
  return resource?.status.conditions?.find((c) => c.type === "Ready");
}
