// What a poll of Unleash calls a change: what a reconcile depends on, never a token's last use.
import { describe, expect, it } from "vitest";
import { changedAccountIds, type Snapshot } from "../../../src/unleash/snapshot.js";

const token = (id: number, extra: Record<string, string> = {}) => ({ id, description: "d", expiresAt: "2027-01-01T00:00:00.000Z", createdAt: undefined, seenAt: undefined, userId: undefined, ...extra });
const snapshot = (accounts: Array<{ id: number; rootRole?: number; tokens?: ReturnType<typeof token>[] }>): Snapshot => ({
  fetchedAt: 0,
  rootRoles: [],
  serviceAccounts: accounts.map(({ id, rootRole = 2, tokens = [] }) => ({ id, username: `a${id}`, name: `A${id}`, rootRole, createdAt: undefined, tokens })),
});

describe("changedAccountIds", () => {
  it("names accounts gone, new, with another role, or with a token revoked or added", () => {
    const before = snapshot([{ id: 1 }, { id: 2, tokens: [token(10), token(11)] }, { id: 3 }, { id: 5, tokens: [token(20)] }]);
    const after = snapshot([{ id: 2, tokens: [token(10)] }, { id: 3, rootRole: 3 }, { id: 4 }, { id: 5, tokens: [token(20), token(21)] }]);
    expect(changedAccountIds(before, after).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it("ignores a token's last use, and the order of tokens", () => {
    const before = snapshot([{ id: 1, tokens: [token(10), token(11)] }]);
    const after = snapshot([{ id: 1, tokens: [token(11, { seenAt: "2026-12-03T10:00:00.000Z" }), token(10)] }]);
    expect(changedAccountIds(before, after)).toEqual([]);
  });
});
