// Real resources in each state that GitOps tools tell apart, as the API server returns them:
// Argo CD's Lua health scripts and Flux's kstatus get exactly these objects.
import { clusterConnectionYaml, deleteClusterConnection } from "../../support/cluster-connection.js";
import { z } from "zod";
import { GROUP, VERSION } from "../../../../src/api/v1alpha1/common.js";
import { kinds, type KindName } from "../../../../src/api/v1alpha1/resources.js";
import { eventually } from "../../../harness/eventually.js";
import { connectionYaml, type World } from "../../support/world.js";

export type Scenario =
  | "ready ServiceAccount"
  | "ready ServiceAccountToken"
  | "ready UnleashConnection"
  | "ready ClusterUnleashConnection"
  | "ServiceAccountToken waiting for its ServiceAccount"
  | "ServiceAccount with an unknown root role"
  | "UnleashConnection without its admin token Secret"
  | "ServiceAccount the operator has not seen yet"
  | "ServiceAccount changed while the operator was down"
  | "ServiceAccount being deleted";

const condition = z.looseObject({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() });

const liveObject = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), generation: z.number().optional(), deletionTimestamp: z.string().optional() }),
  status: z.looseObject({ observedGeneration: z.number().optional(), conditions: z.array(condition).optional() }).optional(),
});
export type LiveObject = z.infer<typeof liveObject>;

export interface ObservedScenarios {
  objects: ReadonlyMap<Scenario, LiveObject>;
  /** Name of the ClusterUnleashConnection, which outlives the world's namespace unless deleted. */
  clusterConnection: string;
}

interface Ref {
  kind: KindName;
  name: string;
}

const account = (name: string, rootRole: string, displayName = name) => `
apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccount
metadata: { name: ${name} }
spec:
  connectionRef: { kind: UnleashConnection, name: unleash }
  rootRole: ${rootRole}
  displayName: ${displayName}
  deletionPolicy: Delete
`;

const token = (name: string, accountName: string) => `
apiVersion: ${GROUP}/${VERSION}
kind: ServiceAccountToken
metadata: { name: ${name} }
spec:
  serviceAccountRef: { name: ${accountName} }
`;


/** Reads one resource of the world as JSON, the way `kubectl get -o json` shows it. */
export async function readLive(world: World, ref: Ref): Promise<LiveObject> {
  const scope = kinds[ref.kind].namespaced ? ["-n", world.namespace] : [];
  const json = await world.kubectl(["get", `${kinds[ref.kind].plural}.${GROUP}`, ref.name, ...scope, "-o", "json"]);
  return liveObject.parse(JSON.parse(json));
}

export function conditionOf(object: LiveObject, type: string): z.infer<typeof condition> | undefined {
  return object.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the resource has condition `type` at `status`, and returns it as it is then. */
export function waitForLive(world: World, ref: Ref, type: string, status: string): Promise<LiveObject> {
  return eventually(
    async () => {
      const object = await readLive(world, ref);
      const found = conditionOf(object, type);
      if (found?.status !== status) {
        throw new Error(`${ref.kind} ${ref.name}: ${type} is ${found?.status ?? "unset"} (${found?.reason ?? ""}), want ${status}`);
      }
      return object;
    },
    { timeoutMs: 30_000 },
  );
}

function expectReached(reached: boolean, what: string): void {
  if (!reached) throw new Error(`scenario not reached: ${what}`);
}

/**
 * Brings real resources into every scenario in the world's namespace, with its operator:
 * first those the running operator settles, then, with the operator stopped, those it has
 * not caught up with yet. The operator runs again when this returns.
 */
export async function observeScenarios(world: World): Promise<ObservedScenarios> {
  const clusterConnection = `gitops-${world.namespace}`;
  const objects = new Map<Scenario, LiveObject>();
  await world.apply(
    [
      connectionYaml(world.namespace, world.emulator.url, world.emulator.adminToken),
      `apiVersion: ${GROUP}/${VERSION}
kind: UnleashConnection
metadata: { name: secretless }
spec:
  url: ${world.emulator.url}
  adminTokenSecretRef: { name: nowhere }`,
      account("ready", "Viewer"),
      account("edited", "Viewer"),
      account("deleted", "Viewer"),
      account("unknown-role", "Overlord"),
      token("ready-token", "ready"),
      token("waiting-token", "absent"),
    ].join("\n---\n"),
  );
  await world.kubectl(["apply", "-f", "-"], clusterConnectionYaml(clusterConnection, world));

  const settled: Array<[Scenario, Ref, string, string]> = [
    ["ready UnleashConnection", { kind: "UnleashConnection", name: "unleash" }, "Ready", "True"],
    ["ready ClusterUnleashConnection", { kind: "ClusterUnleashConnection", name: clusterConnection }, "Ready", "True"],
    ["ready ServiceAccount", { kind: "ServiceAccount", name: "ready" }, "Ready", "True"],
    ["ready ServiceAccountToken", { kind: "ServiceAccountToken", name: "ready-token" }, "Ready", "True"],
    ["ServiceAccountToken waiting for its ServiceAccount", { kind: "ServiceAccountToken", name: "waiting-token" }, "Reconciling", "True"],
    ["ServiceAccount with an unknown root role", { kind: "ServiceAccount", name: "unknown-role" }, "Stalled", "True"],
    ["UnleashConnection without its admin token Secret", { kind: "UnleashConnection", name: "secretless" }, "Stalled", "True"],
  ];
  for (const [scenario, ref, type, status] of settled) objects.set(scenario, await waitForLive(world, ref, type, status));
  for (const name of ["edited", "deleted"]) await waitForLive(world, { kind: "ServiceAccount", name }, "Ready", "True");

  await world.operator.stop();
  await world.apply(account("unseen", "Viewer") + "\n---\n" + account("edited", "Viewer", "renamed"));
  await world.kubectl(["delete", "-n", world.namespace, `${kinds.ServiceAccount.plural}.${GROUP}`, "deleted", "--wait=false"]);
  const unseen = await readLive(world, { kind: "ServiceAccount", name: "unseen" });
  expectReached(unseen.status?.conditions === undefined, "the unseen ServiceAccount has no conditions");
  const edited = await readLive(world, { kind: "ServiceAccount", name: "edited" });
  expectReached(edited.metadata.generation !== edited.status?.observedGeneration, "the edited ServiceAccount's generation is ahead of its status");
  const deleted = await readLive(world, { kind: "ServiceAccount", name: "deleted" });
  expectReached(deleted.metadata.deletionTimestamp !== undefined, "the deleted ServiceAccount waits for its finalizer");
  objects.set("ServiceAccount the operator has not seen yet", unseen);
  objects.set("ServiceAccount changed while the operator was down", edited);
  objects.set("ServiceAccount being deleted", deleted);
  await world.restartOperator();
  return { objects, clusterConnection };
}

/**
 * Deletes the resources while the operator still runs to release their finalizers (the
 * group-qualified names: plain "serviceaccounts" are the core ones), and the cluster-scoped
 * connection, which the namespace's deletion would leave behind.
 */
export async function deleteScenarioResources(world: World, clusterConnection: string): Promise<void> {
  const namespaced = [kinds.ServiceAccountToken, kinds.ServiceAccount].map((k) => `${k.plural}.${GROUP}`).join(",");
  await world.kubectl(["delete", "-n", world.namespace, namespaced, "--all", "--timeout=30s"]);
  await deleteClusterConnection(world.kubectl, clusterConnection);
}
