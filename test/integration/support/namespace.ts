import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { inject } from "vitest";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { kinds, type KindName } from "../../../src/api/v1alpha1/resources.js";
import { eventually } from "../../harness/eventually.js";
import { kubectl } from "./kubectl.js";

export interface CustomObject {
  metadata: { name: string; uid: string; generation?: number; annotations?: Record<string, string>; finalizers?: string[] };
  spec: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }>; [key: string]: unknown };
}

/** A fresh namespace of the shared control plane, and the reads and writes tests make in it. */
export interface TestNamespace {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  /** kubectl apply in the namespace. */
  apply(yaml: string): Promise<void>;
  /** The resource's object as the API server has it now. */
  get(kind: KindName, name: string): Promise<CustomObject | undefined>;
  /** Waits until the resource has condition `type` with `status`, and returns it. */
  waitForCondition(kind: KindName, name: string, type: string, status: string, timeoutMs?: number): Promise<CustomObject>;
  secret(name: string): Promise<V1Secret | undefined>;
  /** Deletes the operator's resources (while an operator still runs to release finalizers). */
  deleteResources(): Promise<void>;
  deleteNamespace(): Promise<void>;
}

/** `kubeconfigPath` defaults to the shared control plane's; a test with a private control plane passes its own. */
export async function createTestNamespace(prefix: string, kubeconfigPath: string = inject("kubeconfigPath")): Promise<TestNamespace> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const run = (args: readonly string[], stdin?: string) => kubectl(kubeconfigPath, args, stdin);
  const get = async (kind: KindName, name: string) => {
    try {
      return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: kinds[kind].plural, namespace, name })) as CustomObject;
    } catch {
      return undefined;
    }
  };
  return {
    kubeconfigPath,
    kubeConfig,
    core,
    custom,
    namespace,
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
    deleteResources: async () => {
      // In the order a namespace teardown takes: tokens, accounts, then the connections they used.
      for (const kinds of ["serviceaccounttokens.accounts.unleash.dev", "serviceaccounts.accounts.unleash.dev", "unleashconnections.accounts.unleash.dev"]) {
        await run(["delete", "-n", namespace, kinds, "--all", "--timeout=30s"]).catch(() => undefined);
      }
    },
    deleteNamespace: async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}
