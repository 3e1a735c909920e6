import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { eventually } from "../../harness/eventually.js";

type Kubectl = (args: readonly string[], stdin?: string) => Promise<string>;

/**
 * Deletes a ClusterUnleashConnection a test made, once the resources using it are gone. The operators of
 * the tests watch only their own namespaces, so none of them sees every possible user of a cluster
 * connection that admits other namespaces (or a selector): they hold its in-use protection but never
 * release it (a cluster-wide operator would). The test's clean-up therefore clears what is left of the
 * finalizers itself, after giving the operator the chance to.
 */
export async function deleteClusterConnection(kubectl: Kubectl, name: string): Promise<void> {
  const resource = `clusterunleashconnections.${GROUP}`;
  await kubectl(["delete", resource, name, "--ignore-not-found", "--wait=false"]);
  const gone = () => kubectl(["get", resource, name, "--ignore-not-found", "-o", "name"]).then((out) => out.trim() === "");
  try {
    await eventually(async () => {
      if (!(await gone())) throw new Error(`${name} is still there`);
    }, { timeoutMs: 10_000 });
  } catch {
    await kubectl(["patch", resource, name, "--type=merge", "-p", '{"metadata":{"finalizers":null}}']).catch(() => undefined);
  }
}

/** A ClusterUnleashConnection to the world's emulator, with the admin token of the world's namespace, admitting `admitted`. */
export function clusterConnectionYaml(name: string, world: { emulator: { url: string }; namespace: string }, admitted: readonly string[] = [world.namespace]): string {
  return `
apiVersion: ${GROUP}/${VERSION}
kind: ClusterUnleashConnection
metadata: { name: ${name} }
spec:
  url: ${world.emulator.url}
  adminTokenSecretRef: { name: unleash-admin, namespace: ${world.namespace} }
  allowedNamespaces: { names: [${admitted.join(", ")}] }
`;
}
