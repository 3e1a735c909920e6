// The emulator's LegacyData: raw entries appended to its service-account list (its list-extras
// control), since its store, like today's API, only holds accounts with a username. Ids start far
// above the emulator's own sequences so that no entry is mistaken for an account it holds.
import type { LegacyAccount, LegacyData } from "../real-unleash/legacy-data.js";
import type { EmulatorControl } from "../unleash-emulator/control-client.js";

const FIRST_ID = 1_000_000;

export function emulatorLegacyData(control: EmulatorControl): LegacyData {
  let entries: unknown[] = [];
  let nextId = FIRST_ID;
  const append = async (entry: unknown) => {
    entries = [...entries, entry];
    await control.setListExtras(entries);
  };
  const listed = (account: LegacyAccount) => {
    const id = nextId++;
    const createdAt = new Date().toISOString();
    // `null`, where the real server leaves the key out: the contract allows both.
    const username = account.username ?? null;
    const tokens = (account.tokens ?? []).map((token) => ({ ...token, id: nextId++, createdAt, seenAt: null, userId: id }));
    return { id, username, name: account.name, rootRole: account.rootRole, createdAt, seenAt: null, tokens };
  };
  return {
    addAccount: async (account) => {
      const entry = listed(account);
      await append(entry);
      return entry.id;
    },
    addMalformedAccount: () => append({ id: "not a number", username: `malformed-${nextId++}`, tokens: [] }),
    clear: async () => {
      entries = [];
      await control.setListExtras([]);
    },
  };
}
