import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { stateSchema, type State } from "./state.js";

/** The saved state, or undefined when the file does not exist yet. A corrupt file is an error. */
export function loadState(file: string): State | undefined {
  if (!existsSync(file)) return undefined;
  return stateSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** Written to a temporary file and renamed, so a crash never leaves a half-written state file. */
export function saveState(file: string, state: State): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(temporary, file);
}
