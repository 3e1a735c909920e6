// Creating an SDK API token, in the order unleash-server 8.2 checks it: the request schema
// (createApiTokenSchema, Ajv, in the route), the Joi schema (schema/api-token-schema.js), the
// permission for the type, then the service (ApiTokenService, or ApiTokenV2Service with
// `secureTokenStorage`): validateApiToken, the environment, the token limit, the project links.
import { z } from "zod";
import { hashSecret } from "./auth.js";
import { newCredential } from "./api-token-secrets.js";
import { badData, exceedsLimit, invalidData, unknownError, type ErrorDetail } from "./errors.js";
import { jsonDateTime, jsonString } from "./json-types.js";
import type { ApiTokenRecord, ApiTokenType, TokenFormat } from "./state.js";
import type { Store } from "./store.js";

const TYPE_PATTERN = "^([Cc][Ll][Ii][Ee][Nn][Tt]|[Bb][Aa][Cc][Kk][Ee][Nn][Dd]|[Ff][Rr][Oo][Nn][Tt][Ee][Nn][Dd])$";

/**
 * The request schema. `project` is documented as the single-project alternative to `projects`,
 * and accepted here, but the Joi schema strips it: the token gets every project.
 */
export const createApiTokenBody = z.object({
  tokenName: jsonString(z.string()),
  type: jsonString(z.string().regex(new RegExp(TYPE_PATTERN), { error: `must match pattern "${TYPE_PATTERN}"` })),
  environment: jsonString(z.string()).optional(),
  project: jsonString(z.string()).optional(),
  projects: z.array(jsonString(z.string())).optional(),
  expiresAt: jsonDateTime().optional(),
});

type CreateBody = z.output<typeof createApiTokenBody>;

/** unleash-server's default limit of API tokens (resourceLimits.apiTokens). */
export const API_TOKEN_LIMIT = 2000;

/** A create request after the Joi schema: the type lower-cased, the defaults filled in. */
export interface NewApiToken {
  tokenName: string;
  type: ApiTokenType;
  environment: string;
  projects: string[];
  expiresAt: string | null;
}

function isTokenType(value: string): value is ApiTokenType {
  return value === "client" || value === "backend" || value === "frontend";
}

/** Joi's wording (fromJoiError): the message, then what was sent when it is not empty. */
function joiDetail(message: string, value: unknown): ErrorDetail {
  return { message: value ? `${message}. You provided ${JSON.stringify(value)}.` : `${message}.` };
}

/** The Joi schema, all errors at once (abortEarly false), in the order of its keys. */
export function applyJoiSchema(body: CreateBody): NewApiToken {
  const problems: ErrorDetail[] = [];
  if (body.tokenName === "") problems.push(joiDetail('"tokenName" is not allowed to be empty', body.tokenName));
  if (body.projects?.length === 0) problems.push(joiDetail('"projects" must contain at least 1 items', body.projects));
  if (body.environment === "") problems.push(joiDetail('"environment" is not allowed to be empty', body.environment));
  const type = body.type.toLowerCase();
  // Unreachable behind the request schema's pattern, but Joi checks it as well.
  if (!isTokenType(type)) problems.push(joiDetail('"type" must be one of [client, backend, frontend]', body.type));
  if (problems.length > 0 || !isTokenType(type)) throw invalidData(problems);
  return {
    tokenName: body.tokenName,
    type,
    environment: body.environment ?? "development",
    projects: body.projects ?? ["*"],
    expiresAt: body.expiresAt === undefined ? null : new Date(body.expiresAt).toISOString(),
  };
}

/** resolveValidProjects: a list with `*` in it means every project. */
function resolveProjects(projects: readonly string[]): string[] {
  return projects.includes("*") ? ["*"] : [...projects];
}

/** validateApiToken, then validateApiTokenEnvironment. */
function validateScope(store: Store, token: NewApiToken): void {
  if (token.environment === "*") {
    const kind = token.type === "frontend" ? "Frontend" : "Client";
    throw badData(`${kind} token cannot be scoped to all environments`);
  }
  if (store.environment(token.environment) === undefined) throw badData(`Environment=${token.environment} does not exist`);
}

/** v1 counts every row of api_tokens, the admin token's too; v2 counts the tokens users made. */
function validateLimit(store: Store, format: TokenFormat): void {
  const v2Tokens = store.activeApiTokens().filter((token) => token.format === "v2").length;
  const count = format === "v2" ? v2Tokens : store.activeApiTokens().length - v2Tokens + 1;
  if (count >= API_TOKEN_LIMIT) throw exceedsLimit("api token", API_TOKEN_LIMIT);
}

/**
 * The project links' foreign key: v1 turns the violation into a BadDataError naming the first
 * unknown project; the v2 store does not catch it, so the server answers 500.
 */
function validateProjects(store: Store, format: TokenFormat, projects: readonly string[]): void {
  const unknown = projects.find((project) => project !== "*" && store.project(project) === undefined);
  if (unknown === undefined) return;
  if (format === "v1") throw badData(`Project=${unknown} does not exist`);
  throw unknownError(
    "INSERT INTO api_tokens_v2_project\n                         VALUES ($1, $2) - insert or update on table " +
      '"api_tokens_v2_project" violates foreign key constraint "api_tokens_v2_project_project_fkey"',
  );
}

/** Runs the service's checks and makes the token (not stored yet), with its secret, which is shown this once. */
export function checkedApiToken(store: Store, request: NewApiToken): { token: ApiTokenRecord; secret: string } {
  const { format } = store.apiTokenSettings;
  const wanted = { ...request, projects: resolveProjects(request.projects) };
  validateScope(store, wanted);
  validateLimit(store, format);
  validateProjects(store, format, wanted.projects);
  const credential = newCredential(format, wanted.projects, wanted.environment);
  const token: ApiTokenRecord = {
    ...wanted,
    format,
    secret: format === "v1" ? credential.secret : null,
    selector: credential.selector,
    secretHash: hashSecret(credential.secret),
    createdAt: store.clock.now().toISOString(),
    seenAt: null,
    deletedAt: null,
    expiryChange: null,
  };
  return { token, secret: credential.secret };
}
