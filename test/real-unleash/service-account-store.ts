// The writes on service-account rows that open source has no store method for: its
// UserStore only inserts and updates human users (`is_service = false`). Reading and the
// soft delete go through the server's own AccountStore, which covers every account.
import type { Db } from "unleash-server";

const USERS = "users";
const TOKENS = "personal_access_tokens";

export class ServiceAccountStore {
  constructor(private readonly db: Db) {}

  /** Without `username` the row holds NULL, as for accounts created through the API on Unleash 6.2 or older. */
  async insert(account: { username?: string | undefined; name: string }): Promise<number> {
    const rows: { id: number }[] = await this.db(USERS)
      .insert({ username: account.username ?? null, name: account.name, is_service: true, created_at: new Date() })
      .returning("id");
    const id = rows[0]?.id;
    if (id === undefined) throw new Error("inserting a service account returned no id");
    return id;
  }

  async rename(id: number, name: string): Promise<void> {
    await this.db(USERS).where({ id, is_service: true, deleted_at: null }).update({ name });
  }

  /** The column is nullable, and the server lists such a token with `description: null`; PatService refuses to create one. */
  async clearTokenDescription(accountId: number, tokenId: number): Promise<void> {
    await this.db(TOKENS).where({ id: tokenId, user_id: accountId }).update({ description: null });
  }
}
