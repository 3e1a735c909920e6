// Anything that could be an Unleash credential, even if a server or proxy echoes it back:
// PATs (`user:` + 56 hex), the newer flagged PAT format, and API tokens such as `*:*.<hex>`,
// `default:development.<hex>` or the multi-project `[]:production.<hex>`.
const TOKEN_PATTERNS: readonly RegExp[] = [
  /user:[0-9a-f]{56}/gi,
  /user:v2_[A-Za-z0-9_-]+/g,
  /[\w*[\]-]+:[\w*-]+\.[0-9a-f]{16,}/gi,
];

export const REDACTED = "[REDACTED]";

/** Removes token-like strings and the given known secrets (e.g. the admin token in use) from `text`. */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, REDACTED);
  return result;
}
