// The write fence at dispatch and again when a queued request starts: a write dispatched while this
// replica could write, but still waiting for a connection when it no longer can, is never sent.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { FencedError, fenceInterceptor } from "../../../src/runtime/fence.js";

describe("fenceInterceptor", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function start(received: string[], releaseFirst: Promise<void>): Promise<string> {
    server = createServer((req, res) => {
      received.push(`${req.method} ${req.url}`);
      const answer = () => res.end("ok");
      if (req.url === "/slow") void releaseFirst.then(answer);
      else answer();
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("refuses a write at dispatch, and a queued write whose connection frees up after the fence closed", async () => {
    const received: string[] = [];
    let release = () => {};
    const origin = await start(received, new Promise<void>((resolve) => (release = resolve)));
    let open = true;
    const fence = { assertCanWrite: (what: string) => {
      if (!open) throw new FencedError(`refusing ${what}`);
    } };
    const pool = new Pool(origin, { connections: 1 });
    const client = pool.compose(fenceInterceptor(fence));

    const slow = client.request({ method: "GET", path: "/slow" });
    // Dispatched while the fence is open, but queued behind the slow request on the pool's one connection.
    const queued = client.request({ method: "PATCH", path: "/queued", body: "{}" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    open = false;
    release();
    await (await slow).body.text();
    await expect(queued).rejects.toBeInstanceOf(FencedError);
    await expect(client.request({ method: "POST", path: "/later", body: "{}" })).rejects.toBeInstanceOf(FencedError);
    expect(received).toEqual(["GET /slow"]);
    await pool.close();
  });
});
