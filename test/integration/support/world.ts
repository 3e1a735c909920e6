import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { fetch } from "undici";
import { inject } from "vitest";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { kinds, type KindName } from "../../../src/api/v1alpha1/resources.js";
import { eventually } from "../../harness/eventually.js";
import { startEmulator, type RunningEmulator } from "../../unleash-emulator/index.js";
import { EmulatorControl } from "../../unleash-emulator/control-client.js";
import { kubectl } from "./kubectl.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "./operator.js";

export interface World {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  namespace: string;
  emulator: RunningEmulator;
  control: EmulatorControl;
  operator: RunningOperator;
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  apply(yaml: string): Promise<void>;
  /** The resource's object as the API server has it now. */
  get(kind: KindName, name: string): Promise<CustomObject | undefined>;
  /** Waits until the resource has condition `type` with `status`, and returns it. */
  waitForCondition(kind: KindName, name: string, type: string, status: string, timeoutMs?: number): Promise<CustomObject>;
  secret(name: string): Promise<V1Secret | undefined>;
  /** Calls Unleash with a token, as a workload would. */
  unleash(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  restartOperator(overrides?: Partial<OperatorOptions>): Promise<void>;
  close(): Promise<void>;
}

export interface CustomObject {
  metadata: { name: string; uid: string; generation?: number; annotations?: Record<string, string>; finalizers?: string[] };
  spec: Record<string, unknown>;
  status?: { conditions?: Array<{ type: string; status: string; reason: string; message: string }>; [key: string]: unknown };
}

/** Namespaced connection + admin-token Secret that point the namespace at the world's emulator. */
export function connectionYaml(namespace: string, url: string, adminToken: string, name = "unleash"): string {
  return `
apiVersion: v1
kind: Secret
metadata: { name: ${name}-admin, namespace: ${namespace} }
stringData: { token: "${adminToken}" }
---
apiVersion: ${GROUP}/${VERSION}
kind: UnleashConnection
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  url: ${url}
  adminTokenSecretRef: { name: ${name}-admin }
`;
}

/**
 * A namespace of the shared control plane, an emulator of its own and an
 * operator process that watches only that namespace: test files run in
 * parallel without seeing each other.
 */
export async function createWorld(prefix: string, operatorOptions: Partial<OperatorOptions> = {}): Promise<World> {
  const kubeconfigPath = inject("kubeconfigPath");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const emulator = await startEmulator();
  const control = new EmulatorControl(emulator.controlUrl);
  const options = (): OperatorOptions => ({ kubeconfigPath, namespaces: [namespace], ...operatorOptions });
  let operator = await startOperator(options());
  const get = async (kind: KindName, name: string) => {
    try {
      return (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural: kinds[kind].plural, namespace, name })) as CustomObject;
    } catch {
      return undefined;
    }
  };
  const world: World = {
    kubeconfigPath,
    kubeConfig,
    core,
    custom,
    namespace,
    emulator,
    control,
    get operator() {
      return operator;
    },
    kubectl: (args, stdin) => kubectl(kubeconfigPath, args, stdin),
    apply: async (yaml) => void (await kubectl(kubeconfigPath, ["apply", "-n", namespace, "-f", "-"], yaml)),
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
    unleash: async (token, method, path, body) => {
      const response = await fetch(`${emulator.url}${path}`, {
        method,
        headers: { authorization: token, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
    },
    restartOperator: async (overrides = {}) => {
      await operator.stop();
      operator = await startOperator({ ...options(), ...overrides });
    },
    close: async () => {
      // Resources first, while the operator still runs to release their finalizers.
      await kubectl(kubeconfigPath, ["delete", "-n", namespace, "serviceaccounttokens,serviceaccounts", "--all", "--timeout=30s"]).catch(() => undefined);
      await operator.stop();
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await emulator.stop();
    },
  };
  return world;
}

export function tokenOf(secret: V1Secret | undefined, key = "UNLEASH_API_TOKEN"): string {
  const encoded = secret?.data?.[key];
  if (!encoded) throw new Error(`Secret ${secret?.metadata?.name ?? "(missing)"} has no ${key}`);
  return Buffer.from(encoded, "base64").toString("utf8");
}
