// `npm run env:down`: stops everything `npm run env:up` started. The Unleash state and the
// admin token stay in .local/ for the next env:up.
import { rm } from "node:fs/promises";
import { stopEnvironment } from "./environment.js";
import { localPaths, readState } from "./local-files.js";

async function main(): Promise<void> {
  const state = readState();
  await stopEnvironment(state);
  await rm(localPaths.controlPlaneDir, { recursive: true, force: true });
  console.log(state === undefined ? "Test environment was not running; nothing left behind." : "Test environment stopped.");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
