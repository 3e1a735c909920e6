// A TCP proxy on loopback that puts network faults between a client and a server: latency,
// reset connections and frozen (half-open) ones. It works below TLS, so a TLS client still talks
// end to end with the server and verifies the server's certificate (e.g. an API server whose
// certificate names 127.0.0.1, reached at https://127.0.0.1:<proxy port>).
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * pass: forward. delay: hold every chunk `delayMs` before forwarding it. reset: reset every open
 * and every new connection (TCP RST). freeze: forward nothing more, in either direction, on open
 * and new connections, without closing them.
 */
export type FaultMode = "pass" | "delay" | "reset" | "freeze";

export interface FaultProxyOptions {
  target: { host: string; port: number };
}

export interface FaultProxy {
  readonly host: string;
  readonly port: number;
  /**
   * Applies to open connections and to new ones. A connection once frozen stays frozen until it
   * is reset or the proxy stops, as a half-open connection never comes back; connections made
   * after a later setMode("pass") forward again.
   */
  setMode(mode: FaultMode, options?: { delayMs?: number }): void;
  mode(): FaultMode;
  /** Client connections the proxy holds open, frozen ones included. */
  connections(): number;
  /** Client connections accepted since the proxy started. */
  accepted(): number;
  /** Closes the listener and destroys every connection. Idempotent. */
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new TcpFaultProxy(options.target);
  await proxy.listen();
  return proxy;
}

class TcpFaultProxy implements FaultProxy {
  readonly host = HOST;
  private readonly server: Server;
  private readonly open = new Set<ProxiedConnection>();
  private current: FaultMode = "pass";
  private delayMs = 0;
  private acceptedCount = 0;
  private stopping: Promise<void> | undefined;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
  }

  get port(): number {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("fault proxy is not listening");
    return address.port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, HOST, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
  }

  setMode(mode: FaultMode, options: { delayMs?: number } = {}): void {
    if (mode === "delay" && !(options.delayMs !== undefined && options.delayMs > 0)) {
      throw new Error('setMode("delay") needs a positive delayMs');
    }
    this.current = mode;
    this.delayMs = mode === "delay" ? (options.delayMs ?? 0) : 0;
    if (mode === "reset") for (const connection of this.open) connection.reset();
    if (mode === "freeze") for (const connection of this.open) connection.freeze();
  }

  mode(): FaultMode {
    return this.current;
  }

  connections(): number {
    return this.open.size;
  }

  accepted(): number {
    return this.acceptedCount;
  }

  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const connection of this.open) connection.destroy();
    });
    return this.stopping;
  }

  private accept(client: Socket): void {
    this.acceptedCount++;
    if (this.stopping !== undefined) return void client.destroy();
    if (this.current === "reset") return resetSocket(client);
    const connection = new ProxiedConnection(client, this.current === "freeze" ? undefined : this.target, () => this.delayMs);
    this.open.add(connection);
    client.once("close", () => this.open.delete(connection));
  }
}

/** One client connection and, unless it was frozen from the start, its connection to the target. */
class ProxiedConnection {
  private readonly upstream: Socket | undefined;
  private readonly pumps: Pump[] = [];

  /** Without a target the connection is frozen from the start: nothing is forwarded, nothing connects. */
  constructor(
    private readonly client: Socket,
    target: { host: string; port: number } | undefined,
    latencyMs: () => number,
  ) {
    // A frozen socket is left alone, but an error on it must not crash the process.
    client.on("error", () => this.upstream?.destroy());
    if (target === undefined) {
      client.pause();
      return;
    }
    const upstream = connect({ host: target.host, port: target.port, allowHalfOpen: true });
    this.upstream = upstream;
    upstream.on("error", () => resetSocket(client));
    this.pumps = [new Pump(client, upstream, latencyMs), new Pump(upstream, client, latencyMs)];
  }

  freeze(): void {
    for (const pump of this.pumps) pump.halt();
    this.client.pause();
  }

  reset(): void {
    resetSocket(this.client);
    if (this.upstream) resetSocket(this.upstream);
  }

  destroy(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }
}

/** One direction of a connection: chunks are written in order, each once its due time has come. */
class Pump {
  private readonly pending: { chunk: Buffer; dueAt: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sourceEnded = false;
  private halted = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    latencyMs: () => number,
  ) {
    from.on("data", (chunk: Buffer) => {
      this.pending.push({ chunk, dueAt: Date.now() + latencyMs() });
      this.flush();
    });
    from.on("end", () => {
      this.sourceEnded = true;
      this.flush();
    });
  }

  /** Forwards nothing more, now or later, and stops reading the source. */
  halt(): void {
    this.halted = true;
    clearTimeout(this.timer);
    this.pending.length = 0;
    this.from.pause();
  }

  private flush(): void {
    if (this.halted) return;
    clearTimeout(this.timer);
    const now = Date.now();
    for (let next = this.pending[0]; next !== undefined && next.dueAt <= now; next = this.pending[0]) {
      this.pending.shift();
      if (!this.to.destroyed && !this.to.write(next.chunk)) this.waitForDrain();
    }
    const next = this.pending[0];
    if (next !== undefined) this.timer = setTimeout(() => this.flush(), next.dueAt - now);
    else if (this.sourceEnded && !this.to.destroyed) this.to.end();
  }

  /** Backpressure: a slow receiver slows the sender instead of filling the proxy's memory. */
  private waitForDrain(): void {
    this.from.pause();
    this.to.once("drain", () => {
      if (!this.halted) this.from.resume();
    });
  }
}

function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // resetAndDestroy needs a connected TCP handle; a socket still connecting is just destroyed.
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}
