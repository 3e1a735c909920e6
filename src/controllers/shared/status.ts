import { isDeepStrictEqual } from "node:util";
import type { Condition } from "../../api/v1alpha1/common.js";
import type { Outcome } from "../../api/v1alpha1/conditions.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { KindName } from "../../api/v1alpha1/resources.js";
import { conditionsFor } from "../../kube/conditions.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";

export const FINALIZER = "accounts.unleash.dev/finalizer";

export interface StatusBase {
  conditions?: Condition[] | undefined;
  observedGeneration?: number | undefined;
}

/** How long a written status is remembered: far longer than any lag of a live watch. */
const REMEMBER_WRITES_MS = 10 * 60_000;
const REMEMBERED_PER_RESOURCE = 4;

/**
 * One controller's status writers. Remembers, per resource UID, the status it
 * wrote last: the informer cache may not show a write yet when the next
 * reconcile starts, and a status computed against that stale cache could
 * otherwise be skipped as "unchanged" and leave the older write standing.
 */
export class StatusWriters<S extends StatusBase> {
  /** The last few statuses written per UID, newest last: the echo of an older write can arrive after a newer write. */
  readonly #written = new Map<string, { statuses: S[]; at: number }>();

  constructor(
    private readonly resources: StatusPatcher,
    private readonly kind: KindName,
    private readonly now: () => Date,
  ) {}

  /** A writer for one reconcile of the resource whose cached status is `cached`. */
  for(meta: ObjectMeta, cached: S): StatusWriter<S> {
    const remember = (status: S) => this.#remember(meta.uid, status);
    const context = { resources: this.resources, kind: this.kind, meta, now: this.now, remember };
    return new StatusWriter(context, dropUndefined(cached), this.#recall(meta.uid));
  }

  /** Whether `status` is one this process wrote lately for `uid` (its own echo): anything else is news. */
  isOwnEcho(uid: string, status: S): boolean {
    const cleaned = dropUndefined(status);
    return this.#entry(uid)?.statuses.some((written) => isDeepStrictEqual(cleaned, written)) ?? false;
  }

  #recall(uid: string): S | undefined {
    return this.#entry(uid)?.statuses.at(-1);
  }

  #entry(uid: string): { statuses: S[]; at: number } | undefined {
    const entry = this.#written.get(uid);
    if (entry && this.now().getTime() - entry.at > REMEMBER_WRITES_MS) this.#written.delete(uid);
    return this.#written.get(uid);
  }

  #remember(uid: string, status: S): void {
    const at = this.now().getTime();
    const statuses = [...(this.#written.get(uid)?.statuses ?? []), status].slice(-REMEMBERED_PER_RESOURCE);
    // Re-inserted, so that the map stays ordered oldest first.
    this.#written.delete(uid);
    this.#written.set(uid, { statuses, at });
    for (const [key, entry] of this.#written) {
      if (at - entry.at <= REMEMBER_WRITES_MS) break;
      this.#written.delete(key);
    }
  }
}

type StatusPatcher = Pick<CustomResourceClient, "patchStatus">;

interface WriterContext<S> {
  resources: StatusPatcher;
  kind: KindName;
  meta: ObjectMeta;
  now: () => Date;
  remember(status: S): void;
}

/**
 * Writes a resource's status only when it changed, so that a resource at
 * rest costs no Kubernetes writes.
 */
export class StatusWriter<S extends StatusBase> {
  #current: S;
  /** What the server may hold now: the cache and our last write until this writer writes. */
  #serverMayHold: S[];

  constructor(
    private readonly context: WriterContext<S>,
    cached: S,
    lastWritten: S | undefined,
  ) {
    this.#current = lastWritten ?? cached;
    this.#serverMayHold = lastWritten ? [cached, lastWritten] : [cached];
  }

  get current(): S {
    return this.#current;
  }

  /** Sets the fields and the conditions for `outcome`; a no-op when nothing changes. */
  async write(fields: Omit<S, "conditions" | "observedGeneration">, outcome: Outcome): Promise<void> {
    const { generation } = this.context.meta;
    const next = {
      ...fields,
      conditions: conditionsFor(outcome, generation, this.#current.conditions, this.context.now()),
      ...(generation === undefined ? {} : { observedGeneration: generation }),
    } as S;
    await this.#put(next);
  }

  /** Reconciling=True with `reason` and `message`; Ready and Stalled stay as they are (a pause changes nothing they say). */
  async markReconciling(reason: string, message: string): Promise<void> {
    const { generation } = this.context.meta;
    const before = this.#current.conditions?.find((c) => c.type === "Reconciling");
    const reconciling = {
      type: "Reconciling",
      status: "True" as const,
      reason,
      message,
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      lastTransitionTime: before?.status === "True" ? before.lastTransitionTime : this.context.now().toISOString(),
    };
    const others = (this.#current.conditions ?? []).filter((c) => c.type !== "Reconciling");
    await this.#put({ ...this.#current, conditions: [...others, reconciling] });
  }

  /** Changes fields without touching the conditions (e.g. a claim written before a create call). */
  async patch(fields: Partial<S>): Promise<void> {
    await this.#put({ ...this.#current, ...fields });
  }

  async #put(next: S): Promise<void> {
    const cleaned = dropUndefined(next);
    if (this.#serverMayHold.every((held) => isDeepStrictEqual(cleaned, held))) return;
    const { resources, kind, meta } = this.context;
    // Removes the fields that any state the server may hold has and `cleaned` lacks.
    const previous = Object.assign({}, ...this.#serverMayHold) as S;
    // Remembered before it is sent: the watch may deliver its echo before the answer arrives.
    this.context.remember(cleaned);
    await resources.patchStatus(kind, meta, previous, cleaned);
    this.#current = cleaned;
    this.#serverMayHold = [cleaned];
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function hasFinalizer(meta: { finalizers?: readonly string[] | undefined }, finalizer = FINALIZER): boolean {
  return meta.finalizers?.includes(finalizer) ?? false;
}

/** Anything whose finalizers can be replaced, guarded by the version they were computed from. */
export interface FinalizerPatcher {
  setFinalizers(to: readonly string[]): Promise<void>;
}

export function customResourceFinalizers(resources: Pick<CustomResourceClient, "setFinalizers">, kind: KindName, meta: ObjectMeta): FinalizerPatcher {
  return { setFinalizers: (to) => resources.setFinalizers(kind, meta, to) };
}

/** Adds `finalizer` unless present. */
export async function ensureFinalizer(target: FinalizerPatcher, meta: { finalizers?: readonly string[] | undefined }, finalizer = FINALIZER): Promise<void> {
  if (hasFinalizer(meta, finalizer)) return;
  await target.setFinalizers([...(meta.finalizers ?? []), finalizer]);
}

export async function removeFinalizer(target: FinalizerPatcher, meta: { finalizers?: readonly string[] | undefined }, finalizer = FINALIZER): Promise<void> {
  if (!hasFinalizer(meta, finalizer)) return;
  await target.setFinalizers((meta.finalizers ?? []).filter((f) => f !== finalizer));
}
