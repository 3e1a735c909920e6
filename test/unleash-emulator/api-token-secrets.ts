// The two formats of SDK API-token secrets, made and read as unleash-server 8.2 does it
// (services/api-token-service.js generateSecretKey, authentication/authorization-token.js):
//   v1: `<project>:<environment>.<56 hex>`, the whole secret is the token's identifier;
//   v2: `<project>:<environment>.v2_<selector:22>_<secret:43>` (base64url), the selector is.
// `<project>` is the one project, `[]` for several, `*` for all.
import { randomBytes } from "node:crypto";
import type { TokenFormat } from "./state.js";

const SELECTOR = "[A-Za-z0-9_-]{22}";
const V2_CREDENTIAL = new RegExp(`\\.v2_(${SELECTOR})_[A-Za-z0-9_-]{43}$`);
const V2_SELECTOR = new RegExp(`^${SELECTOR}$`);

export interface NewCredential {
  secret: string;
  /** v2 only. */
  selector: string | null;
}

function scopeOf(projects: readonly string[], environment: string): string {
  const [only] = projects;
  const project = projects.includes("*") ? "*" : projects.length === 1 && only !== undefined ? only : "[]";
  return `${project}:${environment}`;
}

export function newCredential(format: TokenFormat, projects: readonly string[], environment: string): NewCredential {
  const scope = scopeOf(projects, environment);
  if (format === "v1") return { secret: `${scope}.${randomBytes(28).toString("hex")}`, selector: null };
  const selector = randomBytes(16).toString("base64url");
  return { secret: `${scope}.v2_${selector}_${randomBytes(32).toString("base64url")}`, selector };
}

/** The selector in a whole v2 secret; undefined for anything else. */
export function selectorOfCredential(value: string): string | undefined {
  return V2_CREDENTIAL.exec(value)?.[1];
}

/**
 * How the Admin API's PUT and DELETE read `:token` (parseApiTokenV2Identifier): a whole v2 secret
 * or a bare selector names a v2 token; anything else is looked up as a v1 secret.
 */
export function v2SelectorOf(identifier: string): string | undefined {
  return selectorOfCredential(identifier) ?? (V2_SELECTOR.test(identifier) ? identifier : undefined);
}

/** What an Authorization value is before any lookup (authorization-token.js parseAuthorizationToken). */
export type CredentialKind = "account-access" | "admin-api-token" | "api-token";

export function credentialKind(value: string): CredentialKind {
  if (value.startsWith("user:")) return "account-access";
  return value.startsWith("*:*") ? "admin-api-token" : "api-token";
}
