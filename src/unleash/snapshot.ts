import type { ServiceAccountList, UnleashClient } from "./client.js";
import type { UnleashRole, UnleashServiceAccount, UnleashToken } from "./schemas.js";

export type SnapshotToken = Readonly<UnleashToken>;

export interface SnapshotAccount extends Readonly<Omit<UnleashServiceAccount, "tokens">> {
  readonly tokens: readonly SnapshotToken[];
}

/** Every account, its tokens (never secrets) and the root roles of one Unleash, deeply frozen. */
export interface Snapshot {
  /** Epoch ms when the list call that produced this snapshot started. Writes do not renew it. */
  readonly fetchedAt: number;
  readonly serviceAccounts: readonly SnapshotAccount[];
  readonly rootRoles: readonly Readonly<UnleashRole>[];
}

export interface AccountSnapshotCacheOptions {
  /** A snapshot older than this is listed again; the operator passes its resync period. */
  maxAgeMs: number;
  /** Clock in epoch ms; tests replace it. */
  now?: () => number;
}

type Change = (snapshot: Snapshot) => Snapshot;

interface Flight {
  readonly promise: Promise<Snapshot>;
  /** Writes recorded while the list was in flight, replayed onto its result. */
  readonly changes: Change[];
}

/**
 * One list call serves every reconcile that needs Unleash's state: concurrent callers share the
 * call in flight, and the result is reused until it is `maxAgeMs` old or invalidated. Writes the
 * operator makes are applied to the cached snapshot (write-through) instead of listing again.
 */
export class AccountSnapshotCache {
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private current: Snapshot | undefined;
  private flight: Flight | undefined;

  constructor(
    private readonly client: Pick<UnleashClient, "listServiceAccounts">,
    options: AccountSnapshotCacheOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<Snapshot> {
    if (this.current !== undefined && this.now() - this.current.fetchedAt < this.maxAgeMs) {
      return this.current;
    }
    this.flight ??= this.startFlight();
    return this.flight.promise;
  }

  /** Forgets the snapshot; a list already in flight still answers its callers but is not kept. */
  invalidate(): void {
    this.current = undefined;
    this.flight = undefined;
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

  private apply(change: Change): void {
    if (this.current !== undefined) this.current = change(this.current);
    this.flight?.changes.push(change);
  }

  private startFlight(): Flight {
    const fetchedAt = this.now();
    const changes: Change[] = [];
    const isCurrentFlight = () => this.flight?.changes === changes;
    const promise = this.client.listServiceAccounts().then(
      (list) => {
        const snapshot = changes.reduce((result, change) => change(result), toSnapshot(fetchedAt, list));
        if (isCurrentFlight()) {
          this.current = snapshot;
          this.flight = undefined;
        }
        return snapshot;
      },
      (err: unknown) => {
        if (isCurrentFlight()) this.flight = undefined;
        throw err;
      },
    );
    return { promise, changes };
  }
}

export function findByUsername(snapshot: Snapshot, username: string): SnapshotAccount | undefined {
  return snapshot.serviceAccounts.find((account) => account.username === username);
}

/** Exact name first; otherwise a case-insensitive match, but only when it is unambiguous. */
export function resolveRootRole(snapshot: Snapshot, name: string): Readonly<UnleashRole> | undefined {
  const exact = snapshot.rootRoles.find((role) => role.name === name);
  if (exact !== undefined) return exact;
  const lowered = name.toLowerCase();
  const matches = snapshot.rootRoles.filter((role) => role.name.toLowerCase() === lowered);
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
