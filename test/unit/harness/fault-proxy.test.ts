import { once } from "node:events";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFaultProxy, type FaultProxy } from "../../harness/fault-proxy.js";

/** An echo server that remembers what each connection sent it. */
interface Target {
  port: number;
  /** Text received, per connection, in accept order. */
  received: string[];
  sockets: Socket[];
  close(): Promise<void>;
}

async function startTarget(): Promise<Target> {
  const received: string[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    const index = received.push("") - 1;
    sockets.push(socket);
    socket.on("error", () => undefined);
    socket.on("data", (chunk: Buffer) => {
      received[index] += chunk.toString("utf8");
      socket.write(chunk);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    received,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A client connection through the proxy that collects everything it receives. */
interface Client {
  socket: Socket;
  text(): string;
  /** Resolves once the received text contains `expected`. */
  receive(expected: string): Promise<void>;
  closed: Promise<{ error: NodeJS.ErrnoException | undefined }>;
}

async function connectClient(port: number): Promise<Client> {
  const socket = connect({ host: "127.0.0.1", port });
  let text = "";
  let error: NodeJS.ErrnoException | undefined;
  const waiters: (() => void)[] = [];
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
    for (const wake of waiters.splice(0)) wake();
  });
  socket.on("error", (err: NodeJS.ErrnoException) => (error = err));
  const closed = new Promise<{ error: NodeJS.ErrnoException | undefined }>((resolve) => socket.once("close", () => resolve({ error })));
  // A reset may come before the client sees its connection established.
  await Promise.race([new Promise((resolve) => socket.once("connect", resolve)), closed]);
  const receive = async (expected: string) => {
    while (!text.includes(expected)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { socket, text: () => text, receive, closed };
}

describe("fault proxy", () => {
  let target: Target;
  let proxy: FaultProxy;
  const clients: Client[] = [];
  const client = async () => {
    const made = await connectClient(proxy.port);
    clients.push(made);
    return made;
  };
  /** A round trip on a fresh connection in pass mode: everything sent before it has been handled. */
  const barrier = async () => {
    proxy.setMode("pass");
    const fresh = await client();
    fresh.socket.write("barrier");
    await fresh.receive("barrier");
  };

  beforeEach(async () => {
    target = await startTarget();
    proxy = await startFaultProxy({ target: { host: "127.0.0.1", port: target.port } });
  });
  afterEach(async () => {
    for (const made of clients.splice(0)) made.socket.destroy();
    await proxy.stop();
    await target.close();
  });

  it("forwards both ways in pass mode and counts the connections it holds", async () => {
    const a = await client();
    const b = await client();
    a.socket.write("hello");
    b.socket.write("world");
    await a.receive("hello");
    await b.receive("world");
    expect(proxy.connections()).toBe(2);
    expect(target.received.sort()).toEqual(["hello", "world"]);

    a.socket.end();
    await a.closed;
    await b.receive("world");
    b.socket.end();
    await b.closed;
    expect(proxy.connections()).toBe(0);
  });

  it("delays each direction by delayMs and keeps the bytes in order", async () => {
    const delayMs = 150;
    proxy.setMode("delay", { delayMs });
    const a = await client();
    const started = performance.now();
    for (const part of ["one,", "two,", "three"]) a.socket.write(part);
    await a.receive("one,two,three");
    // There and back: each direction holds the data delayMs at least.
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * delayMs - 5);
    expect(a.text()).toBe("one,two,three");
  });

  it("refuses a delay mode without a delay", () => {
    expect(() => proxy.setMode("delay")).toThrow(/delayMs/);
  });

  it("resets open connections and every new one in reset mode", async () => {
    const open = await client();
    open.socket.write("before");
    await open.receive("before");

    proxy.setMode("reset");
    expect((await open.closed).error?.code).toBe("ECONNRESET");
    const refused = await client();
    expect((await refused.closed).error?.code).toBe("ECONNRESET");
    expect(proxy.connections()).toBe(0);
  });

  it("freezes open connections: nothing is forwarded either way, and nothing is closed", async () => {
    const frozen = await client();
    frozen.socket.write("before");
    await frozen.receive("before");
    const [serverSide] = target.sockets;

    proxy.setMode("freeze");
    frozen.socket.write("lost-on-the-way-in");
    serverSide?.write("lost-on-the-way-out");
    await barrier();

    expect(target.received[0]).toBe("before");
    expect(frozen.text()).toBe("before");
    expect(frozen.socket.destroyed).toBe(false);
    expect(serverSide?.destroyed).toBe(false);
    // The frozen connection is still held, beside the barrier's.
    expect(proxy.connections()).toBe(2);
  });

  it("accepts new connections in freeze mode but never connects them to the target", async () => {
    proxy.setMode("freeze");
    const frozen = await client();
    frozen.socket.write("into-the-void");
    await barrier();

    // Only the barrier's connection reached the target.
    expect(target.received).toEqual(["barrier"]);
    expect(frozen.text()).toBe("");
    expect(frozen.socket.destroyed).toBe(false);
  });

  it("keeps frozen connections frozen after pass, while new ones forward", async () => {
    const frozen = await client();
    proxy.setMode("freeze");
    proxy.setMode("pass");
    frozen.socket.write("still-lost");
    await barrier();

    expect(target.received).toEqual(["", "barrier"]);
    expect(frozen.text()).toBe("");
  });

  it("closes every connection, frozen ones too, when stopped", async () => {
    const open = await client();
    proxy.setMode("freeze");
    const frozen = await client();
    await proxy.stop();
    await Promise.all([open.closed, frozen.closed]);
    expect(proxy.connections()).toBe(0);
  });
});
