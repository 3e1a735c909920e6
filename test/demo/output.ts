// How the demo talks: numbered steps, indented details, a check mark for each thing proven.
// Tokens are only ever shown by fingerprint.
import { createHash } from "node:crypto";

const colored = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: number) => (text: string) => (colored ? `\u001b[${code}m${text}\u001b[0m` : text);
export const bold = paint(1);
export const dim = paint(2);
const green = paint(32);
const cyan = paint(36);

export function title(text: string): void {
  console.log(bold(text));
}

export function step(index: number, total: number, text: string): void {
  console.log(`\n${cyan(`[${index}/${total}]`)} ${bold(text)}`);
}

export function detail(text: string): void {
  for (const line of text.trimEnd().split("\n")) console.log(`      ${line}`);
}

/** Something the demo checked and found true. */
export function proven(text: string): void {
  console.log(`  ${green("✓")} ${text}`);
}

/** Enough to recognise a token, never enough to use it. */
export function fingerprint(token: string): string {
  return `${token.length} characters, sha256 ${sha256(token).slice(0, 12)}…`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

export function seconds(sinceMs: number): string {
  return `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;
}
