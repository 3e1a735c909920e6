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

/** Without leader election there is one writer: nothing to fence. */
export const OPEN_FENCE: WriteFence = { assertCanWrite: () => undefined };
