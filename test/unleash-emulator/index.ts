// In-process Unleash emulator for tests: the service-account Admin API of
// /work/shared/docs/unleash-service-account-api.md, the SDK API tokens and SDK routes of
// /work/shared/docs/unleash-api-tokens.md, plus fault injection under /_emulator.
import { launchEmulator, type EmulatorOptions, type RunningEmulator } from "./emulator.js";

export type { EmulatorOptions, RunningEmulator } from "./emulator.js";
export { DEFAULT_ADMIN_TOKEN } from "./emulator.js";

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  return (await launchEmulator(options)).running;
}
