import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { type HealthServer, parseAddress, startHealthServer } from "../../../src/runtime/health-server.js";

const servers: HealthServer[] = [];

async function start(options: Omit<Parameters<typeof startHealthServer>[0], "address">): Promise<string> {
  const server = await startHealthServer({ address: "127.0.0.1:0", ...options });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
}

async function get(url: string): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text(), contentType: response.headers.get("content-type") };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe("health server", () => {
  it("answers ok on /healthz and /readyz when all checks pass", async () => {
    const base = await start({ checks: { informers: () => ({ ok: true }) } });
    expect(await get(`${base}/healthz`)).toMatchObject({ status: 200, body: "ok" });
    expect(await get(`${base}/readyz`)).toMatchObject({ status: 200, body: "ok" });
  });

  it("answers 500 on /readyz naming each failing check and its message", async () => {
    let leaseHeld = false;
    const base = await start({
      checks: {
        informers: () => ({ ok: false, message: "watch on secrets inactive for 301 s" }),
        leader: async () => (leaseHeld ? { ok: true } : { ok: false, message: "not synced" }),
        healthy: () => ({ ok: true }),
        crashing: () => {
          throw new Error("check exploded");
        },
      },
    });
    const { status, body } = await get(`${base}/readyz`);
    expect(status).toBe(500);
    expect(body).toContain("[-]informers failed: watch on secrets inactive for 301 s");
    expect(body).toContain("[-]leader failed: not synced");
    expect(body).toContain("[-]crashing failed: check exploded");
    expect(body).not.toContain("healthy");
    // Liveness is separate: failing readiness must not get the pod killed.
    expect((await get(`${base}/healthz`)).status).toBe(200);

    leaseHeld = true;
    expect((await get(`${base}/readyz`)).body).not.toContain("leader");
  });

  it("runs liveness checks on /healthz", async () => {
    const base = await start({ livenessChecks: { eventLoop: () => ({ ok: false, message: "blocked" }) } });
    const { status, body } = await get(`${base}/healthz`);
    expect(status).toBe(500);
    expect(body).toContain("[-]eventLoop failed: blocked");
  });

  it("serves /metrics only on the instance given a registry, so probes and metrics can be split", async () => {
    const registry = new Registry();
    const metricsBase = await start({ registry });
    const probesBase = await start({ checks: {} });
    const metrics = await get(`${metricsBase}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toContain("text/plain");
    expect((await get(`${probesBase}/metrics`)).status).toBe(404);
    expect((await get(`${probesBase}/readyz`)).status).toBe(200);
  });

  it("rejects other paths and methods", async () => {
    const base = await start({});
    expect((await get(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: "POST" })).status).toBe(405);
  });

  it("fails to start on an address already in use", async () => {
    const first = await startHealthServer({ address: "127.0.0.1:0" });
    servers.push(first);
    await expect(startHealthServer({ address: `127.0.0.1:${first.port}` })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe("parseAddress", () => {
  it("accepts host:port, [ipv6]:port and :port", () => {
    expect(parseAddress("127.0.0.1:8081")).toEqual({ host: "127.0.0.1", port: 8081 });
    expect(parseAddress("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(parseAddress(":8080")).toEqual({ host: undefined, port: 8080 });
    expect(() => parseAddress("8080")).toThrow(/invalid listen address/);
  });
});
