// The Argo CD health scripts in docs/gitops/argocd, run by real Lua interpreters on the
// status of real resources that a running operator brought into each state.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { GROUP } from "../../../src/api/v1alpha1/common.js";
import { kinds } from "../../../src/api/v1alpha1/resources.js";
import { repoRoot } from "../../harness/repo.js";
import { createWorld, type World } from "../support/world.js";
import { LUA_INTERPRETERS, runHealthScript } from "./support/argocd-lua.js";
import { deleteScenarioResources, observeScenarios, type ObservedScenarios, type Scenario } from "./support/scenarios.js";

const argocdDir = resolve(repoRoot, "docs/gitops/argocd");
/** One script serves the four kinds: they report status alike. */
const scriptOf = (_kind: string) => resolve(argocdDir, "health.lua");

const expected: Array<{ scenario: Scenario; status: string; message: RegExp }> = [
  { scenario: "ready ServiceAccount", status: "Healthy", message: /^Ready: / },
  { scenario: "ready ServiceAccountToken", status: "Healthy", message: /^Ready: / },
  { scenario: "ready UnleashConnection", status: "Healthy", message: /^ConnectionReady: / },
  { scenario: "ready ClusterUnleashConnection", status: "Healthy", message: /^ConnectionReady: / },
  { scenario: "ServiceAccountToken waiting for its ServiceAccount", status: "Progressing", message: /^WaitingForServiceAccount: .*absent/ },
  { scenario: "ServiceAccount with an unknown root role", status: "Degraded", message: /^RootRoleNotFound: .*Overlord/ },
  { scenario: "UnleashConnection without its admin token Secret", status: "Degraded", message: /^AdminTokenSecretNotFound: .*nowhere/ },
  { scenario: "ServiceAccount the operator has not seen yet", status: "Progressing", message: /Waiting for the operator to report status/ },
  { scenario: "ServiceAccount changed while the operator was down", status: "Progressing", message: /generation 2/ },
  { scenario: "ServiceAccount being deleted", status: "Progressing", message: /deleted/ },
];

describe("Argo CD health scripts", () => {
  let world: World;
  let observed: ObservedScenarios;

  beforeAll(async () => {
    world = await createWorld("argocd");
    observed = await observeScenarios(world);
  });
  afterAll(async () => {
    if (observed) await deleteScenarioResources(world, observed.clusterConnection);
    await world?.close();
  });

  describe.each(LUA_INTERPRETERS)("with %s", (interpreter) => {
    it.each(expected)("rates a $scenario as $status", async ({ scenario, status, message }) => {
      const object = observed.objects.get(scenario);
      if (!object) throw new Error(`no object for ${scenario}`);
      const health = await runHealthScript(interpreter, scriptOf(object.kind), object);
      expect(health.status).toBe(status);
      expect(health.message).toMatch(message);
    });
  });

  it("ships an argocd-cm snippet that embeds each kind's script under Argo CD's key", async () => {
    const text = readFileSync(resolve(argocdDir, "argocd-cm.yaml"), "utf8");
    const configMap = z.object({ metadata: z.looseObject({ name: z.literal("argocd-cm") }), data: z.record(z.string(), z.string()) }).loose().parse(parse(text));
    const keys = Object.values(kinds).map((k) => `resource.customizations.health.${GROUP}_${k.kind}`);
    expect(Object.keys(configMap.data).sort()).toEqual([...keys].sort());
    for (const kind of Object.keys(kinds)) {
      expect(configMap.data[`resource.customizations.health.${GROUP}_${kind}`]).toBe(readFileSync(scriptOf(kind), "utf8"));
    }
    // The API server accepts it as a ConfigMap (valid keys and all), here in the world's namespace.
    const inWorld = { ...configMap, metadata: { ...configMap.metadata, namespace: world.namespace } };
    await world.kubectl(["apply", "--dry-run=server", "-f", "-"], JSON.stringify(inWorld));
  });
});
