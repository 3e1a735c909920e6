import type { Outcome } from "../../api/v1alpha1/conditions.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";

/**
 * The explicit escape for a resource whose Unleash is gone for good: on the
 * resource (or on its connection, for everything using it), "true" releases
 * the finalizer without touching Unleash. Never implied, never on a timer; what
 * is left behind is named in an Event and in the log.
 */
export const ABANDON_ANNOTATION = "accounts.unleash.dev/abandon";

export function abandons(...metas: ReadonlyArray<Pick<ObjectMeta, "annotations"> | undefined>): boolean {
  return metas.some((meta) => meta?.annotations?.[ABANDON_ANNOTATION] === "true");
}

/** A failed clean-up says how to get out, should Unleash never come back. */
export function withAbandonHint(outcome: Outcome): Outcome {
  return {
    ...outcome,
    message: `${outcome.message}; deletion waits for Unleash. If this Unleash is gone for good, annotate the resource (or its connection) ${ABANDON_ANNOTATION}=true to release it without cleaning up`,
  } as Outcome;
}
