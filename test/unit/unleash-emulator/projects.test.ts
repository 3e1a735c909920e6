// What the contract suite cannot see through the API: the emulator's project state itself (a
// deleted account's access is invisible on both backends), the project controls, the counters of
// the project routes and the state file with projects in it.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { accountWithToken, call, emulatorForTest } from "./support.js";

const MEMBER = 5;
const VIEWER = 3;

describe("emulator projects", () => {
  let dir = "";
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "unleash-emulator-projects-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("drops a deleted account's project roles from its state, not only from the access list", async () => {
    const { emulator, control } = await emulatorForTest();
    const { id } = await accountWithToken(emulator, "leaving", VIEWER);
    const { id: staying } = await accountWithToken(emulator, "staying", VIEWER);
    const grant = { roles: [MEMBER], groups: [], users: [id, staying] };
    expect((await call(emulator, "POST", "/api/admin/projects/default/access", { body: grant })).status).toBe(200);
    expect((await call(emulator, "DELETE", `/api/admin/service-account/${id}`)).status).toBe(200);
    const { projectAccess } = await control.state();
    expect(projectAccess.map((held) => held.userId)).toEqual([staying]);
  });

  it("creates and deletes projects through the control API, with Unleash's refusals", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.createProject({ id: "team-a", name: "Team A" });
    await expect(control.createProject({ id: "team-a" })).rejects.toThrow(/409/);
    await expect(control.createProject({ id: "not url friendly" })).rejects.toThrow(/400/);
    await expect(control.deleteProject("default")).rejects.toThrow(/409/);
    const { id } = await accountWithToken(emulator, "member", VIEWER);
    await call(emulator, "POST", "/api/admin/projects/team-a/access", { body: { roles: [MEMBER], groups: [], users: [id] } });
    await control.deleteProject("team-a");
    await expect(control.deleteProject("team-a")).rejects.toThrow(/404/);
    expect((await call(emulator, "GET", "/api/admin/projects/team-a/access")).status).toBe(404);
    expect((await control.state()).projectAccess).toEqual([]);
  });

  it("lets a project role count in its own project only", async () => {
    const { emulator, control } = await emulatorForTest();
    await control.createProject({ id: "team-a" });
    await control.createProject({ id: "team-b" });
    const { id, secret } = await accountWithToken(emulator, "team-a-member", VIEWER);
    await call(emulator, "POST", "/api/admin/projects/team-a/access", { body: { roles: [MEMBER], groups: [], users: [id] } });
    const create = (project: string) =>
      call(emulator, "POST", `/api/admin/projects/${project}/features`, { token: secret, body: { name: `in-${project}` } });
    expect((await create("team-a")).status).toBe(201);
    expect((await create("team-b")).status).toBe(403);
    expect((await create("default")).status).toBe(403);
  });

  it("counts the project routes under their templates", async () => {
    const { emulator, control } = await emulatorForTest();
    const { id } = await accountWithToken(emulator, "counted", VIEWER);
    await control.resetCalls();
    await call(emulator, "GET", "/api/admin/projects");
    await call(emulator, "GET", "/api/admin/projects/default/access");
    await call(emulator, "POST", "/api/admin/projects/default/access", { body: { roles: [MEMBER], groups: [], users: [id] } });
    await call(emulator, "PUT", `/api/admin/projects/default/users/${id}/roles`, { body: { roles: [MEMBER] } });
    await call(emulator, "DELETE", `/api/admin/projects/default/users/${id}/roles`);
    expect(await control.calls()).toEqual({
      "GET /api/admin/projects": 1,
      "GET /api/admin/projects/:projectId/access": 1,
      "POST /api/admin/projects/:projectId/access": 1,
      "PUT /api/admin/projects/:projectId/users/:userId/roles": 1,
      "DELETE /api/admin/projects/:projectId/users/:userId/roles": 1,
    });
  });

  it("keeps projects and project roles across a restart", async () => {
    const stateFile = join(dir, "state.json");
    const first = await emulatorForTest({ stateFile });
    await first.control.createProject({ id: "kept" });
    const { id } = await accountWithToken(first.emulator, "kept-member", VIEWER);
    await call(first.emulator, "POST", "/api/admin/projects/kept/access", { body: { roles: [MEMBER], groups: [], users: [id] } });
    await first.emulator.stop();

    const second = await emulatorForTest({ stateFile });
    const { projects, projectAccess } = await second.control.state();
    expect(projects.map((project) => project.id)).toEqual(["default", "kept"]);
    expect(projectAccess).toMatchObject([{ project: "kept", userId: id, roleId: MEMBER }]);
  });

  it("loads a state file written before projects existed with the default project and no access", async () => {
    const stateFile = join(dir, "state.json");
    const first = await emulatorForTest({ stateFile });
    await first.emulator.stop();
    const saved = z.record(z.string(), z.unknown()).parse(JSON.parse(await readFile(stateFile, "utf8")));
    const { projects: _projects, projectAccess: _access, ...older } = saved;
    await writeFile(stateFile, JSON.stringify(older));

    const second = await emulatorForTest({ stateFile });
    const { projects, projectAccess } = await second.control.state();
    expect(projects.map((project) => project.id)).toEqual(["default"]);
    expect(projectAccess).toEqual([]);
  });
});
