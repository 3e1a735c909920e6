import { describe, expect, it } from "vitest";
import { accountWithToken, call, emulatorForTest } from "./support.js";

describe("emulator call counters", () => {
  it("counts every call per route key, failed and faulted ones included, and resets", async () => {
    const { emulator, control } = await emulatorForTest();
    const { id } = await accountWithToken(emulator, "counted");
    await call(emulator, "GET", `/api/admin/service-account/${id}/token`);
    await call(emulator, "GET", "/api/admin/service-account", { token: "user:unknown" });
    await control.setFault({ kind: "status", route: "GET /api/admin/service-account", status: 500, times: 1 });
    await call(emulator, "GET", "/api/admin/service-account");
    await call(emulator, "GET", "/api/admin/no-such-route");
    expect(await control.calls()).toEqual({
      "POST /api/admin/service-account": 1,
      "POST /api/admin/service-account/:id/token": 1,
      "GET /api/admin/service-account/:id/token": 1,
      "GET /api/admin/service-account": 2,
      "GET /api/admin/no-such-route": 1,
    });
    await control.resetCalls();
    expect(await control.calls()).toEqual({});
  });
});
