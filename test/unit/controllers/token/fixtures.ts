import { serviceAccountTokenSpec, type ServiceAccountTokenSpec } from "../../../../src/api/v1alpha1/service-account-token.js";
import { tokenDescription, type TokenIdentity } from "../../../../src/controllers/token/description.js";
import type { ObservedToken, TokenObservation } from "../../../../src/controllers/token/plan.js";
import type { SecretRecord } from "../../../../src/controllers/token/secret-record.js";

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const NOW = Date.parse("2026-03-01T12:00:00.000Z");
export const TOKEN_LIMIT = 10;

/** This operator's cluster and the resource under test. */
export const ME: Omit<TokenIdentity, "serial"> = {
  cluster: "prod-eu",
  namespace: "team-a",
  name: "app-token",
  uid: "0d6f7c1e-1111-4a2b-9c3d-5e6f7a8b9c0d",
};
export const OTHER_CLUSTER = { ...ME, cluster: "staging" };
export const OTHER_RESOURCE = { ...ME, name: "other-token", uid: "9a8b7c6d-2222-4e5f-8a9b-0c1d2e3f4a5b" };

export const iso = (ms: number) => new Date(ms).toISOString();

export function tokenSpec(overrides: Record<string, unknown> = {}): ServiceAccountTokenSpec {
  return serviceAccountTokenSpec.parse({ serviceAccountRef: { name: "app" }, ...overrides });
}

export function tokenOf(id: number, serial: number, expiresAt: number, identity: Omit<TokenIdentity, "serial"> = ME): ObservedToken {
  return { id, description: tokenDescription(undefined, { ...identity, serial }), expiresAt: iso(expiresAt) };
}

export function humanToken(id: number, expiresAt: number, description = "laptop token of alice"): ObservedToken {
  return { id, description, expiresAt: iso(expiresAt) };
}

/** A Secret record as the operator left it after writing token `tokenId` with the default lifetime. */
export function ownedSecret(tokenId: number, overrides: Partial<SecretRecord> = {}): SecretRecord {
  return { ownership: "owned", intactTokenId: tokenId, tokenHash: "f".repeat(64), tampered: false, held: [], lifetime: "2160h", ...overrides };
}

export const ABSENT: SecretRecord = { ownership: "absent", tampered: false, held: [] };

export function observation(overrides: Partial<TokenObservation> = {}): TokenObservation {
  return {
    now: NOW,
    identity: ME,
    spec: tokenSpec(),
    lastSerial: 0,
    rotateRequest: undefined,
    secret: ABSENT,
    accountTokens: [],
    tokenLimit: TOKEN_LIMIT,
    ...overrides,
  };
}
