import { describe, expect, it } from "vitest";
import { call, emulatorForTest } from "./support.js";

const LIST = "GET /api/admin/service-account";
const list = "/api/admin/service-account";

describe("emulator faults", () => {
  it("fails the next N calls to a route with the given status, then recovers", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.setFault({ kind: "status", route: LIST, status: 503, times: 2 });
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await call(emulator, "GET", list)).status);
    expect(statuses).toEqual([503, 503, 200]);
    expect((await call(emulator, "GET", "/api/admin/roles")).status).toBe(200);
  });

  it("answers 429 with Retry-After", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.setFault({ kind: "status", route: LIST, status: 429, retryAfterSeconds: 7, times: 1 });
    const reply = await call(emulator, "GET", list);
    expect(reply.status).toBe(429);
    expect(reply.headers.get("retry-after")).toBe("7");
  });

  it("keeps a fault without a count until it is cleared, for any route with '*'", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.setFault({ kind: "status", route: "*", status: 502 });
    expect((await call(emulator, "GET", list)).status).toBe(502);
    expect((await call(emulator, "GET", "/api/admin/user")).status).toBe(502);
    await control.clearFaults();
    expect((await call(emulator, "GET", list)).status).toBe(200);
  });

  it("drops the connection without an answer", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.setFault({ kind: "drop", route: LIST, times: 1 });
    await expect(call(emulator, "GET", list)).rejects.toThrow();
    expect((await call(emulator, "GET", list)).status).toBe(200);
  });

  it("fails a seeded share of calls, the same calls on every run", async () => {
    const runs = [];
    for (let run = 0; run < 2; run++) {
      const { emulator, control } = await emulatorForTest();
      await control.setFault({ kind: "status", route: LIST, status: 500, probability: 0.3, seed: 42 });
      const statuses = [];
      for (let attempt = 0; attempt < 40; attempt++) statuses.push((await call(emulator, "GET", list)).status);
      runs.push(statuses);
    }
    expect(runs[0]).toEqual(runs[1]);
    expect(runs[0]).toContain(500);
    expect(runs[0]).toContain(200);
  });

  it("delays a route by its latency: a later call to another route answers first", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.setLatency(LIST, 1000);
    const order: string[] = [];
    const slow = call(emulator, "GET", list).then(() => order.push("slow"));
    await expect.poll(async () => (await control.calls())[LIST]).toBe(1);
    const fast = call(emulator, "GET", "/api/admin/roles").then(() => order.push("fast"));
    await Promise.all([slow, fast]);
    expect(order).toEqual(["fast", "slow"]);
  });

  it("rejects a malformed fault", async () => {
    const { control } = await emulatorForTest();
    // @ts-expect-error -- 418 is not a status the emulator injects
    await expect(control.setFault({ kind: "status", route: LIST, status: 418 })).rejects.toThrow(/HTTP 400/);
  });
});
