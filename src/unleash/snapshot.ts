import type { ServiceAccountList, UnleashClient } from "./client.js";
import { CoalescedCache, type Change, type CoalescedOptions, type Fetched } from "./coalesced.js";
import type { UnleashRole, UnleashServiceAccount, UnleashToken } from "./schemas.js";

export type SnapshotToken = Readonly<UnleashToken>;

export interface SnapshotAccount extends Readonly<Omit<UnleashServiceAccount, "tokens">> {
  readonly tokens: readonly SnapshotToken[];
}

/** Every account, its tokens (never secrets) and the root roles of one Unleash, deeply frozen. */
export interface Snapshot extends Fetched {
  readonly serviceAccounts: readonly SnapshotAccount[];
  readonly rootRoles: readonly Readonly<UnleashRole>[];
}

export type AccountSnapshotCacheOptions = CoalescedOptions;

/**
 * Every reconcile that needs Unleash's accounts shares one list call (see CoalescedCache); the
 * operator's own writes are applied to the snapshot instead of listing again.
 */
export class AccountSnapshotCache {
  private readonly cache: CoalescedCache<Snapshot>;

  constructor(client: Pick<UnleashClient, "listServiceAccounts">, options: AccountSnapshotCacheOptions) {
    this.cache = new CoalescedCache(async (fetchedAt) => toSnapshot(fetchedAt, await client.listServiceAccounts()), options);
  }

  async get(): Promise<Snapshot> {
    return this.cache.get();
  }

  /** Lists again now (whatever the snapshot's age) and answers the fresh snapshot. */
  async refresh(): Promise<Snapshot> {
    this.cache.invalidate();
    return this.cache.get();
  }

  /** The last snapshot listed, however old; never lists. */
  peek(): Snapshot | undefined {
    return this.cache.peek();
  }

  /** Forgets the snapshot; a list already in flight still answers its callers but is not kept. */
  invalidate(): void {
    this.cache.invalidate();
  }

  /** After a create or update. An updated account keeps the tokens already known for it. */
  recordAccount(account: UnleashServiceAccount): void {
    this.apply((snapshot) => {
      const known = snapshot.serviceAccounts.find((candidate) => candidate.id === account.id);
      const stored = freezeAccount({ ...account, tokens: known?.tokens ?? account.tokens });
      return withAccounts(snapshot, [...snapshot.serviceAccounts.filter((candidate) => candidate !== known), stored]);
    });
  }

  recordAccountDeleted(id: number): void {
    this.apply((snapshot) =>
      withAccounts(snapshot, snapshot.serviceAccounts.filter((account) => account.id !== id)),
    );
  }

  /** Accepts a just-created token; its secret is dropped, never cached. */
  recordToken(accountId: number, token: UnleashToken & { secret?: unknown }): void {
    const { secret: _secret, ...withoutSecret } = token;
    const stored = Object.freeze(withoutSecret);
    this.updateTokens(accountId, (tokens) => [...tokens.filter((known) => known.id !== stored.id), stored]);
  }

  recordTokenDeleted(accountId: number, tokenId: number): void {
    this.updateTokens(accountId, (tokens) => tokens.filter((token) => token.id !== tokenId));
  }

  private updateTokens(accountId: number, update: (tokens: readonly SnapshotToken[]) => SnapshotToken[]): void {
    this.apply((snapshot) =>
      withAccounts(
        snapshot,
        snapshot.serviceAccounts.map((account) =>
          account.id === accountId ? Object.freeze({ ...account, tokens: Object.freeze(update(account.tokens)) }) : account,
        ),
      ),
    );
  }

  private apply(change: Change<Snapshot>): void {
    this.cache.apply(change);
  }
}

/**
 * The accounts whose state a reconcile depends on changed between two snapshots: gone, new, renamed,
 * another root role, or a token revoked, added or with another expiry. A token's last use is no such
 * change (it moves whenever the token is used).
 */
export function changedAccountIds(before: Snapshot, after: Snapshot): number[] {
  const fingerprint = (account: SnapshotAccount) =>
    JSON.stringify([account.username, account.name, account.rootRole, account.tokens.map((token) => [token.id, token.expiresAt]).sort()]);
  const prints = (snapshot: Snapshot) => new Map(snapshot.serviceAccounts.map((account) => [account.id, fingerprint(account)]));
  const old = prints(before);
  const now = prints(after);
  return [...new Set([...old.keys(), ...now.keys()])].filter((id) => old.get(id) !== now.get(id));
}

export function findByUsername(snapshot: Snapshot, username: string): SnapshotAccount | undefined {
  return snapshot.serviceAccounts.find((account) => account.username === username);
}

export function resolveRootRole(snapshot: Snapshot, name: string): Readonly<UnleashRole> | undefined {
  return resolveRole(snapshot.rootRoles, name);
}

/** Exact name first; otherwise a case-insensitive match, but only when it is unambiguous. */
export function resolveRole(roles: readonly Readonly<UnleashRole>[], name: string): Readonly<UnleashRole> | undefined {
  const exact = roles.find((role) => role.name === name);
  if (exact !== undefined) return exact;
  const lowered = name.toLowerCase();
  const matches = roles.filter((role) => role.name.toLowerCase() === lowered);
  return matches.length === 1 ? matches[0] : undefined;
}

function toSnapshot(fetchedAt: number, list: ServiceAccountList): Snapshot {
  return Object.freeze({
    fetchedAt,
    serviceAccounts: Object.freeze(list.serviceAccounts.map(freezeAccount)),
    rootRoles: Object.freeze(list.rootRoles.map((role) => Object.freeze({ ...role }))),
  });
}

function freezeAccount(account: UnleashServiceAccount | SnapshotAccount): SnapshotAccount {
  return Object.freeze({
    ...account,
    tokens: Object.freeze(account.tokens.map((token) => Object.freeze({ ...token }))),
  });
}

function withAccounts(snapshot: Snapshot, serviceAccounts: SnapshotAccount[]): Snapshot {
  return Object.freeze({ ...snapshot, serviceAccounts: Object.freeze(serviceAccounts) });
}
