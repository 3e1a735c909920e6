import { startEmulator } from "../unleash-emulator/index.js";
import { EmulatorControl } from "../unleash-emulator/control-client.js";
import { describeApiTokenContract } from "./api-token-suite.js";
import { describeServiceAccountContract } from "./contract-suite.js";
import { emulatorApiTokenBackend } from "./emulator-api-token-backend.js";
import { emulatorLegacyData } from "./emulator-legacy-data.js";
import { describeProjectAccessContract } from "./project-access-suite.js";

async function startBackend() {
  const emulator = await startEmulator();
  return { ...emulator, legacyData: emulatorLegacyData(new EmulatorControl(emulator.controlUrl)) };
}

describeServiceAccountContract("emulator", startBackend, { humanUsername: "alice", sendsMalformedAccounts: true });
describeProjectAccessContract("emulator", startBackend);
describeApiTokenContract("emulator", emulatorApiTokenBackend, { revocationDelaySwitch: true });
