// What the benchmark sees of the cluster, by list-then-watch (never polling): per token
// resource its Ready state and token id, per account its Ready state, per managed Secret the
// token id it holds. Scenarios time each resource from the moment its watch event arrives.
import { setTimeout as sleep } from "node:timers/promises";
import { KubeRequestError, type KubeHttp, type WatchEvent } from "./kube-http.js";
import { API } from "./workload.js";

export interface TokenState {
  uid: string;
  ready: boolean;
  generation?: number;
  observedGeneration?: number;
  tokenId?: number;
  readyReason?: string;
}

export interface AccountState {
  uid: string;
  ready: boolean;
  id?: number;
}

export interface SecretState {
  uid: string;
  tokenId?: number;
  hasToken: boolean;
}

export type ViewKind = "token" | "account" | "secret";
type Listener = (kind: ViewKind, key: string) => void;

interface RawObject {
  metadata?: { name?: string; namespace?: string; uid?: string; generation?: number; resourceVersion?: string; annotations?: Record<string, string> };
  status?: { conditions?: Array<{ type?: string; status?: string; reason?: string }>; observedGeneration?: number; tokenId?: number; id?: number };
  data?: Record<string, string>;
}

const MANAGED_SECRETS = "app.kubernetes.io/managed-by=unleash-accounts-operator";
const TOKEN_ID_ANNOTATION = "accounts.unleash.dev/token-id";

export class ClusterView {
  readonly tokens = new Map<string, TokenState>();
  readonly accounts = new Map<string, AccountState>();
  readonly secrets = new Map<string, SecretState>();
  readonly #listeners = new Set<Listener>();
  readonly #stop = new AbortController();
  #loops: Promise<void>[] = [];

  constructor(
    private readonly http: KubeHttp,
    private readonly watched: (namespace: string) => boolean,
  ) {}

  async start(): Promise<void> {
    const reflectors = [
      this.#reflect("token", `${API}/serviceaccounttokens`, undefined, this.tokens, tokenState),
      this.#reflect("account", `${API}/serviceaccounts`, undefined, this.accounts, accountState),
      this.#reflect("secret", "/api/v1/secrets", MANAGED_SECRETS, this.secrets, secretState),
    ];
    await Promise.all(reflectors.map((r) => r.synced));
    this.#loops = reflectors.map((r) => r.loop);
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.allSettled(this.#loops);
  }

  onChange(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ready for its current generation, and its Secret holds the token its status names. */
  tokenConverged(key: string): boolean {
    const token = this.tokens.get(key);
    const secret = this.secrets.get(key);
    return (
      token?.ready === true &&
      token.observedGeneration === token.generation &&
      token.tokenId !== undefined &&
      secret?.hasToken === true &&
      secret.tokenId === token.tokenId
    );
  }

  accountReady(key: string): boolean {
    return this.accounts.get(key)?.ready === true;
  }

  /**
   * Milliseconds from `startedAt` (performance.now()) until `done(key)` first held, per key,
   * re-checked whenever a watch event touches the key (a token and its Secret share the key).
   */
  timeUntilAll(keys: readonly string[], done: (key: string) => boolean, startedAt: number, timeoutMs: number, what: string): Promise<Map<string, number>> {
    const pending = new Set(keys);
    const times = new Map<string, number>();
    const check = (key: string) => {
      if (pending.has(key) && done(key)) {
        times.set(key, performance.now() - startedAt);
        pending.delete(key);
      }
    };
    for (const key of keys) check(key);
    if (pending.size === 0) return Promise.resolve(times);
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        unsubscribe();
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(times);
      };
      const unsubscribe = this.onChange((_kind, key) => {
        check(key);
        if (pending.size === 0) finish();
      });
      const timer = setTimeout(() => {
        const sample = [...pending].slice(0, 5).map((key) => `${key} ${JSON.stringify({ token: this.tokens.get(key), account: this.accounts.get(key), secret: this.secrets.get(key) })}`);
        finish(new Error(`${what}: ${pending.size} of ${keys.length} not done after ${timeoutMs} ms, e.g.\n  ${sample.join("\n  ")}`));
      }, timeoutMs);
    });
  }

  #reflect<S>(kind: ViewKind, path: string, labelSelector: string | undefined, store: Map<string, S>, toState: (raw: RawObject) => S): { synced: Promise<void>; loop: Promise<void> } {
    let markSynced: () => void = () => {};
    const synced = new Promise<void>((resolve) => (markSynced = resolve));
    const selector = labelSelector ? `&labelSelector=${encodeURIComponent(labelSelector)}` : "";
    const apply = (type: string, raw: RawObject) => {
      const { namespace, name } = raw.metadata ?? {};
      if (!namespace || !name || !this.watched(namespace)) return;
      const key = `${namespace}/${name}`;
      if (type === "DELETED") store.delete(key);
      else store.set(key, toState(raw));
      for (const listener of this.#listeners) listener(kind, key);
    };
    const loop = async () => {
      const signal = this.#stop.signal;
      while (!signal.aborted) {
        try {
          const list = await this.http.expect("GET", `${path}?limit=0${selector}`);
          const body = list.body as { items?: RawObject[]; metadata?: { resourceVersion?: string } };
          store.clear();
          for (const item of body.items ?? []) apply("ADDED", item);
          markSynced();
          let resourceVersion = body.metadata?.resourceVersion ?? "";
          for (let gone = false; !gone && !signal.aborted; ) {
            const onEvent = (event: WatchEvent) => {
              const raw = event.object as RawObject & { code?: number };
              if (event.type === "ERROR") gone = true;
              else if (raw.metadata?.resourceVersion) resourceVersion = raw.metadata.resourceVersion;
              if (event.type !== "BOOKMARK" && event.type !== "ERROR") apply(event.type, raw);
            };
            const query = `?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=${resourceVersion}${selector}`;
            const status = await this.http.watch(`${path}${query}`, onEvent, signal);
            if (status === 410) gone = true;
            else if (status !== 200) throw new Error(`watch ${path}: HTTP ${status}`);
          }
        } catch (error) {
          if (signal.aborted) return;
          // A fresh kube-apiserver answers 429 until its storage for the new CRDs is ready.
          const starting = error instanceof KubeRequestError && error.status === 429;
          if (!starting) process.stderr.write(`bench: watch of ${path} failed (${(error as Error).message}); listing again\n`);
          await sleep(500);
        }
      }
    };
    return { synced, loop: loop() };
  }
}

function isReady(raw: RawObject): { ready: boolean; reason?: string } {
  const condition = raw.status?.conditions?.find((c) => c.type === "Ready");
  return { ready: condition?.status === "True", ...(condition?.reason ? { reason: condition.reason } : {}) };
}

function tokenState(raw: RawObject): TokenState {
  const { ready, reason } = isReady(raw);
  return {
    uid: raw.metadata?.uid ?? "",
    ready,
    ...(reason ? { readyReason: reason } : {}),
    ...(raw.metadata?.generation === undefined ? {} : { generation: raw.metadata.generation }),
    ...(raw.status?.observedGeneration === undefined ? {} : { observedGeneration: raw.status.observedGeneration }),
    ...(raw.status?.tokenId === undefined ? {} : { tokenId: raw.status.tokenId }),
  };
}

function accountState(raw: RawObject): AccountState {
  return { uid: raw.metadata?.uid ?? "", ready: isReady(raw).ready, ...(raw.status?.id === undefined ? {} : { id: raw.status.id }) };
}

function secretState(raw: RawObject): SecretState {
  const tokenId = Number(raw.metadata?.annotations?.[TOKEN_ID_ANNOTATION]);
  return {
    uid: raw.metadata?.uid ?? "",
    hasToken: Boolean(raw.data?.UNLEASH_API_TOKEN),
    ...(Number.isSafeInteger(tokenId) ? { tokenId } : {}),
  };
}
