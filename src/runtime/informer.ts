import { type KubeConfig, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ObjectStore, type StoreChange, type StoredObject, rawObjectMeta } from "./object-store.js";
import { type ListResult, listRaw } from "./raw-list.js";
import { Backoff, sleep, withTimeout } from "./timing.js";
import { type WatchEnd, type WatchSession, startWatchSession } from "./watch-session.js";

export type { ListResult } from "./raw-list.js";

/** Port for informer_* metrics; `createMetrics().forInformer(resource)` implements it. */
export interface InformerMetrics {
  watchHealthy(healthy: boolean): void;
  relisted(): void;
}

export interface InformerHandlers<T> {
  add: (object: T) => void;
  update: (object: T, old: T) => void;
  delete: (object: T) => void;
}

export interface InformerOptions<T> {
  kubeConfig: KubeConfig;
  /** Collection path, e.g. /api/v1/namespaces/x/secrets or /apis/accounts.unleash.dev/v1alpha1/serviceaccounts. */
  path: string;
  /**
   * Lists the collection; must apply the same selector as the watch. Defaults to a raw paginated
   * GET of `path`, which yields the same JSON shape as watch events (typed client lists do not:
   * they turn timestamps into Dates).
   */
  list?: () => Promise<ListResult>;
  /** Validates one raw object (zod); undefined = invalid, reported via `onInvalid` and not cached. */
  parse: (raw: unknown) => T | undefined;
  /** Called with an object that failed `parse`. Defaults to a warning naming the object (never its content). */
  onInvalid?: (raw: unknown) => void;
  labelSelector?: string;
  /**
   * With no traffic (events, bookmarks, new connections) for this long the watch is presumed
   * dead, e.g. a half-open TCP connection: it is aborted and the informer lists again.
   */
  watchInactivityTimeoutMs?: number;
  listTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  logger: Logger;
  metrics?: InformerMetrics;
}

type HandlerLists<T> = { [E in keyof InformerHandlers<T>]: InformerHandlers<T>[E][] };

const DEFAULT_INACTIVITY_TIMEOUT_MS = 5 * 60_000;
const DEFAULT_LIST_TIMEOUT_MS = 60_000;
/** client-go's reflector backoff. */
const DEFAULT_BACKOFF = { initialMs: 800, maxMs: 30_000 };
/** This many failures in a row mark the informer unhealthy even if the last one was recent. */
const UNHEALTHY_AFTER_FAILURES = 3;

/**
 * List-then-watch cache of one collection, with client-go's guarantees: it lists again on
 * 410 Gone and after an inactive watch, and restarts with backoff after any other error.
 */
export class Informer<T> {
  private readonly store = new ObjectStore<T>();
  private readonly handlers: HandlerLists<T> = { add: [], update: [], delete: [] };
  private readonly watcher: Watch;
  private readonly logger: Logger;
  private readonly backoff: Backoff;
  private readonly inactivityTimeoutMs: number;
  private resourceVersion = "";
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private lastActivity = 0;
  private consecutiveFailures = 0;
  private listCount = 0;
  private activeWatch: WatchSession | undefined;
  private stopController: AbortController | undefined;
  private timers: NodeJS.Timeout[] = [];
  private loop: Promise<void> | undefined;

  constructor(private readonly options: InformerOptions<T>) {
    this.watcher = new Watch(options.kubeConfig);
    this.logger = options.logger.child({ informer: options.path });
    const backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.backoff = new Backoff(backoff.initialMs, backoff.maxMs);
    this.inactivityTimeoutMs = options.watchInactivityTimeoutMs ?? DEFAULT_INACTIVITY_TIMEOUT_MS;
  }

  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): void {
    this.handlers[event].push(handler);
  }

  start(): void {
    if (this.loop !== undefined) throw new Error(`informer for ${this.options.path} already started`);
    const stopController = new AbortController();
    this.stopController = stopController;
    const checkEveryMs = Math.max(50, Math.min(this.inactivityTimeoutMs / 4, 10_000));
    this.timers = [setInterval(() => this.checkHealth(), checkEveryMs)];
    for (const timer of this.timers) timer.unref();
    this.loop = this.run(stopController.signal);
  }

  async stop(): Promise<void> {
    this.stopController?.abort();
    this.activeWatch?.end("stopped");
    for (const timer of this.timers) clearInterval(timer);
    await this.loop;
    this.loop = undefined;
    this.options.metrics?.watchHealthy(false);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves once the first list has been stored (controller-runtime's WaitForCacheSync). */
  whenSynced(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Epoch ms of the last list, watch connection or watch event. */
  lastActivityAt(): number {
    return this.lastActivity;
  }

  /** False before the first sync, after stop, while the watch is silent beyond its timeout, or failing repeatedly. */
  isHealthy(): boolean {
    return (
      this.synced &&
      this.loop !== undefined &&
      this.consecutiveFailures < UNHEALTHY_AFTER_FAILURES &&
      Date.now() - this.lastActivity <= this.inactivityTimeoutMs
    );
  }

  get(key: string): T | undefined {
    return this.store.get(key)?.object;
  }

  list(): T[] {
    return this.store.values();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let mustList = true;
    while (!signal.aborted) {
      try {
        if (mustList) await this.listAndReplace(signal);
        mustList = false;
        const end = await this.watchOnce(signal);
        if (end === "gone" || end === "inactive") mustList = true;
        if (end === "failed") await this.backOff(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.logger.warn({ err: error }, "list failed; retrying with backoff");
        await this.backOff(signal);
      }
    }
  }

  private async backOff(signal: AbortSignal): Promise<void> {
    this.consecutiveFailures += 1;
    this.reportHealth();
    await sleep(this.backoff.next(), signal);
  }

  private recovered(): void {
    this.consecutiveFailures = 0;
    this.backoff.reset();
  }

  private reportHealth(): void {
    this.options.metrics?.watchHealthy(this.isHealthy());
  }

  private async listAndReplace(signal: AbortSignal): Promise<void> {
    const timeoutMs = this.options.listTimeoutMs ?? DEFAULT_LIST_TIMEOUT_MS;
    const { kubeConfig, path, labelSelector } = this.options;
    const listing =
      this.options.list?.() ??
      listRaw(kubeConfig, path, { labelSelector, signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    // A hung list (e.g. a frozen connection) must not stall the informer.
    const listed = await withTimeout(listing, timeoutMs, `listing ${path}`, signal);
    const changes = this.store.replace(this.parseList(listed.items));
    this.resourceVersion = listed.resourceVersion;
    this.listCount += 1;
    if (this.listCount > 1) this.options.metrics?.relisted();
    this.recovered();
    this.markActivity();
    for (const change of changes) this.emit(change);
    this.logger.debug({ objects: listed.items.length, resourceVersion: this.resourceVersion }, "listed");
    if (!this.synced) this.markSynced();
    this.reportHealth();
  }

  private parseList(items: unknown[]): Map<string, StoredObject<T>> {
    const next = new Map<string, StoredObject<T>>();
    for (const raw of items) {
      const meta = rawObjectMeta(raw);
      const object = meta && this.options.parse(raw);
      if (meta && object !== undefined) {
        next.set(meta.key, { object, resourceVersion: meta.resourceVersion });
        continue;
      }
      this.reportInvalid(raw);
      // An object that became invalid still exists: keep its last valid state rather than report a delete.
      const kept = meta && this.store.get(meta.key);
      if (meta && kept) next.set(meta.key, kept);
    }
    return next;
  }

  private markSynced(): void {
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
    this.logger.info({ objects: this.store.values().length }, "informer synced");
  }

  private async watchOnce(signal: AbortSignal): Promise<WatchEnd> {
    if (signal.aborted) return "stopped";
    const session = startWatchSession({
      watcher: this.watcher,
      path: this.options.path,
      params: this.watchParams(),
      logger: this.logger,
      onConnected: () => this.markActivity(),
      onEvent: (phase, raw) => {
        this.markActivity();
        this.handleEvent(phase, raw);
      },
    });
    this.activeWatch = session;
    const end = await session.ended;
    this.activeWatch = undefined;
    if (end === "closed") this.recovered();
    return end;
  }

  private watchParams(): Record<string, string | number | boolean | undefined> {
    return {
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      labelSelector: this.options.labelSelector,
      // Like client-go: the server ends each watch after 5-10 minutes, spreading reconnects.
      timeoutSeconds: Math.floor(300 + Math.random() * 300),
    };
  }

  private handleEvent(phase: string, raw: unknown): void {
    switch (phase) {
      case "ADDED":
      case "MODIFIED":
        return this.applyUpsert(raw);
      case "DELETED":
        return this.applyDelete(raw);
      case "BOOKMARK":
        return this.noteResourceVersion(rawObjectMeta(raw)?.resourceVersion);
      default:
        this.logger.warn({ phase }, "ignoring watch event of unknown type");
    }
  }

  private applyUpsert(raw: unknown): void {
    const meta = rawObjectMeta(raw);
    this.noteResourceVersion(meta?.resourceVersion);
    const object = meta && this.options.parse(raw);
    if (!meta || object === undefined) return this.reportInvalid(raw);
    this.recovered();
    this.emit(this.store.upsert(meta.key, { object, resourceVersion: meta.resourceVersion }));
  }

  private applyDelete(raw: unknown): void {
    const meta = rawObjectMeta(raw);
    if (!meta) return this.reportInvalid(raw);
    this.noteResourceVersion(meta.resourceVersion);
    this.recovered();
    const change = this.store.remove(meta.key);
    if (change) this.emit(change);
  }

  private noteResourceVersion(resourceVersion: string | undefined): void {
    if (resourceVersion) this.resourceVersion = resourceVersion;
  }

  private checkHealth(): void {
    const silentMs = Date.now() - this.lastActivity;
    if (this.activeWatch && silentMs > this.inactivityTimeoutMs) {
      this.logger.warn({ silentMs }, "watch inactive beyond its timeout; presuming it dead and listing again");
      this.activeWatch.end("inactive");
    }
    this.reportHealth();
  }

  private markActivity(): void {
    this.lastActivity = Date.now();
  }

  private reportInvalid(raw: unknown): void {
    if (this.options.onInvalid) return this.options.onInvalid(raw);
    this.logger.warn({ object: rawObjectMeta(raw)?.key }, "ignoring object that does not match its schema");
  }

  private emit(change: StoreChange<T>): void {
    switch (change.type) {
      case "add":
        return this.call("add", (handler) => handler(change.object));
      case "update":
        return this.call("update", (handler) => handler(change.object, change.old));
      case "delete":
        return this.call("delete", (handler) => handler(change.object));
    }
  }

  /** A throwing handler must not stop the informer or the other handlers. */
  private call<E extends keyof InformerHandlers<T>>(
    event: E,
    invoke: (handler: InformerHandlers<T>[E]) => void,
  ): void {
    for (const handler of this.handlers[event]) {
      try {
        invoke(handler);
      } catch (error) {
        this.logger.error({ err: error, event }, "informer event handler threw");
      }
    }
  }
}
