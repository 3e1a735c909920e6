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

/**
 * Writes a resource's status only when it changed, so that a resource at
 * rest costs no Kubernetes writes. Tracks what it wrote last, because the
 * informer cache may not show a write yet when the next one is computed.
 */
export class StatusWriter<S extends StatusBase> {
  #current: S;

  constructor(
    private readonly resources: CustomResourceClient,
    private readonly kind: KindName,
    private readonly meta: ObjectMeta,
    initial: S,
    private readonly now: () => Date,
  ) {
    this.#current = initial;
  }

  get current(): S {
    return this.#current;
  }

  /** Sets the fields and the conditions for `outcome`; a no-op when nothing changes. */
  async write(fields: Omit<S, "conditions" | "observedGeneration">, outcome: Outcome): Promise<void> {
    const next = {
      ...fields,
      conditions: conditionsFor(outcome, this.meta.generation, this.#current.conditions, this.now()),
      ...(this.meta.generation === undefined ? {} : { observedGeneration: this.meta.generation }),
    } as S;
    await this.#put(next);
  }

  /** Changes fields without touching the conditions (e.g. a claim written before a create call). */
  async patch(fields: Partial<S>): Promise<void> {
    await this.#put({ ...this.#current, ...fields });
  }

  async #put(next: S): Promise<void> {
    const cleaned = dropUndefined(next);
    if (isDeepStrictEqual(cleaned, dropUndefined(this.#current))) return;
    await this.resources.patchStatus(this.kind, { namespace: this.meta.namespace, name: this.meta.name }, this.#current, cleaned);
    this.#current = cleaned;
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
