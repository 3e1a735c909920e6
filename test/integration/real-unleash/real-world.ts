// The test world of support/world.ts, on a real Unleash server instead of the emulator: a
// namespace of the shared control plane, an operator process that watches only that
// namespace, and a real open-source Unleash (with the service-account routes) of its own.
import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { inject } from "vitest";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { kinds, type KindName } from "../../../src/api/v1alpha1/resources.js";
import { eventually } from "../../harness/eventually.js";
import { startRealUnleash, type RealUnleash } from "../../real-unleash/index.js";
import { kubectl } from "../support/kubectl.js";
import { startOperator, type RunningOperator } from "../support/operator.js";
import { connectionYaml, type CustomObject } from "../support/world.js";

export interface RealWorld {
  namespace: string;
  unleash: RealUnleash;
  operator: RunningOperator;
  kubectl(args: readonly string[]): Promise<string>;
  /** kubectl apply in the world's namespace. */
  apply(yaml: string): Promise<void>;
  get(kind: KindName, name: string): Promise<CustomObject | undefined>;
  /** Waits until the resource has condition `type` with `status`, and returns it. */
  waitForCondition(kind: KindName, name: string, type: string, status: string, timeoutMs?: number): Promise<CustomObject>;
  secret(name: string): Promise<V1Secret | undefined>;
  close(): Promise<void>;
}

/**
 * Starts the real Unleash and the operator side by side, and points the namespace's
 * UnleashConnection "unleash" at the server with its admin token.
 */
export async function createRealWorld(prefix: string): Promise<RealWorld> {
  const kubeconfigPath = inject("kubeconfigPath");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const unleash = await startRealUnleash();
  const operator = await startOperator({ kubeconfigPath, namespaces: [namespace] }).catch(async (error: unknown) => {
    await unleash.stop();
    throw error;
  });
  const run = (args: readonly string[], stdin?: string) => kubectl(kubeconfigPath, args, stdin);
  const get = async (kind: KindName, name: string): Promise<CustomObject | undefined> => {
    try {
      return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: kinds[kind].plural, namespace, name })) as CustomObject;
    } catch {
      return undefined;
    }
  };
  const world: RealWorld = {
    namespace,
    unleash,
    operator,
    kubectl: run,
    apply: async (yaml) => void (await run(["apply", "-n", namespace, "-f", "-"], yaml)),
    get,
    waitForCondition: (kind, name, type, status, timeoutMs = 30_000) =>
      eventually(
        async () => {
          const object = await get(kind, name);
          const condition = object?.status?.conditions?.find((c) => c.type === type);
          if (!object || condition?.status !== status) {
            throw new Error(`${kind} ${name}: ${type} is ${condition?.status ?? "unset"} (${condition?.reason ?? ""}: ${condition?.message ?? ""}), want ${status}`);
          }
          return object;
        },
        { timeoutMs },
      ),
    secret: async (name) => {
      try {
        return await core.readNamespacedSecret({ namespace, name });
      } catch {
        return undefined;
      }
    },
    close: async () => {
      // Resources first, while the operator still runs to release their finalizers.
      await run(["delete", "-n", namespace, "serviceaccounttokens,serviceaccounts", "--all", "--timeout=30s"]).catch(() => undefined);
      await operator.stop();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await unleash.stop();
    },
  };
  try {
    await world.apply(connectionYaml(namespace, unleash.url, unleash.adminToken));
  } catch (error) {
    await world.close();
    throw error;
  }
  return world;
}
