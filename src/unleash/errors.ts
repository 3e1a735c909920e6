import { redactSecrets } from "../logging/scrub.js";

export interface UnleashErrorInit {
  /** HTTP status, or undefined when no response arrived. */
  status?: number | undefined;
  /** Method and path template, e.g. "DELETE /api/admin/service-account/{id}". */
  route: string;
  /** The `name` of Unleash's error body, e.g. "BadDataError". */
  unleashName?: string | undefined;
  message: string;
}

/**
 * Base of every error the Unleash client throws. Messages are redacted on construction, and no
 * field ever holds a request header or a raw response body, so logging or serialising an
 * error cannot leak a token.
 */
export class UnleashError extends Error {
  override name = "UnleashError";
  readonly status: number | undefined;
  readonly route: string;
  readonly unleashName: string | undefined;

  constructor(init: UnleashErrorInit) {
    super(redactSecrets(init.message));
    this.status = init.status;
    this.route = init.route;
    this.unleashName = init.unleashName;
  }
}

export class UnleashNotFoundError extends UnleashError {
  override name = "UnleashNotFoundError";
}

/** 409, or a 400 saying the object already exists (older servers answer that way for usernames). */
export class UnleashConflictError extends UnleashError {
  override name = "UnleashConflictError";
}

export interface ErrorDetail {
  readonly message: string;
  readonly path?: string | undefined;
}

export class UnleashBadRequestError extends UnleashError {
  override name = "UnleashBadRequestError";
  readonly details: readonly ErrorDetail[];

  constructor(init: UnleashErrorInit & { details: readonly ErrorDetail[] }) {
    super(init);
    this.details = Object.freeze(
      init.details.map((detail) =>
        Object.freeze({ message: redactSecrets(detail.message), path: detail.path }),
      ),
    );
  }
}

/** "unauthenticated": the admin token is unknown or expired (401). "forbidden": it lacks ADMIN (403). */
export type UnauthorizedKind = "unauthenticated" | "forbidden";

export class UnleashUnauthorizedError extends UnleashError {
  override name = "UnleashUnauthorizedError";
  readonly kind: UnauthorizedKind;

  constructor(init: UnleashErrorInit & { kind: UnauthorizedKind }) {
    super(init);
    this.kind = init.kind;
  }
}

/** The account already holds the maximum number of tokens (10 in Unleash). */
export class UnleashTooManyTokensError extends UnleashError {
  override name = "UnleashTooManyTokensError";
}

export class UnleashRateLimitedError extends UnleashError {
  override name = "UnleashRateLimitedError";
  /** From the Retry-After header; undefined when the server did not say. */
  readonly retryAfterMs: number | undefined;

  constructor(init: UnleashErrorInit & { retryAfterMs: number | undefined }) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** 5xx, 408, timeouts and network failures: worth retrying with backoff. */
export class UnleashTransientError extends UnleashError {
  override name = "UnleashTransientError";
  /** Low-level cause such as ECONNREFUSED, ENOTFOUND, UND_ERR_CONNECT_TIMEOUT or ETIMEDOUT. */
  readonly causeCode: string | undefined;
  /** How the transport failed, classified once where the failure is seen; "tls" means the certificate is not trusted. */
  readonly transport: TransportFailure | undefined;

  constructor(init: UnleashErrorInit & { causeCode?: string | undefined; transport?: TransportFailure }) {
    super(init);
    this.causeCode = init.causeCode;
    this.transport = init.transport;
  }
}

export type TransportFailure = "timeout" | "tls" | "unreachable";

/**
 * A successful status with a body that is not what the contract promises (not JSON, or the
 * wrong shape). Not retryable: this almost always means the URL points at something that is
 * not the Unleash Admin API (a UI, a proxy's login page) or at an incompatible version, and
 * hammering it will not help. Callers report it and try again on their normal resync.
 */
export class UnleashProtocolError extends UnleashError {
  override name = "UnleashProtocolError";
}

/** True when retrying the same call later can succeed without anyone changing anything. */
export function isRetryable(err: unknown): boolean {
  return err instanceof UnleashTransientError || err instanceof UnleashRateLimitedError;
}
