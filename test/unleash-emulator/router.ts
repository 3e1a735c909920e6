import type { z } from "zod";
import type { Caller } from "./auth.js";
import type { Reply } from "./http-io.js";
import type { Store } from "./store.js";
import { ONE_OF_DETAIL, parseOrThrow } from "./validation.js";

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface RequestContext {
  caller: Caller;
  store: Store;
  /** A request header by its lower-case name. */
  header(name: string): string | undefined;
}

export interface HandlerContext<Params, Body> extends RequestContext {
  params: Params;
  body: Body;
}

export interface Route {
  /** "METHOD /path/with/:params": the key of call counters, latency and faults. */
  key: string;
  method: Method;
  pattern: string;
  /** Permission checked before the body is looked at (any one of a list); undefined = any authenticated caller. */
  permission?: string | readonly string[];
  /** POST and PUT routes require a JSON content type and validate their body. */
  takesBody: boolean;
  /** Validates params and body (400 BadDataError on failure), then runs the handler. */
  run(context: RequestContext, params: Record<string, string>, body: unknown): Reply;
}

interface RouteSpec<Params> {
  method: Method;
  pattern: string;
  permission?: string | readonly string[];
  params: z.ZodType<Params>;
}

type Handler<Params, Body> = (context: HandlerContext<Params, Body>) => Reply;

export function route<Params>(spec: RouteSpec<Params> & { handler: Handler<Params, undefined> }): Route {
  return {
    ...describe(spec),
    takesBody: false,
    run: (context, rawParams) =>
      spec.handler({ ...context, params: parseOrThrow(spec.params, rawParams, "/params"), body: undefined }),
  };
}

interface BodySpec<Body extends z.ZodType> {
  body: Body;
  /** The server's body schema is a `oneOf` of this one: a validation error names the `oneOf` too. */
  bodyIsOneOf?: boolean;
}

export function routeWithBody<Params, Body extends z.ZodType>(
  spec: RouteSpec<Params> & BodySpec<Body> & { handler: Handler<Params, z.output<Body>> },
): Route {
  const trailing = spec.bodyIsOneOf ? [ONE_OF_DETAIL] : [];
  return {
    ...describe(spec),
    takesBody: true,
    run: (context, rawParams, rawBody) => {
      const params = parseOrThrow(spec.params, rawParams, "/params");
      return spec.handler({ ...context, params, body: parseOrThrow(spec.body, rawBody, "/body", trailing) });
    },
  };
}

function describe<Params>(spec: RouteSpec<Params>): Pick<Route, "key" | "method" | "pattern" | "permission"> {
  return {
    key: `${spec.method} ${spec.pattern}`,
    method: spec.method,
    pattern: spec.pattern,
    ...(spec.permission === undefined ? {} : { permission: spec.permission }),
  };
}

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export class Router {
  constructor(private readonly routes: readonly Route[]) {}

  match(method: string, path: string): RouteMatch | undefined {
    const segments = splitPath(path);
    for (const candidate of this.routes) {
      if (candidate.method !== method) continue;
      const params = matchSegments(splitPath(candidate.pattern), segments);
      if (params !== undefined) return { route: candidate, params };
    }
    return undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, expected] of pattern.entries()) {
    const segment = actual[index] ?? "";
    if (expected.startsWith(":")) params[expected.slice(1)] = safeDecode(segment);
    else if (expected !== segment) return undefined;
  }
  return params;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
