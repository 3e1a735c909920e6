import { z } from "zod";
import { keyToString } from "./object-key.js";

const objectMetaSchema = z.object({
  metadata: z.object({
    name: z.string().min(1),
    namespace: z.string().min(1).optional(),
    resourceVersion: z.string().optional(),
  }),
});

export interface RawObjectMeta {
  key: string;
  resourceVersion: string | undefined;
}

/** Key and resourceVersion of any Kubernetes object, even one that fails the kind's own schema. */
export function rawObjectMeta(raw: unknown): RawObjectMeta | undefined {
  const parsed = objectMetaSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const { name, namespace, resourceVersion } = parsed.data.metadata;
  return { key: keyToString({ namespace, name }), resourceVersion };
}

export interface StoredObject<T> {
  object: T;
  resourceVersion: string | undefined;
}

export type StoreChange<T> =
  | { type: "add"; object: T }
  | { type: "update"; object: T; old: T }
  | { type: "delete"; object: T };

/** An informer's cache, keyed "namespace/name". */
export class ObjectStore<T> {
  private entries = new Map<string, StoredObject<T>>();

  get(key: string): StoredObject<T> | undefined {
    return this.entries.get(key);
  }

  values(): T[] {
    return Array.from(this.entries.values(), (entry) => entry.object);
  }

  upsert(key: string, entry: StoredObject<T>): StoreChange<T> {
    const old = this.entries.get(key);
    this.entries.set(key, entry);
    return old ? { type: "update", object: entry.object, old: old.object } : { type: "add", object: entry.object };
  }

  remove(key: string): StoreChange<T> | undefined {
    const old = this.entries.get(key);
    if (!old) return undefined;
    this.entries.delete(key);
    return { type: "delete", object: old.object };
  }

  /**
   * Swaps in the result of a list and returns what changed since the old contents, so that a
   * re-list after a gap reports every change made meanwhile, deletions included. Objects whose
   * resourceVersion is unchanged are not reported.
   */
  replace(next: Map<string, StoredObject<T>>): StoreChange<T>[] {
    const changes: StoreChange<T>[] = [];
    for (const [key, entry] of next) {
      const old = this.entries.get(key);
      if (!old) changes.push({ type: "add", object: entry.object });
      else if (old.resourceVersion !== entry.resourceVersion || entry.resourceVersion === undefined) {
        changes.push({ type: "update", object: entry.object, old: old.object });
      }
    }
    for (const [key, old] of this.entries) {
      if (!next.has(key)) changes.push({ type: "delete", object: old.object });
    }
    this.entries = next;
    return changes;
  }
}
