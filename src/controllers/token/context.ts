import type { ServiceAccountTokenSpec, ServiceAccountTokenStatus } from "../../api/v1alpha1/service-account-token.js";
import type { ReconcileContext } from "../shared/reconcile.js";

/** Annotation whose every new value asks for one rotation. */
export const ROTATE_ANNOTATION = "accounts.unleash.dev/rotate";
/** Unleash keeps at most this many tokens per account, expired ones and those in their grace period included. */
export const UNLEASH_TOKEN_LIMIT = 10;
export const TOKEN_KIND = "ServiceAccountToken";

/** One reconcile of one token resource. */
export interface TokenContext extends ReconcileContext<ServiceAccountTokenStatus> {
  spec: ServiceAccountTokenSpec;
  namespace: string;
}

/** The current token and those in their grace period, as status records them. */
export function recordedTokenIds(status: ServiceAccountTokenStatus): number[] {
  const { tokenId, previousTokens = [] } = status;
  return [...(tokenId === undefined ? [] : [tokenId]), ...previousTokens.map((held) => held.id)];
}
