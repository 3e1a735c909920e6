// Upgrades lose nothing: an operator of the previous release, built from git, converges a fleet; the
// operator of this tree then takes over. It re-issues no token, makes no Unleash write, keeps every
// Secret's token, and can still delete everything the older one created (finalizers, descriptions).
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { repoRoot } from "../../harness/repo.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { liveAccountsByUsername, liveTokens } from "../support/unleash-state.js";
import { connectionYaml, createWorld, tokenOf, type World } from "../support/world.js";

/** The release this round's changes start from (the last commit of the previous round). */
const PREVIOUS_RELEASE = "91f6d90";
const WRITE = /^(POST|PUT|DELETE) /;
const TOKENS = ["a-1", "a-2", "b-1"];

/** The previous release's operator, compiled from git into a temporary directory (sharing node_modules). */
async function buildPreviousRelease(): Promise<{ dir: string; entry: string }> {
  const dir = await mkdtemp(join(tmpdir(), "operator-previous-"));
  execFileSync("bash", ["-c", `git -C "${repoRoot}" archive ${PREVIOUS_RELEASE} | tar -x -C "${dir}"`]);
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  execFileSync(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"], { cwd: dir });
  return { dir, entry: join(dir, "dist", "main.js") };
}

describe("an upgrade over a converged fleet", () => {
  let world: World;
  let previous: { dir: string; entry: string };
  const tokenIds = async () => Promise.all(TOKENS.map(async (name) => (await world.get("ServiceAccountToken", name))?.status?.tokenId));
  const secretTokens = async () => Promise.all(TOKENS.map(async (name) => tokenOf(await world.secret(name))));

  beforeAll(async () => {
    previous = await buildPreviousRelease();
    world = await createWorld("upgrade");
    await world.restartOperator({ entry: previous.entry });
    await world.apply(
      documents(
        connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken),
        serviceAccountYaml("a"),
        serviceAccountYaml("b", "rootRole: Viewer\ndeletionPolicy: Orphan"),
        tokenYaml("a-1", "a"),
        tokenYaml("a-2", "a", "lifetime: 2h\nrotationGracePeriod: 5m"),
        tokenYaml("b-1", "b"),
      ),
    );
    for (const name of TOKENS) await world.waitForCondition("ServiceAccountToken", name, "Ready", "True");
  });
  afterAll(async () => {
    await world?.close();
    if (previous) await rm(previous.dir, { recursive: true, force: true });
  });

  it("re-issues no token and writes nothing to Unleash once the new operator takes over", async () => {
    const ids = await tokenIds();
    const secrets = await secretTokens();
    await world.control.resetCalls();
    await world.restartOperator({ resyncPeriod: "3s" });
    await eventually(async () => expect((await world.control.calls())["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(3), { timeoutMs: 30_000 });
    const calls = await world.control.calls();
    expect(Object.entries(calls).filter(([route, n]) => WRITE.test(route) && n > 0)).toEqual([]);
    expect(await tokenIds()).toEqual(ids);
    expect(await secretTokens()).toEqual(secrets);
    for (const name of TOKENS) expect((await world.get("ServiceAccountToken", name))?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
  });

  it("deletes what the older operator created: its tokens revoked, its Secrets and finalizers gone", async () => {
    const uids = await Promise.all(TOKENS.map(async (name) => (await world.get("ServiceAccountToken", name))?.metadata.uid));
    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev", "--all", "--timeout=60s"]);
    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounts.accounts.unleash.dev", "--all", "--timeout=60s"]);
    for (const name of TOKENS) expect(await world.secret(name)).toBeUndefined();
    expect((await liveTokens(world.control)).filter((token) => uids.includes(token.uid))).toEqual([]);
    const accounts = await liveAccountsByUsername(world.control);
    // Delete removed "a"; Orphan kept "b" in Unleash (without the tokens this cluster issued).
    expect(accounts.has("a")).toBe(false);
    expect(accounts.get("b")).toBe(1);
  });
});
