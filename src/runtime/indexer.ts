import type { EventSource } from "./events.js";
import type { Lister } from "./lister.js";

/**
 * A secondary index over an informer's objects, like client-go's Indexer:
 * which objects share an index value, found without scanning the cache.
 */
export class Indexer<T> {
  readonly #members = new Map<string, Set<string>>();
  readonly #valueOf = new Map<string, string>();

  constructor(
    source: EventSource<T>,
    private readonly keyOf: (object: T) => string,
    private readonly indexValueOf: (object: T) => string | undefined,
  ) {
    source.on("add", (object) => this.#put(object));
    source.on("update", (object) => this.#put(object));
    source.on("delete", (object) => this.#remove(this.keyOf(object)));
  }

  /** Keys of the objects whose index value is `value`. */
  keys(value: string): string[] {
    return [...(this.#members.get(value) ?? [])];
  }

  /** The objects whose index value is `value`, from `lister`. */
  objects(value: string, lister: Lister<T>): T[] {
    return this.keys(value).flatMap((key) => lister.get(key) ?? []);
  }

  #put(object: T): void {
    const key = this.keyOf(object);
    const value = this.indexValueOf(object);
    if (this.#valueOf.get(key) === value) return;
    this.#remove(key);
    if (value === undefined) return;
    this.#valueOf.set(key, value);
    const members = this.#members.get(value) ?? new Set<string>();
    members.add(key);
    this.#members.set(value, members);
  }

  #remove(key: string): void {
    const value = this.#valueOf.get(key);
    if (value === undefined) return;
    this.#valueOf.delete(key);
    const members = this.#members.get(value);
    members?.delete(key);
    if (members?.size === 0) this.#members.delete(value);
  }
}
