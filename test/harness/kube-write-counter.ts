// A counting HTTPS proxy between one Kubernetes client and kube-apiserver. It terminates TLS
// (with a serving certificate the client already trusts, and verifying the client certificate
// as kube-apiserver would), forwards every request over keep-alive connections of its own, and
// counts requests by verb and resource, failures, and the TLS connections the client opened.
// Counting at the HTTP level is the only way to tell one client's writes from everyone else's.
//
// In-process: `await KubeWriteCounter.start(options)`. As a process of its own (so the client
// under test never waits on the benchmark's event loop): `spawnKubeWriteCounter(options)`, which
// runs this file: `tsx test/harness/kube-write-counter.ts --upstream-kubeconfig F --client-kubeconfig OUT
// --tls-cert C --tls-key K`, printing one JSON line {"url","controlUrl"} once listening.
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { fetch } from "undici";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { endpointOf } from "./kube-endpoint.js";
import { spawnLogged, type ManagedProcess } from "./processes.js";
import { repoRoot } from "./repo.js";

export interface RequestCounts {
  /** Requests by "verb resource[/subresource]", e.g. "patch serviceaccounttokens/status", "watch secrets". */
  byRoute: Record<string, number>;
  /** Answers of 400 and above by "verb resource code". */
  failures: Record<string, number>;
  /** create, update, patch, delete and deletecollection requests. */
  writes: number;
  /** get, list and watch requests. */
  reads: number;
  /** TLS connections the client opened (each one a full handshake). */
  connections: number;
}

export const requestCountsSchema = z.object({
  byRoute: z.record(z.string(), z.number()),
  failures: z.record(z.string(), z.number()),
  writes: z.number(),
  reads: z.number(),
  connections: z.number(),
});

const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** Kubernetes verb and resource of a request, as kube-apiserver's audit log names them. */
export function classifyRequest(method: string, url: string): { route: string; write: boolean } {
  const { pathname, searchParams } = new URL(url, "https://apiserver");
  const segments = pathname.split("/").filter(Boolean);
  const rest = segments[0] === "api" ? segments.slice(2) : segments[0] === "apis" ? segments.slice(3) : undefined;
  if (rest === undefined || rest.length === 0) return { route: `${method.toLowerCase()} ${pathname}`, write: method !== "GET" };
  const namespaced = rest[0] === "namespaces" && rest.length >= 3;
  const [resource, name, subresource] = namespaced ? rest.slice(2) : rest;
  const watch = searchParams.get("watch") === "true" || searchParams.get("watch") === "1";
  const verb = verbOf(method, name !== undefined, watch);
  return { route: `${verb} ${resource}${subresource ? `/${subresource}` : ""}`, write: WRITE_VERBS.has(verb) };
}

function verbOf(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
      return watch ? "watch" : named ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

export interface KubeWriteCounterOptions {
  /** Kubeconfig of the real API server; its client certificate is what the proxy forwards with. */
  upstreamKubeconfig: string;
  /** Serving certificate and key for 127.0.0.1, issued by a CA the client trusts (e.g. kube-apiserver's own). */
  tlsCertFile: string;
  tlsKeyFile: string;
}

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "upgrade", "host"]);

export class KubeWriteCounter {
  #counts: RequestCounts = emptyCounts();

  private constructor(
    private readonly server: Server,
    private readonly upstreamAgent: HttpsAgent,
    readonly url: string,
  ) {}

  static async start(options: KubeWriteCounterOptions): Promise<KubeWriteCounter> {
    const upstream = endpointOf(options.upstreamKubeconfig);
    const upstreamUrl = new URL(upstream.server);
    const agent = new HttpsAgent({ keepAlive: true, maxSockets: Infinity, ca: upstream.ca, cert: upstream.cert, key: upstream.key });
    let counter: KubeWriteCounter | undefined;
    const server = createHttpsServer(
      { cert: readFileSync(options.tlsCertFile), key: readFileSync(options.tlsKeyFile), ca: upstream.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => counter?.forward(req, res, upstreamUrl),
    );
    server.on("secureConnection", () => counter && (counter.#counts.connections += 1));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    counter = new KubeWriteCounter(server, agent, `https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return counter;
  }

  counts(): RequestCounts {
    return structuredClone(this.#counts);
  }

  reset(): void {
    this.#counts = emptyCounts();
  }

  /** Writes a copy of `kubeconfigPath` whose clusters point at this proxy. */
  async writeClientKubeconfig(kubeconfigPath: string, outPath: string): Promise<void> {
    await writeProxiedKubeconfig(kubeconfigPath, outPath, this.url);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.upstreamAgent.destroy();
  }

  private forward(req: IncomingMessage, res: ServerResponse, upstream: URL): void {
    const method = req.method ?? "GET";
    const { route, write } = classifyRequest(method, req.url ?? "/");
    const counts = this.#counts;
    counts.byRoute[route] = (counts.byRoute[route] ?? 0) + 1;
    if (write) counts.writes += 1;
    else counts.reads += 1;
    const outbound = httpsRequest(
      { host: upstream.hostname, port: upstream.port, method, path: req.url, headers: forwardedHeaders(req.headers), agent: this.upstreamAgent },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (status >= 400) counts.failures[`${route} ${status}`] = (counts.failures[`${route} ${status}`] ?? 0) + 1;
        res.writeHead(status, forwardedHeaders(answer.headers));
        // A watch answers its headers at once and its body maybe minutes later: pass them on now.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    outbound.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    // A client that hangs up (an aborted watch) ends the upstream request too.
    res.on("close", () => outbound.destroy());
    req.pipe(outbound);
  }
}

function emptyCounts(): RequestCounts {
  return { byRoute: {}, failures: {}, writes: 0, reads: 0, connections: 0 };
}

function forwardedHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())));
}

export async function writeProxiedKubeconfig(kubeconfigPath: string, outPath: string, server: string): Promise<void> {
  const document = z
    .object({ clusters: z.array(z.object({ cluster: z.record(z.string(), z.unknown()) }).loose()) })
    .loose()
    .parse(parseYaml(await readFile(kubeconfigPath, "utf8")));
  for (const entry of document.clusters) entry.cluster.server = server;
  await writeFile(outPath, stringifyYaml(document), { mode: 0o600 });
}

// --- as a process of its own ------------------------------------------------------------

export interface RemoteKubeWriteCounter {
  /** Kubeconfig for the client under test: same identity, server = the proxy. */
  kubeconfigPath: string;
  process: ManagedProcess;
  counts(): Promise<RequestCounts>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const readySchema = z.object({ url: z.string(), controlUrl: z.string() });

export async function spawnKubeWriteCounter(options: KubeWriteCounterOptions & { dir: string; name: string }): Promise<RemoteKubeWriteCounter> {
  const kubeconfigPath = join(options.dir, `${options.name}.kubeconfig`);
  const logFile = join(options.dir, `${options.name}.log`);
  const child = await spawnLogged(
    options.name,
    join(repoRoot, "node_modules", ".bin", "node"),
    [
      "--import",
      "tsx",
      fileURLToPath(import.meta.url),
      `--upstream-kubeconfig=${options.upstreamKubeconfig}`,
      `--client-kubeconfig=${kubeconfigPath}`,
      `--tls-cert=${options.tlsCertFile}`,
      `--tls-key=${options.tlsKeyFile}`,
    ],
    { logFile, cwd: repoRoot },
  );
  const { controlUrl } = readySchema.parse(await firstJsonLine(logFile, child));
  const control = async (method: string) => {
    const response = await fetch(`${controlUrl}/counts`, { method });
    if (!response.ok) throw new Error(`${options.name}: ${method} /counts: HTTP ${response.status}`);
    return response.json();
  };
  return {
    kubeconfigPath,
    process: child,
    counts: async () => requestCountsSchema.parse(await control("GET")),
    reset: async () => void (await control("DELETE")),
    stop: () => child.stop(),
  };
}

/** The first line of a child's log that parses as a JSON object (its "ready" line). */
export async function firstJsonLine(logFile: string, child: ManagedProcess, timeoutMs = 30_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = readFileSync(logFile, "utf8")
      .split("\n")
      .find((candidate) => candidate.startsWith("{"));
    if (line) return JSON.parse(line) as unknown;
    if (child.hasExited()) throw new Error(`${child.name} exited before it was ready; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`${child.name} not ready after ${timeoutMs} ms; see ${logFile}`);
    await sleep(50);
  }
}

async function serveControl(counter: KubeWriteCounter): Promise<string> {
  const server = createHttpServer((req, res) => {
    if (req.url !== "/counts") return void res.writeHead(404).end();
    if (req.method === "DELETE") counter.reset();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(counter.counts()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "upstream-kubeconfig": { type: "string" },
      "client-kubeconfig": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
    },
    strict: true,
  });
  const args = z
    .object({ "upstream-kubeconfig": z.string(), "client-kubeconfig": z.string(), "tls-cert": z.string(), "tls-key": z.string() })
    .parse(values);
  const counter = await KubeWriteCounter.start({
    upstreamKubeconfig: args["upstream-kubeconfig"],
    tlsCertFile: args["tls-cert"],
    tlsKeyFile: args["tls-key"],
  });
  await counter.writeClientKubeconfig(args["upstream-kubeconfig"], args["client-kubeconfig"]);
  const controlUrl = await serveControl(counter);
  const stop = () => void counter.stop().finally(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ url: counter.url, controlUrl })}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
