// The command lines of env:up, env:down and the supervisor: only the flags each knows, so a
// mistyped flag (`--keep-state`, `--unleash real-ish`) stops the command instead of being
// ignored and leaving the user with a world they did not ask for.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UNLEASH_BACKENDS, type UnleashBackendKind } from "./unleash-backend.js";

/** A wrong command line: main() prints it with the usage and exits with 2, as CLIs do. */
export class UsageError extends Error {}

type Values<T extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: T; strict: true }>>["values"];

/** The flags in argv, or a UsageError naming the first one that is not known or not well formed. */
export function parseFlags<T extends ParseArgsOptionsConfig>(argv: readonly string[], options: T): Values<T> {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    // Node's own first sentence names the argument ("Unknown option '--x'"); the rest of it
    // advises on positionals, which none of these commands take.
    throw new UsageError(error instanceof Error ? (error.message.split(". ")[0] ?? error.message) : String(error));
  }
}

export function backendKind(value: string | undefined): UnleashBackendKind {
  const wanted = value ?? "emulator";
  const kind = UNLEASH_BACKENDS.find((k) => k === wanted);
  if (kind === undefined) throw new UsageError(`--unleash must be one of ${UNLEASH_BACKENDS.join(", ")}, not ${wanted}`);
  return kind;
}

/** Runs a command's main: a usage error prints the usage and exits 2, any other error exits 1. */
export function runCommand(name: string, usage: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${name}: ${error.message}\nUsage: ${usage}`);
      process.exitCode = 2;
      return;
    }
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
