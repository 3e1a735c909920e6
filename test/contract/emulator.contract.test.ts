import { startEmulator } from "../unleash-emulator/index.js";
import { describeServiceAccountContract } from "./contract-suite.js";

describeServiceAccountContract("emulator", () => startEmulator(), { humanUsername: "alice" });
