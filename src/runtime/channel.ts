import type { EventSource } from "./events.js";
import type { InformerHandlers } from "./informer.js";

/**
 * An event source fed by the program itself, as controller-runtime's source.Channel: news from outside
 * Kubernetes (a change seen in Unleash) reaches controllers through the same watches as an informer's.
 * Every emitted object arrives as an update of itself.
 */
export class Channel<T> implements EventSource<T> {
  readonly #updates: Array<InformerHandlers<T>["update"]> = [];

  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): void {
    // Only updates are ever emitted; adds and deletes have no meaning for news.
    if (event === "update") this.#updates.push(handler as InformerHandlers<T>["update"]);
  }

  emit(object: T): void {
    for (const handler of this.#updates) handler(object, object);
  }
}
