// Flux reads health through kstatus (sigs.k8s.io/cli-utils): computed here, with the real
// library, on real resources that a running operator brought into each state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, type World } from "../support/world.js";
import { buildKstatus, computeKstatus } from "./support/kstatus.js";
import { deleteScenarioResources, observeScenarios, type ObservedScenarios, type Scenario } from "./support/scenarios.js";

const expected: Array<{ scenario: Scenario; status: string; message: RegExp }> = [
  { scenario: "ready ServiceAccount", status: "Current", message: /Resource is Ready/ },
  { scenario: "ready ServiceAccountToken", status: "Current", message: /Resource is Ready/ },
  { scenario: "ready UnleashConnection", status: "Current", message: /Resource is Ready/ },
  { scenario: "ready ClusterUnleashConnection", status: "Current", message: /Resource is Ready/ },
  { scenario: "ServiceAccountToken waiting for its ServiceAccount", status: "InProgress", message: /absent/ },
  { scenario: "ServiceAccount with an unknown root role", status: "Failed", message: /Overlord/ },
  { scenario: "UnleashConnection without its admin token Secret", status: "Failed", message: /nowhere/ },
  { scenario: "ServiceAccount changed while the operator was down", status: "InProgress", message: /generation is 2, but latest observed generation is 1/ },
  { scenario: "ServiceAccount being deleted", status: "Terminating", message: /scheduled for deletion/ },
  // kstatus's own rule, which docs/gitops/flux.md warns about: no conditions yet counts as Current.
  { scenario: "ServiceAccount the operator has not seen yet", status: "Current", message: /Resource is current/ },
];

describe("kstatus (Flux health checks)", () => {
  let world: World;
  let observed: ObservedScenarios;
  let kstatus: string;

  beforeAll(async () => {
    kstatus = await buildKstatus();
    world = await createWorld("kstatus");
    observed = await observeScenarios(world);
  });
  afterAll(async () => {
    if (observed) await deleteScenarioResources(world, observed.clusterConnection);
    await world?.close();
  });

  it.each(expected)("computes $status for a $scenario", async ({ scenario, status, message }) => {
    const object = observed.objects.get(scenario);
    if (!object) throw new Error(`no object for ${scenario}`);
    const computed = await computeKstatus(kstatus, object);
    expect(computed.status).toBe(status);
    expect(computed.message).toMatch(message);
  });
});
