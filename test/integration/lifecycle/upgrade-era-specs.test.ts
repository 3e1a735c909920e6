// Resources admitted before a rule existed: CEL ratcheting lets them stay, so the operator's own
// check must refuse them, with InvalidSpec and not a single token created in Unleash.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VersionApi } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../harness/eventually.js";
import { parse, stringify } from "yaml";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { applyManifestDirectory } from "../../harness/crds.js";
import { repoRoot } from "../../harness/repo.js";
import { documents, serviceAccountYaml, tokenYaml } from "../support/resources.js";
import { liveTokens } from "../support/unleash-state.js";
import { connectionYaml, createWorld, type World } from "../support/world.js";

const LOOPING_SPECS = {
  "same-key": "secret: { keys: { token: K, url: K } }",
  piling: "lifetime: 2m\nrenewBefore: 110s\nrotationGracePeriod: 1h",
  tls: "secret: { type: kubernetes.io/tls }",
  "bad-label": 'secret: { labels: { team: "a b" } }',
};

/** The specs that break a CEL rule (the others break a pattern, which every supported version ratchets). */
const CEL_RULES_STOP_STATUS: ReadonlySet<string> = new Set(["same-key", "piling", "tls"]);

/** The CRDs as an older release shipped them: no CEL rules and no patterns on the token's spec. */
async function crdsWithoutRules(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "old-crds-"));
  await cp(join(repoRoot, "crds"), dir, { recursive: true });
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (node === null || typeof node !== "object") return node;
    return Object.fromEntries(Object.entries(node).filter(([key]) => key !== "x-kubernetes-validations" && key !== "pattern").map(([key, value]) => [key, strip(value)]));
  };
  for (const file of (await readdir(dir)).filter((f) => f.includes("serviceaccounttokens"))) {
    await writeFile(join(dir, file), stringify(strip(parse(await readFile(join(dir, file), "utf8")))));
  }
  return dir;
}

describe("resources admitted before the rules existed", () => {
  let plane: ControlPlane;
  let world: World;
  let oldCrds: string;
  const serverMinor = async () => Number.parseInt((await plane.kubeConfig().makeApiClient(VersionApi).getCode()).minor, 10);

  beforeAll(async () => {
    oldCrds = await crdsWithoutRules();
    plane = await startControlPlane({ crdDir: oldCrds });
    world = await createWorld("upgrade", { resyncPeriod: "3s" }, plane.kubeconfigPath);
    await world.operator.stop();
    const tokens = Object.entries(LOOPING_SPECS).map(([name, spec]) => tokenYaml(name, "app", spec));
    await world.apply(documents(connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken), serviceAccountYaml("app"), ...tokens));
    // The upgrade: the new CRDs, then the new operator.
    await applyManifestDirectory(plane.kubeConfig(), join(repoRoot, "crds"));
    await world.restartOperator();
  });
  afterAll(async () => {
    await world?.close();
    await plane?.stop();
    await rm(oldCrds, { recursive: true, force: true });
  });

  it.each(Object.keys(LOOPING_SPECS))("reports %s as InvalidSpec: a Warning event, and Stalled where the API server takes the status", async (name) => {
    await eventually(async () => {
      const events = await world.core.listNamespacedEvent({ namespace: world.namespace, fieldSelector: `involvedObject.name=${name}` });
      expect(events.items.map((event) => `${event.type} ${event.reason}`)).toContain("Warning InvalidSpec");
    }, { timeoutMs: 30_000 });
    // Kubernetes 1.31 evaluates a CEL rule of the spec on a status write too, and refuses it for a resource
    // admitted before the rule (tested: 1.31 refuses, 1.37 takes it; CRD validation ratcheting is GA in 1.33):
    // there, the event is what says it, and nothing is written to Unleash either way.
    if (CEL_RULES_STOP_STATUS.has(name) && (await serverMinor()) < 33) return;
    const token = await world.waitForCondition("ServiceAccountToken", name, "Stalled", "True");
    const ready = token.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "InvalidSpec" });
  });

  it("creates no token in Unleash for any of them, over several resyncs", async () => {
    await world.waitForCondition("ServiceAccount", "app", "Ready", "True");
    await world.control.resetCalls();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    const calls = await world.control.calls();
    expect(calls["POST /api/admin/service-account/:id/token"] ?? 0).toBe(0);
    expect((await world.control.state()).tokens).toEqual([]);
    expect(calls["GET /api/admin/service-account"] ?? 0).toBeGreaterThanOrEqual(2);
  });

  it("deletes a resource whose spec stopped parsing: its token is revoked and its Secret and finalizer go", async () => {
    await world.apply(tokenYaml("was-valid", "app", "lifetime: 2m\nrotationGracePeriod: 30s"));
    const ready = await world.waitForCondition("ServiceAccountToken", "was-valid", "Ready", "True");
    expect(await world.secret("was-valid")).toBeDefined();
    // What an upgrade's new rule does to a resource that was valid: only an older CRD lets the spec change.
    await applyManifestDirectory(plane.kubeConfig(), oldCrds);
    await world.apply(tokenYaml("was-valid", "app", "lifetime: 2m\nrotationGracePeriod: 1h"));
    await applyManifestDirectory(plane.kubeConfig(), join(repoRoot, "crds"));
    await world.waitForCondition("ServiceAccountToken", "was-valid", "Stalled", "True");

    await world.kubectl(["delete", "-n", world.namespace, "serviceaccounttokens.accounts.unleash.dev/was-valid", "--timeout=60s"]);
    expect(await world.get("ServiceAccountToken", "was-valid")).toBeUndefined();
    expect(await world.secret("was-valid")).toBeUndefined();
    expect((await liveTokens(world.control)).filter((t) => t.uid === ready.metadata.uid)).toEqual([]);
  });
});
