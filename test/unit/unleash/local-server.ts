import { readFileSync } from "node:fs";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void;

/** A scripted HTTP server on 127.0.0.1 that records every request it receives. */
export interface LocalServer {
  readonly origin: string;
  readonly requests: RecordedRequest[];
  handle(handler: Handler): void;
  close(): Promise<void>;
}

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** Self-signed certificate for 127.0.0.1, valid for a century; used only by these tests. */
export const TEST_CERT = fixture("test-only-localhost.crt");

export async function startLocalServer(options: { tls?: boolean } = {}): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  let handler: Handler = (_request, response) => reply(response, 500, { message: "no handler" });
  const listener = (incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const request = {
        method: incoming.method ?? "",
        url: incoming.url ?? "",
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(request);
      handler(request, response);
    });
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: TEST_CERT, key: fixture("test-only-localhost.key") }, listener)
    : createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      handler = next;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function reply(response: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const contentType = typeof body === "string" ? "text/html" : "application/json";
  response.writeHead(status, { "content-type": contentType, ...headers });
  response.end(text);
}

/** An address where nothing listens: a port that was just released. */
export async function unusedOrigin(): Promise<string> {
  const server = await startLocalServer();
  await server.close();
  return server.origin;
}
