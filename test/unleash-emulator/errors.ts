// Error bodies copied from unleash-server 8.2 (lib/error/*). The real server writes two shapes:
// middleware (401, 403 permission, 415, schema validation) sends `error.toJSON()`, which carries an
// `id`; errors thrown inside a route handler go through `handleErrors`, which drops the `id`.
import { randomUUID } from "node:crypto";
import type { Reply } from "./http-io.js";

export interface ErrorDetail {
  message: string;
  path?: string;
}

export class UnleashError extends Error {
  readonly id = randomUUID();

  constructor(
    readonly status: number,
    name: string,
    message: string,
    readonly details: ErrorDetail[] = [{ message }],
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = name;
  }

  toJSON(): Record<string, unknown> {
    return { id: this.id, name: this.name, message: this.message, details: this.details, ...this.extra };
  }
}

/** The reply middleware would send for this error. */
export function middlewareReply(error: UnleashError): Reply {
  return { status: error.status, body: error.toJSON() };
}

/** The reply a route handler's error handler would send for this error. */
export function handlerReply(error: UnleashError): Reply {
  return { status: error.status, body: { name: error.name, message: error.message, details: error.details } };
}

const VALIDATION_PREFIX = "Request validation failed: your request body or params contain invalid data";
const REFER_TO_DETAILS = `${VALIDATION_PREFIX}. Refer to the \`details\` list for more information.`;

export function badData(message: string): UnleashError {
  return new UnleashError(400, "BadDataError", `${VALIDATION_PREFIX}: ${message}`, [{ message }]);
}

/** A validation failure found by a handler (Unleash's Joi checks): no id, details without a path. */
export function invalidData(details: ErrorDetail[]): UnleashError {
  return new UnleashError(400, "BadDataError", REFER_TO_DETAILS, details);
}

/** Raised by schema validation, which runs as middleware in Unleash: its body carries an id. */
export class RequestValidationError extends UnleashError {}

export function validationFailed(details: ErrorDetail[]): RequestValidationError {
  return new RequestValidationError(400, "BadDataError", REFER_TO_DETAILS, details);
}

/** A route open to any of several permissions names them all, as unleash-server's PermissionError does. */
export function permissionDenied(permission: string | readonly string[]): UnleashError {
  const permissions = typeof permission === "string" ? [permission] : [...permission];
  const needed =
    permissions.length === 1
      ? `the "${permissions[0]}" permission`
      : `one of the following permissions: ${permissions.map((name) => `"${name}"`).join(", ")}`;
  const message = `You don't have the required permissions to perform this operation. To perform this action, you need ${needed}.`;
  return new UnleashError(403, "PermissionError", message, undefined, { permissions });
}

export function contentTypeRejected(provided: string | undefined): UnleashError {
  const message =
    `We do not accept the content-type you provided (${provided || "you didn't provide one"}). ` +
    "Try using one of the content-types we do accept instead (application/json) " +
    "and make sure the body is in the corresponding format.";
  return new UnleashError(415, "ContentTypeError", message);
}

/** unleash-server's ExceedsLimitError (a GenericUnleashError with status 400). */
export function exceedsLimit(resource: string, limit: number): UnleashError {
  const message = `Failed to create ${resource}. You can't create more than the established limit of ${limit}.`;
  return new UnleashError(400, "ExceedsLimitError", message);
}

/** What the catch-all error handler makes of an unexpected error, such as a database error. */
export function unknownError(message: string): UnleashError {
  return new UnleashError(500, "UnknownError", message);
}

export function nameExists(message: string): UnleashError {
  return new UnleashError(409, "NameExistsError", message);
}

export function operationDenied(message: string): UnleashError {
  return new UnleashError(403, "OperationDeniedError", message);
}

export function notFound(message = "The requested resource could not be found"): UnleashError {
  return new UnleashError(404, "NotFoundError", message);
}

export function unauthorized(): UnleashError {
  return new UnleashError(401, "UnauthorizedError", "You must log in to use Unleash.");
}

/** What the real server answers when a request to /api carries no Authorization header at all. */
export function authenticationRequired(basePath: string): UnleashError {
  const path = `${basePath}/auth/simple/login`;
  const message =
    "You must log in to use Unleash. Your request had no authorization header, " +
    `so we could not authorize you. Try logging in at ${path}`;
  return new UnleashError(401, "AuthenticationRequired", message, undefined, {
    path,
    type: "password",
    defaultHidden: false,
  });
}

// The SDK middlewares (backend-token-middleware, frontend-token-middleware, api-token-middleware)
// answer with a bare message, neither an id nor a name.
const NO_TOKEN_WHERE_TOKEN_WAS_REQUIRED =
  "This endpoint requires an API token. Please add an authorization header to your request with a valid token";
const TOKEN_TYPE_ERROR_MESSAGE = "invalid token: expected a different token type for this endpoint";

/** No token, or one the server does not know (unknown, expired, revoked), on an SDK route. */
export function sdkTokenRequired(): Reply {
  return { status: 401, body: { message: NO_TOKEN_WHERE_TOKEN_WAS_REQUIRED } };
}

/** A token of the wrong kind: a PAT or the admin token on an SDK route, an SDK token elsewhere. */
export function wrongTokenType(): Reply {
  return { status: 403, body: { message: TOKEN_TYPE_ERROR_MESSAGE } };
}
