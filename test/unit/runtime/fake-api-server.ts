import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";

export interface FakeObject {
  metadata: { name: string; namespace: string; resourceVersion: string };
  data: Record<string, string>;
}

/**
 * Just enough of a kube-apiserver collection endpoint (list + watch of one path) to drive an
 * informer through situations a real server will not produce on demand, e.g. a silent watch.
 */
export class FakeApiServer {
  readonly objects = new Map<string, FakeObject>();
  /** Query of every watch request, in order. */
  readonly watchRequests: URLSearchParams[] = [];
  listCount = 0;
  /** "silent": watches get their headers and then nothing, like a half-open connection. */
  watchMode: "normal" | "silent" = "normal";
  /** Status codes to answer the next watch requests with, instead of a stream. */
  failNextWatches: number[] = [];
  /** How many of the next list requests get no answer at all. */
  hangNextLists = 0;
  private resourceVersion = 100;
  private readonly watchers = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;

  constructor(readonly namespace = "ns") {}

  get path(): string {
    return `/api/v1/namespaces/${this.namespace}/configmaps`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => this.handle(request, response));
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  kubeConfig(): KubeConfig {
    const port = (this.server?.address() as AddressInfo | undefined)?.port;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "fake", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "fake" }],
      contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
      currentContext: "fake",
    });
    return kubeConfig;
  }

  /** Creates or updates an object and tells the watchers. */
  put(name: string, data: Record<string, string>): FakeObject {
    const exists = this.objects.has(name);
    const object = { metadata: { name, namespace: this.namespace, resourceVersion: this.nextVersion() }, data };
    this.objects.set(name, object);
    this.broadcast({ type: exists ? "MODIFIED" : "ADDED", object });
    return object;
  }

  remove(name: string): void {
    const object = this.objects.get(name);
    if (!object) return;
    this.objects.delete(name);
    this.broadcast({ type: "DELETED", object: { ...object, metadata: { ...object.metadata, resourceVersion: this.nextVersion() } } });
  }

  /** Changes state without telling the watchers, as if their events were lost. */
  putSilently(name: string, data: Record<string, string>): void {
    this.objects.set(name, { metadata: { name, namespace: this.namespace, resourceVersion: this.nextVersion() }, data });
  }

  removeSilently(name: string): void {
    this.objects.delete(name);
  }

  /** Sends a watch ERROR event (e.g. 410 Gone) and ends every watch, as kube-apiserver does. */
  expireWatches(code = 410): void {
    this.broadcast({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", code, reason: "Expired" } });
    for (const watcher of this.watchers) watcher.end();
    this.watchers.clear();
  }

  /** Sends raw event JSON, e.g. an object that fails the informer's schema. */
  sendRaw(event: unknown): void {
    this.broadcast(event);
  }

  activeWatches(): number {
    return this.watchers.size;
  }

  private nextVersion(): string {
    this.resourceVersion += 1;
    return String(this.resourceVersion);
  }

  private broadcast(event: unknown): void {
    if (this.watchMode === "silent") return;
    for (const watcher of this.watchers) watcher.write(`${JSON.stringify(event)}\n`);
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://fake");
    if (url.pathname !== this.path) {
      response.writeHead(404).end();
      return;
    }
    if (url.searchParams.get("watch") === "true") return this.handleWatch(url, response);
    if (this.hangNextLists > 0) {
      this.hangNextLists -= 1;
      return;
    }
    this.listCount += 1;
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({
        kind: "ConfigMapList",
        apiVersion: "v1",
        metadata: { resourceVersion: String(this.resourceVersion) },
        items: [...this.objects.values()],
      }),
    );
  }

  private handleWatch(url: URL, response: ServerResponse): void {
    this.watchRequests.push(url.searchParams);
    const failure = this.failNextWatches.shift();
    if (failure !== undefined) {
      response.writeHead(failure).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" });
    response.flushHeaders();
    if (this.watchMode === "silent") {
      // Never answer again, and never close: the client sees a connection that is simply quiet.
      return;
    }
    this.watchers.add(response);
    response.once("close", () => this.watchers.delete(response));
  }
}
