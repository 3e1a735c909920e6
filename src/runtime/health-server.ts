import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export type HealthCheckResult = { ok: true } | { ok: false; message: string };
export type HealthCheck = () => HealthCheckResult | Promise<HealthCheckResult>;

export interface HealthServerOptions {
  /** "host:port", "[::]:port" or ":port" (all interfaces); port 0 picks a free one. */
  address: string;
  /** Readiness checks served on /readyz. */
  checks?: Record<string, HealthCheck>;
  /** Liveness checks served on /healthz; with none, /healthz answers ok while the process serves HTTP. */
  livenessChecks?: Record<string, HealthCheck>;
  /** Served on /metrics when given, so that metrics and probes can listen on separate addresses. */
  registry?: Registry;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const { host, port } = parseAddress(options.address);
  const server = createServer((request, response) => {
    route(options, request, response).catch((error: unknown) => {
      send(response, 500, `internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function route(options: HealthServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") return send(response, 405, "method not allowed\n");
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (path === "/healthz") return sendChecks(response, options.livenessChecks ?? {});
  if (path === "/readyz") return sendChecks(response, options.checks ?? {});
  if (path === "/metrics" && options.registry) {
    const body = await options.registry.metrics();
    return send(response, 200, body, options.registry.contentType);
  }
  send(response, 404, "not found\n");
}

/** Like kube-apiserver: "ok", or 500 with one line per failing check. */
async function sendChecks(response: ServerResponse, checks: Record<string, HealthCheck>): Promise<void> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => ({ name, result: await runCheck(check) })),
  );
  const failures = results.flatMap(({ name, result }) => (result.ok ? [] : [`[-]${name} failed: ${result.message}`]));
  if (failures.length === 0) return send(response, 200, "ok");
  send(response, 500, `${failures.join("\n")}\nhealth check failed\n`);
}

async function runCheck(check: HealthCheck): Promise<HealthCheckResult> {
  try {
    return await check();
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

function send(response: ServerResponse, status: number, body: string, contentType = "text/plain; charset=utf-8"): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  response.end(response.req.method === "HEAD" ? undefined : body);
}

export function parseAddress(address: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!match) throw new Error(`invalid listen address "${address}": expected host:port`);
  const host = match[1] ?? match[2];
  return { host: host ? host : undefined, port: Number(match[3]) };
}
