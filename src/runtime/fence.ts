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
 * The same check as late as a request can be stopped, twice: when it is dispatched (a throw there rejects
 * the caller's promise at once), and again when its connection starts sending it. A request dispatched
 * before a pause (GC, SIGSTOP) may wait in the pool's queue for a free connection and leave after the
 * pause: the second check stops it there. Checks made earlier leave an async gap a pause falls into.
 */
export function fenceInterceptor(fence: WriteFence, exempt: (path: string) => boolean = () => false): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    const method = options.method.toUpperCase();
    if (method === "GET" || method === "HEAD" || exempt(options.path)) return dispatch(options, handler);
    const what = `${method} ${options.path}`;
    fence.assertCanWrite(what);
    return dispatch(options, new FencedHandler(handler, () => fence.assertCanWrite(what)));
  };
}

type Handler = Dispatcher.DispatchHandler;
type Controller = Dispatcher.DispatchController;

/** Delegates every callback; refuses to start sending when the fence says no. */
class FencedHandler implements Handler {
  constructor(
    private readonly inner: Handler,
    private readonly check: () => void,
  ) {}

  onRequestStart(controller: Controller, context: unknown): void {
    try {
      this.check();
    } catch (err) {
      controller.abort(err instanceof Error ? err : new FencedError(String(err)));
      return;
    }
    this.inner.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(...args: Parameters<NonNullable<Handler["onRequestUpgrade"]>>): void {
    this.inner.onRequestUpgrade?.(...args);
  }

  onResponseStart(...args: Parameters<NonNullable<Handler["onResponseStart"]>>): void {
    this.inner.onResponseStart?.(...args);
  }

  onResponseData(...args: Parameters<NonNullable<Handler["onResponseData"]>>): void {
    this.inner.onResponseData?.(...args);
  }

  onResponseEnd(...args: Parameters<NonNullable<Handler["onResponseEnd"]>>): void {
    this.inner.onResponseEnd?.(...args);
  }

  onResponseError(...args: Parameters<NonNullable<Handler["onResponseError"]>>): void {
    this.inner.onResponseError?.(...args);
  }

  onResponseStarted(): void {
    this.inner.onResponseStarted?.();
  }

  onBodySent(chunk: Buffer): void {
    this.inner.onBodySent?.(chunk);
  }

  onRequestSent(): void {
    this.inner.onRequestSent?.();
  }
}

/** Without leader election there is one writer: nothing to fence. */
export const OPEN_FENCE: WriteFence = { assertCanWrite: () => undefined };
