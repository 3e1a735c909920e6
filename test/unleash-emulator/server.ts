import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import { handleApi, type ApiContext } from "./api.js";
import { handleControl, isControlPath } from "./control.js";
import { faultReply, type Faults } from "./faults.js";
import { BodyTooLargeError, readBody, send, type Reply } from "./http-io.js";

export interface ServerContext extends ApiContext {
  faults: Faults;
  tls?: { cert: string; key: string };
}

export interface EmulatorServer {
  server: Server;
  /** Stops accepting, cuts every open connection and abandons requests waiting out a latency. */
  close(): Promise<void>;
}

export function createEmulatorServer(context: ServerContext): EmulatorServer {
  const stopping = new AbortController();
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res, context, stopping.signal).catch((error: unknown) => {
      if (stopping.signal.aborted) return;
      send(res, { status: 500, body: { name: "InternalError", message: String(error) } });
    });
  };
  const server = context.tls ? createHttpsServer(context.tls, listener) : createHttpServer(listener);
  return { server, close: closer(server, stopping) };
}

function closer(server: Server, stopping: AbortController): () => Promise<void> {
  let closed: Promise<void> | undefined;
  // Idempotent: a test's finally block may stop an emulator that the test already stopped.
  return () => {
    closed ??= new Promise((resolve, reject) => {
      stopping.abort();
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
    return closed;
  };
}

/** The path below the base path, or undefined when the request is outside it. */
function stripBasePath(pathname: string, basePath: string): string | undefined {
  if (basePath === "") return pathname;
  if (pathname === basePath) return "/";
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}

// Every API call is counted under its route key before latency and faults apply, so counters
// include calls that were faulted, unauthorized or malformed. Control calls are not counted.
async function serve(req: IncomingMessage, res: ServerResponse, context: ServerContext, stop: AbortSignal) {
  const method = req.method ?? "GET";
  const { pathname } = new URL(req.url ?? "/", "http://emulator");
  if (isControlPath(pathname)) return send(res, handleControl(method, req.url ?? pathname, await readBody(req), context));
  const path = stripBasePath(pathname, context.basePath);
  if (path === undefined) {
    context.faults.count(`${method} ${pathname} (outside base path ${context.basePath})`, req.headers["user-agent"]);
    return send(res, { status: 404, body: { message: `outside the base path ${context.basePath}` } });
  }
  const key = context.router.match(method, path)?.route.key ?? `${method} ${path}`;
  context.faults.count(key, req.headers["user-agent"]);
  const latency = context.faults.latencyFor(key);
  if (latency > 0) await sleep(latency, undefined, { signal: stop });
  const fault = context.faults.take(key);
  if (fault?.kind === "drop") return void req.socket.destroy();
  if (fault !== undefined) return send(res, faultReply(fault));
  send(res, await answerApi(req, method, path, context));
}

async function answerApi(req: IncomingMessage, method: string, path: string, context: ServerContext): Promise<Reply> {
  let rawBody: string;
  try {
    rawBody = await readBody(req);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { status: 413, body: { message: error.message } };
    throw error;
  }
  const request = {
    method,
    path,
    authorization: req.headers.authorization,
    contentType: req.headers["content-type"],
    rawBody,
    header: (name: string) => req.headersDistinct[name]?.join(", "),
  };
  return handleApi(request, context);
}
