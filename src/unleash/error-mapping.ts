import {
  UnleashBadRequestError,
  UnleashConflictError,
  UnleashError,
  UnleashNotFoundError,
  UnleashRateLimitedError,
  UnleashTooManyTokensError,
  UnleashTransientError,
  UnleashUnauthorizedError,
  type ErrorDetail,
} from "./errors.js";
import { redactSecrets } from "../logging/scrub.js";
import { errorBodySchema } from "./schemas.js";

export interface FailedResponse {
  status: number;
  route: string;
  retryAfter: string | undefined;
  text: string;
}

interface ReducedBody {
  name: string | undefined;
  message: string | undefined;
  details: ErrorDetail[];
}

/** Keeps only name/message/details of an error body, redacted; anything else is dropped unread. */
export function reduceErrorBody(text: string, knownSecrets: readonly string[]): ReducedBody {
  const parsed = errorBodySchema.safeParse(parseJsonOrUndefined(text));
  if (!parsed.success) return { name: undefined, message: undefined, details: [] };
  const redact = (value: string | undefined) =>
    value === undefined ? undefined : redactSecrets(value, knownSecrets);
  const details = (parsed.data.details ?? []).flatMap((detail) =>
    detail.message === undefined ? [] : [{ message: redact(detail.message) ?? "", path: detail.path }],
  );
  return { name: redact(parsed.data.name), message: redact(parsed.data.message), details };
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const TOO_MANY_TOKENS = /too many pats/i;
const ALREADY_EXISTS = /already exists/i;

export function errorFromResponse(response: FailedResponse, knownSecrets: readonly string[]): UnleashError {
  const { status, route } = response;
  const body = reduceErrorBody(response.text, knownSecrets);
  const said = body.message === undefined ? "" : `: ${body.message}`;
  const label = body.name === undefined ? `${status}` : `${status} ${body.name}`;
  const init = { status, route, unleashName: body.name };
  const describe = (what: string) => `${what} (${label}) on ${route}${said}`;

  if (status === 400 && (body.name === "NameExistsError" || ALREADY_EXISTS.test(body.message ?? ""))) {
    return new UnleashConflictError({ ...init, message: describe("Unleash reports that it already exists") });
  }
  if (status === 400) {
    return new UnleashBadRequestError({ ...init, details: body.details, message: describe("Unleash rejected the request") });
  }
  if (status === 401) {
    return new UnleashUnauthorizedError({
      ...init,
      kind: "unauthenticated",
      message: describe("Unleash rejected the admin token as unknown or expired; check the connection's admin token Secret"),
    });
  }
  if (status === 403) return forbiddenError(init, body, describe);
  if (status === 404) return new UnleashNotFoundError({ ...init, message: describe("Unleash has no such object") });
  if (status === 409) return new UnleashConflictError({ ...init, message: describe("Unleash reports a conflict") });
  if (status === 429) {
    return new UnleashRateLimitedError({
      ...init,
      retryAfterMs: parseRetryAfter(response.retryAfter),
      message: describe("Unleash is rate limiting the operator"),
    });
  }
  if (status === 408 || status >= 500) {
    return new UnleashTransientError({ ...init, message: describe("Unleash failed to answer") });
  }
  if (status >= 300 && status < 400) {
    return new UnleashError({ ...init, message: describe("Unleash redirected the request; check the URL's scheme and path prefix") });
  }
  return new UnleashError({ ...init, message: describe("Unleash gave an unexpected answer") });
}

function forbiddenError(
  init: { status: number; route: string; unleashName: string | undefined },
  body: ReducedBody,
  describe: (what: string) => string,
): UnleashError {
  if (TOO_MANY_TOKENS.test(body.message ?? "")) {
    return new UnleashTooManyTokensError({ ...init, message: describe("The service account already has the maximum number of tokens") });
  }
  if (body.name === "OperationDeniedError") {
    return new UnleashError({ ...init, message: describe("Unleash denied the operation") });
  }
  return new UnleashUnauthorizedError({
    ...init,
    kind: "forbidden",
    message: describe(
      "The admin token lacks the ADMIN permission; use an admin API token, an Admin user's token or an Admin service account's token",
    ),
  });
}

// Node's TLS verification failures (tls.TLSSocket authorizationError codes and hostname mismatch).
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS/;

export function errorFromTransport(
  route: string,
  cause: unknown,
  timeoutMs: number,
  knownSecrets: readonly string[],
): UnleashTransientError {
  const causeCode = transportCode(cause);
  const detail = redactSecrets(causeMessage(cause), knownSecrets);
  const init = { route, causeCode };
  if (isTimeout(causeCode)) {
    return new UnleashTransientError({ ...init, transport: "timeout", message: `Unleash did not answer ${route} within ${timeoutMs} ms (${causeCode})` });
  }
  if (causeCode !== undefined && TLS_CODE.test(causeCode)) {
    return new UnleashTransientError({
      ...init,
      transport: "tls",
      message: `TLS certificate verification failed for ${route} (${causeCode}: ${detail}); set the CA bundle or fix the server certificate`,
    });
  }
  return new UnleashTransientError({ ...init, transport: "unreachable", message: `Unleash is unreachable on ${route} (${causeCode ?? "unknown"}: ${detail})` });
}

function isTimeout(code: string | undefined): boolean {
  return code === "ETIMEDOUT" || (code?.startsWith("UND_ERR_") === true && code.endsWith("_TIMEOUT"));
}

/** Finds the most specific error code: net/tls codes are nested in AggregateError or `cause`. */
function transportCode(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  if (cause.name === "TimeoutError") return "ETIMEDOUT";
  const code = (cause as { code?: unknown }).code;
  if (typeof code === "string") return code;
  if (cause instanceof AggregateError) return transportCode(cause.errors[0]);
  return transportCode(cause.cause);
}

function causeMessage(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  if (cause.message === "" && cause instanceof AggregateError) return causeMessage(cause.errors[0]);
  return cause.message;
}
