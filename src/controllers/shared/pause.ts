import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";

/**
 * "true" on a resource stops every write the operator would make for it (Unleash, Secrets, workload
 * restarts, finalizers); on a connection, for everything that uses it. Status keeps being reported, with
 * Reconciling=True, reason Paused. As Crossplane's crossplane.io/paused and Flux's suspend.
 */
export const PAUSE_ANNOTATION = "accounts.unleash.dev/paused";

export function isPaused(meta: Pick<ObjectMeta, "annotations"> | undefined): boolean {
  return meta?.annotations?.[PAUSE_ANNOTATION] === "true";
}
