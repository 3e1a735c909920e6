import type { InformerHandlers } from "./informer.js";

/** Anything that announces adds, updates and deletes of objects: an informer, or several presented as one. */
export interface EventSource<T> {
  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): void;
}

/** One change of a watched object; `old` is set for updates. */
export interface WatchEvent<T> {
  type: "add" | "update" | "delete";
  object: T;
  old?: T;
}

/** Registers one handler for the three kinds of change. */
export function onEvery<T>(source: EventSource<T>, handle: (event: WatchEvent<T>) => void): void {
  source.on("add", (object) => handle({ type: "add", object }));
  source.on("update", (object, old) => handle({ type: "update", object, old }));
  source.on("delete", (object) => handle({ type: "delete", object }));
}
