// The emulator as a backend of the SDK API-token contract: the token format is its start option
// (as the server's flag is), the second project is made through its control API (as Enterprise
// makes projects), and its revocation delay is the switch the real server does not have.
import { EmulatorControl } from "../unleash-emulator/control-client.js";
import { startEmulator } from "../unleash-emulator/index.js";
import type { ApiTokenBackend, TokenFormat } from "./api-token-suite.js";

const OTHER_PROJECT = "other";

export async function emulatorApiTokenBackend(format: TokenFormat): Promise<ApiTokenBackend> {
  const emulator = await startEmulator({ tokenFormat: format });
  const control = new EmulatorControl(emulator.controlUrl);
  await control.createProject({ id: OTHER_PROJECT });
  const revocationDelay = { set: (ms: number) => control.setRevocationDelay(ms), advanceClock: (ms: number) => control.advanceClock(ms) };
  return { ...emulator, otherProject: OTHER_PROJECT, revocationDelay };
}
