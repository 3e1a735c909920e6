import type { Dispatcher } from "undici";

/**
 * A write fence: every write the operator makes (to Unleash or to Kubernetes)
 * first asks it. Under leader election it refuses once this replica can no
 * longer be sure that it holds the lease, measured on a monotonic clock from
 * its last successful renewal, so a process that wakes from a long pause (GC,
 * a frozen VM, SIGSTOP) writes nothing before it notices and exits.
 */
export interface WriteFence {
  /** Throws FencedError when this process may not write now; `what` names the write for the message. */
  assertCanWrite(what: string): void;
}

export class FencedError extends Error {
  override name = "FencedError";
}

/**
 * The same check as late as a request can be stopped: in the undici dispatcher, synchronously, just
 * before the request is queued on its connection (a throw there rejects the caller's promise). Checks
 * made earlier leave an async gap in which a pause (GC, SIGSTOP) lets a stale write through.
 */
export function fenceInterceptor(fence: WriteFence, exempt: (path: string) => boolean = () => false): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const method = options.method.toUpperCase();
    if (method !== "GET" && method !== "HEAD" && !exempt(options.path)) fence.assertCanWrite(`${method} ${options.path}`);
    return dispatch(options, handler);
  };
}

/** Without leader election there is one writer: nothing to fence. */
export const OPEN_FENCE: WriteFence = { assertCanWrite: () => undefined };
