// `npm run env:down [-- --keep]`: stops everything `npm run env:up` started and deletes the
// state of the cluster and of Unleash together, so the next env:up starts both fresh. With
// --keep both stay in .local/, and the next env:up resumes both.
import { stopEnvironment } from "./environment.js";
import { parseFlags, runCommand, UsageError } from "./flags.js";
import { deleteWorldData, readKept, readState, writeKept, type EnvironmentState } from "./local-files.js";

const USAGE = "npm run env:down [-- --keep]";

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { keep: { type: "boolean" }, help: { type: "boolean" } });
  if (flags.help === true) return console.log(`Usage: ${USAGE}`);
  const state = readState();
  if (flags.keep === true) await stopAndKeep(state);
  else await stopAndDelete(state);
}

async function stopAndDelete(state: EnvironmentState | undefined): Promise<void> {
  await stopEnvironment(state);
  await deleteWorldData();
  console.log(
    `${state === undefined ? "Test environment was not running." : "Test environment stopped."} Its cluster and Unleash state are deleted; the next env:up starts both fresh.`,
  );
}

async function stopAndKeep(state: EnvironmentState | undefined): Promise<void> {
  if (state?.unleash.backend === "real") {
    // Checked before anything stops: the user may prefer to keep it running.
    throw new UsageError(
      "--keep works with the emulator only: the real Unleash server's database goes when it stops, and a kept cluster would then name accounts it no longer has. Stop it with npm run env:down",
    );
  }
  await stopEnvironment(state);
  if (state !== undefined) await writeKept({ unleashUrl: state.unleash.url, keptAt: new Date().toISOString() });
  console.log(
    state !== undefined
      ? "Test environment stopped. Its cluster and Unleash state are kept in .local/; the next env:up resumes both (npm run env:down deletes them)."
      : `Test environment was not running; ${readKept() === undefined ? "there is nothing to keep" : "what an earlier env:down --keep kept stays kept"}.`,
  );
}

runCommand("env:down", USAGE, main);
