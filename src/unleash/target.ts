/**
 * The Unleash a connection URL points at: scheme, host (lower case, default
 * port dropped) and path without a trailing slash. Two connections with the
 * same target manage the same accounts, however their URLs were written.
 */
export function unleashTarget(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, "")}`;
}
