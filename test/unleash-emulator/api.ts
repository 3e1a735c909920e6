// The request pipeline of unleash-server for /api: JSON body parsing, authentication (401), route
// lookup (404), permission (403), content type on POST/PUT (415), schema validation (400), handler.
import { authenticate, authenticateSdk, isAllowed, sdkAudienceOf, type AuthContext, type AuthResult, type Caller } from "./auth.js";
import {
  contentTypeRejected,
  handlerReply,
  middlewareReply,
  notFound,
  permissionDenied,
  RequestValidationError,
  UnleashError,
} from "./errors.js";
import { isJsonContentType, type Reply } from "./http-io.js";
import type { Router } from "./router.js";

export interface ApiRequest {
  method: string;
  /** Path without the base path. */
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  rawBody: string;
  /** Every request header by its lower-case name. */
  header(name: string): string | undefined;
}

export interface ApiContext extends AuthContext {
  router: Router;
}

type ParsedBody = { ok: true; body: unknown } | { ok: false; reply: Reply };

/** Express' json parser runs before everything else and only reads JSON objects and arrays. */
function parseBody(request: ApiRequest): ParsedBody {
  if (!isJsonContentType(request.contentType) || request.rawBody.trim() === "") return { ok: true, body: {} };
  try {
    const body: unknown = JSON.parse(request.rawBody);
    if (body !== null && typeof body === "object") return { ok: true, body };
    return { ok: false, reply: { status: 400, body: { message: "JSON body must be an object or an array" } } };
  } catch (error) {
    const message = error instanceof Error ? error.message : "invalid JSON";
    return { ok: false, reply: { status: 400, body: { message } } };
  }
}

/** The SDK routes have middlewares of their own, mounted before the one of every other route. */
function authenticateFor(request: ApiRequest, context: ApiContext): AuthResult {
  const audience = sdkAudienceOf(request.path);
  if (audience === undefined) return authenticate(request.authorization, context);
  return authenticateSdk(request.authorization, audience, context.store);
}

function permitted(caller: Caller, permission: string | readonly string[], context: ApiContext, project?: string): boolean {
  const anyOf = typeof permission === "string" ? [permission] : permission;
  return anyOf.some((candidate) => isAllowed(caller, candidate, context.store, project));
}

export function handleApi(request: ApiRequest, context: ApiContext): Reply {
  const parsed = parseBody(request);
  if (!parsed.ok) return parsed.reply;
  const auth = authenticateFor(request, context);
  if (!auth.ok) return auth.reply;
  const match = context.router.match(request.method, request.path);
  if (match === undefined) {
    const fullPath = `${context.basePath}${request.path}`;
    return middlewareReply(notFound(`The path you were looking for (${fullPath}) is not available.`));
  }
  const { route, params } = match;
  if (route.permission !== undefined && !permitted(auth.caller, route.permission, context, params["projectId"])) {
    return middlewareReply(permissionDenied(route.permission));
  }
  if (route.takesBody && !isJsonContentType(request.contentType)) {
    return middlewareReply(contentTypeRejected(request.contentType));
  }
  try {
    return route.run({ caller: auth.caller, store: context.store, header: request.header }, params, parsed.body);
  } catch (error) {
    if (error instanceof RequestValidationError) return middlewareReply(error);
    if (error instanceof UnleashError) return handlerReply(error);
    throw error;
  }
}
