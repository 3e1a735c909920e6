import { readFileSync } from "node:fs";

/** The operator's version, from its package.json. */
export function operatorVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}
