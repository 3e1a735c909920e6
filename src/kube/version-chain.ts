/**
 * The resourceVersions this process moved objects to. The informer cache may
 * not show the operator's own last write yet when the next reconcile starts; a
 * write computed from it then carries the version the object had before that
 * write, and would conflict with the operator itself. Following the chain from
 * the cached version to the one this process wrote last avoids that, and still
 * conflicts when anyone else wrote in between.
 */
export class VersionChain {
  readonly #next = new Map<string, string>();

  constructor(private readonly max = 20_000) {}

  /** The newest version this process knows `uid` reached from `resourceVersion`. */
  latest(uid: string, resourceVersion: string | undefined): string | undefined {
    let current = resourceVersion;
    for (let hops = 0; current !== undefined && hops < 16; hops++) {
      const next = this.#next.get(`${uid}/${current}`);
      if (next === undefined) break;
      current = next;
    }
    return current;
  }

  record(uid: string, from: string | undefined, to: string | undefined): void {
    if (from === undefined || to === undefined || from === to) return;
    this.#next.set(`${uid}/${from}`, to);
    if (this.#next.size > this.max) {
      const oldest = this.#next.keys().next();
      if (!oldest.done) this.#next.delete(oldest.value);
    }
  }
}
