/**
 * One owner per Unleash account in a cluster. Every ServiceAccount resource
 * that points at the same Unleash (by URL, whichever connection it goes
 * through) is a claimant; an account belongs to the claimant that recorded its
 * id, and an account not yet recorded by anyone belongs to the most senior
 * claimant of its username (oldest resource first), so two resources can
 * neither both create it nor both adopt it.
 */
export interface Claimant {
  /** "namespace/name", for messages. */
  key: string;
  uid: string;
  username: string;
  /** The account id in the resource's status. */
  accountId: number | undefined;
  creationTimestamp: string | undefined;
}

/** The other resource that owns, or has the first claim on, the account with this id and username; undefined when `self` may have it. */
export function otherOwner(self: Claimant, claimants: readonly Claimant[], account: { id?: number; username?: string | undefined }): Claimant | undefined {
  const others = claimants.filter((claimant) => claimant.uid !== self.uid);
  if (account.id !== undefined) {
    const recorded = others.filter((other) => other.accountId === account.id);
    // Two resources that both recorded the account (adopted before this rule existed): the senior keeps it.
    if (self.accountId === account.id) return recorded.find((other) => isSenior(other, self));
    if (recorded[0]) return recorded[0];
  }
  const sameName = others.filter((other) => other.username === account.username);
  // No account of that name is known: a resource that recorded one holds the username (it will re-create it).
  if (account.id === undefined) {
    const holder = sameName.find((other) => other.accountId !== undefined);
    if (holder) return holder;
  }
  // Rivals for the username: resources declaring it that hold no other account; the senior one goes first.
  const rivals = sameName.filter((other) => other.accountId === undefined);
  return rivals.find((rival) => isSenior(rival, self));
}

function isSenior(a: Claimant, b: Claimant): boolean {
  const at = (c: Claimant) => (c.creationTimestamp ? Date.parse(c.creationTimestamp) : Number.POSITIVE_INFINITY);
  if (at(a) !== at(b)) return at(a) < at(b);
  return a.key < b.key;
}
