import { ApiException } from "@kubernetes/client-node";
import { progressing, stalled, type Outcome, type StalledOutcome } from "../../api/v1alpha1/conditions.js";
import { isConflict, kubeErrorMessage } from "../../kube/api-errors.js";
import { FencedError } from "../../runtime/fence.js";
import { redactSecrets } from "../../logging/scrub.js";
import {
  UnleashBadRequestError,
  UnleashError,
  UnleashProtocolError,
  UnleashRateLimitedError,
  UnleashTooManyTokensError,
  UnleashTransientError,
  UnleashUnauthorizedError,
} from "../../unleash/errors.js";

/** A failure that a person must fix; reported as Stalled and not retried with backoff. */
export class StalledError extends Error {
  constructor(readonly outcome: StalledOutcome) {
    super(outcome.message);
    this.name = "StalledError";
  }
}

/**
 * Failures that are no news for the resource's status: a write computed from a stale view (409; the
 * reconcile starts again from fresh state), or a write refused because this replica lost its lease
 * (it must not write status either). They are retried, or end with the process.
 */
export function isStaleWrite(err: unknown): boolean {
  // fetch (the Kubernetes client's) wraps a refused request as TypeError("fetch failed", { cause }).
  return isConflict(err) || err instanceof FencedError || (err instanceof Error && err.cause instanceof FencedError);
}

/**
 * How a failure shows on a resource, and whether the reconcile should be
 * retried with backoff (transient) or wait for a change (stalled).
 */
export function outcomeForError(err: unknown): { outcome: Outcome; retry: boolean } {
  if (err instanceof StalledError) return { outcome: err.outcome, retry: false };
  if (err instanceof UnleashUnauthorizedError) {
    const what = err.kind === "unauthenticated" ? "is unknown or expired (401)" : "lacks the ADMIN permission (403)";
    return {
      outcome: stalled("AdminTokenRejected", `Unleash rejected the connection's admin token: it ${what}; update the admin token Secret`),
      retry: false,
    };
  }
  if (err instanceof UnleashTransientError && err.transport === "tls") {
    return { outcome: stalled("CertificateInvalid", `TLS certificate of Unleash not trusted: ${err.message}; set spec.caSecretRef on the connection`), retry: false };
  }
  if (err instanceof UnleashTooManyTokensError) {
    // Room appears as other resources revoke their surplus tokens, which no event announces: retry with backoff.
    return { outcome: stalled("TokenLimitReached", `Unleash refused a new token: ${err.message}`), retry: true };
  }
  if (err instanceof UnleashRateLimitedError) return { outcome: progressing("RateLimited", `Unleash rate-limited ${err.route}; retrying`), retry: true };
  if (err instanceof UnleashTransientError) return { outcome: progressing("UnleashUnavailable", `Unleash unavailable: ${err.message}; retrying with backoff`), retry: true };
  if (err instanceof UnleashBadRequestError || err instanceof UnleashProtocolError) {
    return { outcome: stalled("UnleashRejected", `Unleash refused ${err.route}: ${err.message}`), retry: false };
  }
  if (err instanceof UnleashError) return { outcome: progressing("UnleashUnavailable", `Unleash call ${err.route} failed: ${err.message}`), retry: true };
  // Text from outside (the API server, libraries) is cleaned here, where it enters an outcome.
  if (err instanceof ApiException) return { outcome: progressing("KubernetesError", redactSecrets(kubeErrorMessage(err))), retry: true };
  const message = err instanceof Error ? err.message : String(err);
  return { outcome: progressing("Reconciling", `reconcile failed: ${redactSecrets(message)}`), retry: true };
}
