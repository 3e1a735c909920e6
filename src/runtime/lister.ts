import type { EventSource } from "./events.js";

/** Read access to an informer cache, keyed "namespace/name" (or "name" when cluster-scoped). */
export interface Lister<T> {
  get(key: string): T | undefined;
  list(): T[];
}

/** A cache of one kind that a controller both reads and watches. */
export type Informed<T> = Lister<T> & EventSource<T>;
