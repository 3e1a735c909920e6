import { parseTokenDescription } from "../../../src/controllers/token/description.js";
import type { EmulatorControl, EmulatorStateView } from "../../unleash-emulator/control-client.js";

export interface LiveToken {
  id: number;
  userId: number;
  description: string;
  uid: string | undefined;
}

/** Tokens Unleash accepts right now: not revoked, not expired, of an account not deleted. */
export function workingTokens(state: EmulatorStateView): EmulatorStateView["tokens"] {
  const now = Date.parse(state.now);
  return state.tokens.filter((t) => !t.deletedAt && Date.parse(t.expiresAt) > now && !state.users.find((u) => u.id === t.userId)?.deletedAt);
}

/** Tokens that still work in the emulator, with the resource UID their description names. */
export async function liveTokens(control: EmulatorControl): Promise<LiveToken[]> {
  return workingTokens(await control.state())
    .map((t) => ({ id: t.id, userId: t.userId, description: t.description, uid: parseTokenDescription(t.description)?.uid }));
}

/** Live service accounts per username: more than one would be a duplicate. */
export async function liveAccountsByUsername(control: EmulatorControl): Promise<Map<string, number>> {
  const state = await control.state();
  const counts = new Map<string, number>();
  for (const user of state.users) if (user.isService && !user.deletedAt) counts.set(user.username, (counts.get(user.username) ?? 0) + 1);
  return counts;
}
