/**
 * Every credential shape the operator handles: Unleash PATs and service
 * account tokens (`user:<56 hex>`, `user:v2_…`), API tokens
 * (`<project>:<environment>.<hex>`, `*:*.<hex>`, multi-project `[]:<env>.<hex>`, and the v2
 * format `<project>:<environment>.v2_…`),
 * and the value of an authorization header. The one list that logs, events,
 * conditions and error messages are all cleaned with.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /user:v2_[A-Za-z0-9_-]+/g,
  /user:[0-9a-f]{16,}/gi,
  /[\w*[\]-]+:[\w*-]+\.[0-9a-f]{16,}/gi,
  /[\w*[\]-]+:[\w*-]+\.v2_[A-Za-z0-9_-]+/g,
];
const AUTHORIZATION_VALUE = /(authorization"?\s*[:=]\s*"?)(?:Bearer\s+)?(?!\[REDACTED\])[^\s",}]+/gi;

export const REDACTED = "[REDACTED]";

/** Removes token-like strings and the given known secrets (e.g. the admin token in use) from `text`. */
export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let result = text;
  for (const secret of knownSecrets) {
    if (secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, REDACTED);
  return result.replace(AUTHORIZATION_VALUE, `$1${REDACTED}`);
}
