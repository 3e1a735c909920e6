import type { ServiceAccountTokenSpec } from "../../api/v1alpha1/service-account-token.js";
import { parseDuration } from "../../api/v1alpha1/duration.js";
import { parseTokenDescription, tokenDescription, type TokenIdentity } from "./description.js";
import type { HeldToken, SecretRecord } from "./secret-record.js";

/** What Unleash says about one token of the account (never its secret). */
export interface ObservedToken {
  id: number;
  description: string;
  expiresAt: string;
  createdAt?: string | undefined;
  /** Last use Unleash recorded; undefined while never used. */
  seenAt?: string | undefined;
}

export interface TokenObservation {
  now: number;
  identity: Omit<TokenIdentity, "serial">;
  spec: ServiceAccountTokenSpec;
  lastSerial: number;
  rotateRequest: string | undefined;
  secret: SecretRecord;
  /** The record comes from the Secret the resource used before spec.secret.name changed. */
  secretRenamed?: boolean;
  accountTokens: readonly ObservedToken[];
  tokenLimit: number;
}

export type IssueReason =
  | "Initial"
  | "SecretMissing"
  | "SecretEdited"
  | "TokenRevoked"
  | "TokenExpired"
  | "Renewal"
  | "LifetimeChanged"
  | "RotationRequested"
  | "SecretRenamed";

/** Rotations hand over gracefully; every other reason repairs a token that can no longer be trusted. */
const ROTATIONS: ReadonlySet<IssueReason> = new Set(["Renewal", "LifetimeChanged", "RotationRequested", "SecretRenamed"]);

export interface TokenPlan {
  issue?: { reason: IssueReason; serial: number; description: string; expiresAt: Date };
  /** Current token after the plan ran (undefined when a new one is issued). */
  current?: ObservedToken;
  /** Serial in the current token's description. */
  currentSerial?: number;
  /** Tokens to revoke before issuing, to make room under Unleash's limit. */
  revokeFirst: number[];
  /** Tokens to revoke once the new token is safely in the Secret. */
  revokeAfter: number[];
  held: HeldToken[];
  tokenLimitReached?: string;
  renewBeforeMs: number;
  lifetimeMs: number;
}

export function renewBeforeMs(spec: ServiceAccountTokenSpec, lifetimeMs: number): number {
  const explicit = spec.renewBefore === undefined ? undefined : parseDuration(spec.renewBefore);
  return explicit !== undefined && explicit < lifetimeMs ? explicit : Math.floor(lifetimeMs / 3);
}

function ourTokens(observation: TokenObservation) {
  const { cluster, uid } = observation.identity;
  return observation.accountTokens.flatMap((token) => {
    const identity = parseTokenDescription(token.description);
    return identity && identity.cluster === cluster && identity.uid === uid ? [{ token, serial: identity.serial }] : [];
  });
}

function issueReason(observation: TokenObservation, current: ObservedToken | undefined, renewAt: number): IssueReason | undefined {
  const { secret, spec, now, rotateRequest } = observation;
  if (!current) {
    if (secret.ownership === "absent") return secret.held.length > 0 || observation.lastSerial > 0 ? "SecretMissing" : "Initial";
    if (secret.tampered) return "SecretEdited";
    if (secret.intactTokenId === undefined) return observation.lastSerial > 0 ? "SecretEdited" : "Initial";
    return "TokenRevoked";
  }
  if (Date.parse(current.expiresAt) <= now) return "TokenExpired";
  if (observation.secretRenamed) return "SecretRenamed";
  if (secret.lifetime !== undefined && secret.lifetime !== spec.lifetime) return "LifetimeChanged";
  if (rotateRequest !== undefined && rotateRequest !== (secret.rotateRequest ?? "")) return "RotationRequested";
  if (now >= renewAt) return "Renewal";
  return undefined;
}

export function planToken(observation: TokenObservation): TokenPlan {
  const { now, spec, secret } = observation;
  const lifetimeMs = parseDuration(spec.lifetime) ?? 0;
  const renewBefore = renewBeforeMs(spec, lifetimeMs);
  const ours = ourTokens(observation);
  const found = ours.find(({ token }) => token.id === secret.intactTokenId)?.token;
  const current = found && Date.parse(found.expiresAt) > now ? found : undefined;
  const reason = issueReason(observation, found, found ? Date.parse(found.expiresAt) - renewBefore : now);

  const live = new Set(ours.map(({ token }) => token.id));
  // The record is an annotation a person can edit: only distinct, live tokens other than the current one count as held.
  const stillHeld = [...new Map(secret.held.map((held) => [held.id, held])).values()].filter(
    (held) => live.has(held.id) && held.id !== secret.intactTokenId,
  );
  const heldDue = stillHeld.filter((held) => Date.parse(held.revokeAfter) <= now).map((held) => held.id);
  let held = stillHeld.filter((held) => Date.parse(held.revokeAfter) > now);
  const keep = new Set([...(reason ? [] : [current?.id]), ...held.map((h) => h.id)]);
  if (reason && current && ROTATIONS.has(reason)) {
    const gracePeriod = parseDuration(spec.rotationGracePeriod) ?? 0;
    held = [...held, { id: current.id, revokeAfter: new Date(now + gracePeriod).toISOString() }];
    keep.add(current.id);
  }
  const strays = ours.map(({ token }) => token.id).filter((id) => !keep.has(id) && !heldDue.includes(id));
  const revocable = [...heldDue, ...strays];
  const base: TokenPlan = { revokeFirst: [], revokeAfter: revocable, held, renewBeforeMs: renewBefore, lifetimeMs };
  const currentSerial = ours.find(({ token }) => token.id === current?.id)?.serial;
  const kept = current ? { current, ...(currentSerial === undefined ? {} : { currentSerial }) } : {};
  if (!reason) return { ...base, ...kept };

  const afterRevocation = observation.accountTokens.length - revocable.length + 1;
  if (afterRevocation > observation.tokenLimit) {
    return {
      ...base,
      held: stillHeld.filter((h) => !heldDue.includes(h.id)),
      ...kept,
      tokenLimitReached:
        `the account already holds ${observation.accountTokens.length} tokens (Unleash allows ${observation.tokenLimit}, counting tokens in their grace period); ` +
        "remove a ServiceAccountToken of this account or wait for a grace period to end",
    };
  }
  const needsRoomFirst = observation.accountTokens.length + 1 > observation.tokenLimit;
  const serial = Math.max(observation.lastSerial, ...ours.map((o) => o.serial)) + 1;
  return {
    ...base,
    revokeFirst: needsRoomFirst ? revocable : [],
    revokeAfter: needsRoomFirst ? [] : revocable,
    issue: {
      reason,
      serial,
      description: tokenDescription(spec.description, { ...observation.identity, serial }),
      expiresAt: new Date(now + lifetimeMs),
    },
  };
}
