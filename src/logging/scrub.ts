/**
 * Patterns of every credential the operator handles: Unleash PATs and service
 * account tokens (`user:<56 hex>`, `user:v2_…`), and API tokens
 * (`<project>:<environment>.<secret>`, `*:*.<secret>`). A last line of defence
 * for text that comes from elsewhere (error bodies, library messages).
 */
const TOKEN_PATTERNS = [
  /user:v2_[A-Za-z0-9_-]+/g,
  /user:[0-9a-f]{16,}/gi,
  /(?<![\w/])(?:\*|[A-Za-z0-9_-]+):(?:\*|[A-Za-z0-9_-]+)\.[A-Za-z0-9]{16,}/g,
  /(authorization"?\s*[:=]\s*"?)(?:Bearer\s+)?[^\s",}]+/gi,
];

export function scrubText(text: string): string {
  return TOKEN_PATTERNS.reduce(
    (out, pattern) => out.replace(pattern, (match, prefix?: unknown) => (typeof prefix === "string" && match.startsWith(prefix) ? `${prefix}[REDACTED]` : "[REDACTED]")),
    text,
  );
}

/** Deep copy of a log record with every string scrubbed. */
export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubText(value);
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, depth + 1));
  if (value instanceof Error) return scrubValue({ type: value.name, message: value.message, stack: value.stack }, depth + 1);
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return scrubValue((value as { toJSON(): unknown }).toJSON(), depth + 1);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = scrubValue(item, depth + 1);
  return out;
}
