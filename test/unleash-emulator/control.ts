// The emulator's own API under /_emulator: observation and fault injection for tests. Unleash has
// no such prefix, so it can never collide with a real route. It needs no token (loopback only).
import type { z } from "zod";
import { ControlRefusal, createEnvironment, createProject, deleteProject } from "./control-projects.js";
import {
  clockAdvanceSchema,
  faultSchema,
  latencySchema,
  listExtrasSchema,
  newEnvironmentSchema,
  newProjectSchema,
  projectRefSchema,
  revocationDelaySchema,
  tokenFormatSchema,
} from "./control-schema.js";
import type { Faults } from "./faults.js";
import type { Reply } from "./http-io.js";
import type { Store } from "./store.js";

export const CONTROL_PREFIX = "/_emulator";

export interface ControlContext {
  faults: Faults;
  store: Store;
}

type ControlHandler = (body: unknown, context: ControlContext, query: URLSearchParams) => Reply;

const NO_CONTENT: Reply = { status: 204 };

const handlers: Record<string, ControlHandler> = {
  "GET /calls": (_body, { faults }, query) => ({ status: 200, body: { calls: faults.calls(query.get("agent") ?? undefined) } }),
  "DELETE /calls": (_body, { faults }) => {
    faults.resetCalls();
    return NO_CONTENT;
  },
  "POST /faults": (body, { faults }) => withBody(faultSchema, body, (fault) => faults.add(fault)),
  "DELETE /faults": (_body, { faults }) => {
    faults.clear();
    return NO_CONTENT;
  },
  "PUT /latency": (body, { faults }) =>
    withBody(latencySchema, body, ({ route, ms }) => faults.setLatency(route, ms)),
  "PUT /list-extras": (body, { store }) =>
    withBody(listExtrasSchema, body, ({ serviceAccounts }) => {
      store.listExtras = serviceAccounts;
    }),
  "POST /clock/advance": (body, { store }) => withBody(clockAdvanceSchema, body, ({ ms }) => store.clock.advance(ms)),
  "POST /projects": (body, { store }) => withBody(newProjectSchema, body, (project) => createProject(store, project)),
  "DELETE /projects": (body, { store }) => withBody(projectRefSchema, body, ({ id }) => deleteProject(store, id)),
  "POST /environments": (body, { store }) => withBody(newEnvironmentSchema, body, (environment) => createEnvironment(store, environment)),
  "PUT /token-format": (body, { store }) =>
    withBody(tokenFormatSchema, body, ({ format }) => {
      store.apiTokenSettings.format = format;
    }),
  "PUT /revocation-delay": (body, { store }) =>
    withBody(revocationDelaySchema, body, ({ ms }) => {
      store.apiTokenSettings.revocationDelayMs = ms;
    }),
  "GET /state": (_body, { store }) => ({
    status: 200,
    body: {
      ...store.state,
      apiTokens: store.state.apiTokens.map(({ secret: _secret, ...token }) => token),
      now: store.clock.now().toISOString(),
    },
  }),
};

function withBody<S extends z.ZodType>(schema: S, body: unknown, apply: (value: z.output<S>) => void): Reply {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    return { status: 400, body: { message: "invalid control request", issues: parsed.error.issues } };
  }
  try {
    apply(parsed.data);
  } catch (error) {
    if (error instanceof ControlRefusal) return { status: error.status, body: { message: error.message } };
    throw error;
  }
  return NO_CONTENT;
}

export function isControlPath(pathname: string): boolean {
  return pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`);
}

/** `url`: the request's path and query. */
export function handleControl(method: string, url: string, rawBody: string, context: ControlContext): Reply {
  const { pathname, searchParams } = new URL(url, "http://emulator");
  const handler = handlers[`${method} ${pathname.slice(CONTROL_PREFIX.length)}`];
  if (handler === undefined) return { status: 404, body: { message: `no control route ${method} ${pathname}` } };
  let body: unknown;
  try {
    body = rawBody.trim() === "" ? undefined : JSON.parse(rawBody);
  } catch {
    return { status: 400, body: { message: "control request body is not JSON" } };
  }
  return handler(body, context, searchParams);
}
