// The floor: the same work as the operator's cold converge, done by a direct client that makes
// only the calls that cannot be avoided, at the operator's concurrency (N workers for accounts,
// N for tokens, as the operator has N per controller) and with the operator's Unleash pool size:
//   once:        GET /api/admin/service-account (the root role's id, by name)
//   per account: POST /api/admin/service-account, PATCH status
//   per token:   POST .../token, POST Secret, PATCH status
// Resources are created by the same applier as in the operator's run, and each is worked on as
// soon as it exists (a token once its account exists in Unleash), as an ideal controller would.
import { Pool } from "undici";
import type { KubeHttp } from "./lib/kube-http.js";
import { API, applyWorkload, key, ROOT_ROLE, type AccountRef, type TokenRef, type Workload } from "./lib/workload.js";

export interface FloorOptions {
  /** Client for the floor's necessary Kubernetes writes (through its own write counter). */
  kube: KubeHttp;
  /** Client that applies the resources, as in the operator's run. */
  admin: KubeHttp;
  workload: Workload;
  connectionRef: { kind: string; name: string };
  unleash: { url: string; adminToken: string };
  /** Workers per kind. */
  concurrency: number;
  applyConcurrency: number;
  /** Keep-alive connections to Unleash; the operator's client uses 10 per connection. */
  unleashConnections: number;
}

export interface FloorResult {
  wallMs: number;
  /** Per account / token: ms from the start until its status was written. */
  accountsMs: number[];
  tokensMs: number[];
}

const MERGE_PATCH = "application/merge-patch+json";
const TOKEN_LIFETIME_MS = 720 * 3_600_000;

export async function runFloor(options: FloorOptions): Promise<FloorResult> {
  const started = performance.now();
  const unleash = new UnleashCalls(options.unleash, options.unleashConnections);
  try {
    const role = await unleash.rootRole(ROOT_ROLE);
    const accountsMs: number[] = [];
    const tokensMs: number[] = [];
    const accountIds = new Map<string, number>();
    const waiting = new Map<string, Array<{ ref: TokenRef; uid: string }>>();
    const tokens = new WorkPool<{ ref: TokenRef; uid: string }>(options.concurrency, async ({ ref, uid }) => {
      await issueToken(options.kube, unleash, ref, uid, accountIds.get(`${ref.namespace}/${ref.account}`) as number);
      tokensMs.push(performance.now() - started);
    });
    const accounts = new WorkPool<AccountRef>(options.concurrency, async (ref) => {
      const id = await unleash.createAccount(ref.name, role.id);
      await patchStatus(options.kube, `${API}/namespaces/${ref.namespace}/serviceaccounts/${ref.name}/status`, {
        id,
        username: ref.name,
        rootRole: { id: role.id, name: role.name },
        ...readyStatus(`Unleash service account ${ref.name} (id ${id})`),
      });
      accountsMs.push(performance.now() - started);
      accountIds.set(key(ref), id);
      for (const token of waiting.get(key(ref)) ?? []) tokens.push(token);
      waiting.delete(key(ref));
    });
    await applyWorkload(options.admin, options.workload, options.connectionRef, options.applyConcurrency, (created) => {
      if (created.kind === "ServiceAccount") return accounts.push(created.ref);
      const accountKey = `${created.ref.namespace}/${created.ref.account}`;
      const item = { ref: created.ref, uid: created.uid };
      if (accountIds.has(accountKey)) tokens.push(item);
      else waiting.set(accountKey, [...(waiting.get(accountKey) ?? []), item]);
    });
    await accounts.drain();
    await tokens.drain();
    return { wallMs: performance.now() - started, accountsMs, tokensMs };
  } finally {
    await unleash.close();
  }
}

async function issueToken(kube: KubeHttp, unleash: UnleashCalls, ref: TokenRef, uid: string, accountId: number): Promise<void> {
  const token = await unleash.createToken(accountId, `${ref.namespace}/${ref.name} [floor]`, new Date(Date.now() + TOKEN_LIFETIME_MS));
  await kube.expect("POST", `/api/v1/namespaces/${ref.namespace}/secrets`, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: { "app.kubernetes.io/managed-by": "unleash-accounts-operator" },
      annotations: { "accounts.unleash.dev/token-id": String(token.id) },
      ownerReferences: [{ apiVersion: "accounts.unleash.dev/v1alpha1", kind: "ServiceAccountToken", name: ref.name, uid, controller: true, blockOwnerDeletion: true }],
    },
    type: "Opaque",
    data: { UNLEASH_API_TOKEN: Buffer.from(token.secret).toString("base64"), UNLEASH_URL: Buffer.from(unleash.url).toString("base64") },
  });
  await patchStatus(kube, `${API}/namespaces/${ref.namespace}/serviceaccounttokens/${ref.name}/status`, {
    tokenId: token.id,
    expiresAt: token.expiresAt,
    secretName: ref.name,
    ...readyStatus(`token ${token.id} in Secret ${ref.name}`),
  });
}

function readyStatus(message: string) {
  const condition = { type: "Ready", status: "True", reason: "Ready", message, observedGeneration: 1, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
  return { observedGeneration: 1, conditions: [condition] };
}

async function patchStatus(kube: KubeHttp, path: string, status: Record<string, unknown>): Promise<void> {
  await kube.expect("PATCH", path, { status }, { contentType: MERGE_PATCH });
}

/** The three Unleash calls the floor needs, over one keep-alive pool. */
class UnleashCalls {
  readonly #pool: Pool;
  readonly #prefix: string;

  constructor(
    private readonly target: { url: string; adminToken: string },
    connections: number,
  ) {
    const url = new URL(target.url);
    this.#pool = new Pool(url.origin, { connections });
    this.#prefix = url.pathname.replace(/\/$/, "");
  }

  get url(): string {
    return this.target.url;
  }

  async rootRole(name: string): Promise<{ id: number; name: string }> {
    const list = (await this.#call("GET", "/api/admin/service-account")) as { rootRoles?: Array<{ id: number; name: string }> };
    const role = list.rootRoles?.find((candidate) => candidate.name === name);
    if (!role) throw new Error(`Unleash has no root role ${name}`);
    return role;
  }

  async createAccount(username: string, rootRole: number): Promise<number> {
    return ((await this.#call("POST", "/api/admin/service-account", { username, name: username, rootRole })) as { id: number }).id;
  }

  async createToken(accountId: number, description: string, expiresAt: Date): Promise<{ id: number; secret: string; expiresAt: string }> {
    return (await this.#call("POST", `/api/admin/service-account/${accountId}/token`, { description, expiresAt: expiresAt.toISOString() })) as {
      id: number;
      secret: string;
      expiresAt: string;
    };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }

  async #call(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const answer = await this.#pool.request({
      method,
      path: this.#prefix + path,
      headers: { authorization: this.target.adminToken, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await answer.body.text();
    if (answer.statusCode < 200 || answer.statusCode > 299) throw new Error(`floor: Unleash ${method} ${path}: HTTP ${answer.statusCode}`);
    return JSON.parse(text) as unknown;
  }
}

/** Runs pushed items with at most `concurrency` at once; `drain` waits for all and rethrows the first failure. */
class WorkPool<T> {
  readonly #queue: T[] = [];
  #running = 0;
  #failure: unknown;
  #idle: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly work: (item: T) => Promise<void>,
  ) {}

  push(item: T): void {
    this.#queue.push(item);
    this.#pump();
  }

  async drain(): Promise<void> {
    if (this.#running > 0 || this.#queue.length > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    if (this.#failure !== undefined) throw this.#failure;
  }

  #pump(): void {
    while (this.#running < this.concurrency && this.#queue.length > 0) {
      const item = this.#queue.shift() as T;
      this.#running += 1;
      this.work(item)
        .catch((error: unknown) => (this.#failure ??= error))
        .finally(() => {
          this.#running -= 1;
          this.#pump();
          if (this.#running === 0 && this.#queue.length === 0) for (const resolve of this.#idle.splice(0)) resolve();
        });
    }
  }
}
