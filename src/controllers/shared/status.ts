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

/**
 * One controller's status writers. Remembers, per resource UID, the status it
 * wrote last: the informer cache may not show a write yet when the next
 * reconcile starts, and a status computed against that stale cache could
 * otherwise be skipped as "unchanged" and leave the older write standing.
 */
export class StatusWriters<S extends StatusBase> {
  readonly #written = new Map<string, { status: S; at: number }>();

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

  #recall(uid: string): S | undefined {
    const entry = this.#written.get(uid);
    if (entry && this.now().getTime() - entry.at > REMEMBER_WRITES_MS) this.#written.delete(uid);
    return this.#written.get(uid)?.status;
  }

  #remember(uid: string, status: S): void {
    const at = this.now().getTime();
    // Re-inserted, so that the map stays ordered oldest first.
    this.#written.delete(uid);
    this.#written.set(uid, { status, at });
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
    await resources.patchStatus(kind, { namespace: meta.namespace, name: meta.name }, previous, cleaned);
    this.#current = cleaned;
    this.#serverMayHold = [cleaned];
    this.context.remember(cleaned);
  }
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function hasFinalizer(meta: ObjectMeta): boolean {
  return meta.finalizers?.includes(FINALIZER) ?? false;
}

export async function ensureFinalizer(resources: CustomResourceClient, kind: KindName, meta: ObjectMeta): Promise<void> {
  if (hasFinalizer(meta)) return;
  const key = { namespace: meta.namespace, name: meta.name };
  await resources.setFinalizers(kind, key, meta.finalizers, [...(meta.finalizers ?? []), FINALIZER]);
}

export async function removeFinalizer(resources: CustomResourceClient, kind: KindName, meta: ObjectMeta): Promise<void> {
  if (!hasFinalizer(meta)) return;
  const key = { namespace: meta.namespace, name: meta.name };
  await resources.setFinalizers(kind, key, meta.finalizers, (meta.finalizers ?? []).filter((f) => f !== FINALIZER));
}
