// SDK API tokens as the server's authentication sees them. unleash-server serves them from a
// per-process cache that it rebuilds every 60 s (ApiTokenService.fetchActiveTokens) and that a
// DELETE or a PUT of the expiry does not touch, so a revoked v1 token keeps working until the next
// rebuild; with v2 the DELETE drops the token from the serving process's cache at once, a PUT
// does not. The emulator is that one process, with a fixed delay instead of a periodic rebuild:
// `revocationDelayMs` (0 by default, so every change counts at once).
import type { ApiTokenRecord } from "./state.js";
import type { Store } from "./store.js";

function delayOver(changedAt: string, store: Store): boolean {
  return store.clock.nowMs() >= Date.parse(changedAt) + store.apiTokenSettings.revocationDelayMs;
}

function stillCached(token: ApiTokenRecord, store: Store): boolean {
  if (token.deletedAt === null) return true;
  return token.format === "v1" && !delayOver(token.deletedAt, store);
}

/** The expiry the cache holds: the one before the last PUT until the delay has passed. */
export function cachedExpiry(token: ApiTokenRecord, store: Store): string | null {
  const change = token.expiryChange;
  return change !== null && !delayOver(change.at, store) ? change.previous : token.expiresAt;
}

/**
 * The token a secret (by its SHA-256) authenticates as, if the cache still holds it unexpired.
 * Records the use in `seenAt`, as a use of a live token does; the state saves it with the next change.
 */
export function cachedApiToken(secretHash: string, store: Store): ApiTokenRecord | undefined {
  const token = store.state.apiTokens.find((candidate) => candidate.secretHash === secretHash);
  if (token === undefined || !stillCached(token, store)) return undefined;
  const expiry = cachedExpiry(token, store);
  if (expiry !== null && Date.parse(expiry) <= store.clock.nowMs()) return undefined;
  if (token.deletedAt === null) token.seenAt = store.clock.now().toISOString();
  return token;
}
