// Unleash data that today's API no longer creates but a long-lived Unleash still holds and sends:
// a service account without username (created through the API on Unleash 6.2 or older) and a
// token whose description is NULL (the column has always been nullable). The real server stores
// it through its own stores, behind a control route that legacy-data-routes.ts adds; tests reach
// it through LegacyData, which the emulator's test backend implements as well (with list extras).
// Light on purpose: the test process imports it without loading the unleash-server package.
import { fetch } from "undici";
import { z } from "zod";

/** Outside `/api`, as the emulator's `/_emulator`, so it can never be mistaken for an Unleash route. */
export const LEGACY_DATA_PATH = "/_real-unleash/legacy-data/service-account";

export const legacyAccountSchema = z.object({
  /** Absent: an account without username. */
  username: z.string().min(1).optional(),
  name: z.string().min(1),
  rootRole: z.int(),
  tokens: z.array(z.object({ description: z.string().min(1).nullable(), expiresAt: z.iso.datetime() })).default([]),
});
export type LegacyAccount = z.input<typeof legacyAccountSchema>;

const legacyAccountCreatedSchema = z.object({ id: z.int() });

/** Puts legacy data where the backend's list of service accounts shows it. */
export interface LegacyData {
  /** Adds the account (and its tokens) and returns its id in the list. */
  addAccount(account: LegacyAccount): Promise<number>;
  /**
   * Adds a list entry that no valid account reads from (e.g. an `id` that is not a number). Only a
   * backend that can send one has it: the real server builds every account entry from typed columns.
   */
  addMalformedAccount?(): Promise<void>;
  /** Removes everything added, so that later tests see the ordinary list again. */
  clear(): Promise<void>;
}

/** The real server's LegacyData: the control route inserts, the Admin API's soft delete removes. */
export function realLegacyData(url: string, adminToken: string): LegacyData {
  const added = new Set<number>();
  const request = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: adminToken, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // 404: already gone, which is what removing asks for.
    if (!response.ok && !(method === "DELETE" && response.status === 404)) {
      throw new Error(`real Unleash ${method} ${path}: HTTP ${response.status} ${text}`);
    }
    return text;
  };
  return {
    addAccount: async (account) => {
      const { id } = legacyAccountCreatedSchema.parse(JSON.parse(await request("POST", LEGACY_DATA_PATH, account)));
      added.add(id);
      return id;
    },
    clear: async () => {
      for (const id of added) await request("DELETE", `/api/admin/service-account/${id}`);
      added.clear();
    },
  };
}
