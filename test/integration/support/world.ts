import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Secret } from "@kubernetes/client-node";
import { fetch } from "undici";
import { GROUP, VERSION } from "../../../src/api/v1alpha1/common.js";
import { startEmulator, type RunningEmulator } from "../../unleash-emulator/index.js";
import { EmulatorControl } from "../../unleash-emulator/control-client.js";
import { createTestNamespace, type TestNamespace } from "./namespace.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "./operator.js";
import { repoRoot } from "../../harness/repo.js";

export type { CustomObject } from "./namespace.js";

export interface World extends TestNamespace {
  emulator: RunningEmulator;
  control: EmulatorControl;
  operator: RunningOperator;
  /** Calls Unleash with a token, as a workload would. */
  unleash(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }>;
  restartOperator(overrides?: Partial<OperatorOptions>): Promise<void>;
  close(): Promise<void>;
}

/** Namespaced connection + admin-token Secret that point the namespace at an Unleash. */
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
export async function createWorld(prefix: string, operatorOptions: Partial<OperatorOptions> = {}, kubeconfigPath?: string): Promise<World> {
  const space = await createTestNamespace(prefix, kubeconfigPath);
  const emulator = await startEmulator();
  const control = new EmulatorControl(emulator.controlUrl);
  const options = (): OperatorOptions => ({ kubeconfigPath: space.kubeconfigPath, namespaces: [space.namespace], ...operatorOptions });
  let operator = await startOperator(options());
  return {
    ...space,
    emulator,
    control,
    get operator() {
      return operator;
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
      await space.deleteResources();
      await operator.stop();
      await space.deleteNamespace();
      await emulator.stop();
    },
  };
}

export function tokenOf(secret: V1Secret | undefined, key = "UNLEASH_API_TOKEN"): string {
  const encoded = secret?.data?.[key];
  if (!encoded) throw new Error(`Secret ${secret?.metadata?.name ?? "(missing)"} has no ${key}`);
  return Buffer.from(encoded, "base64").toString("utf8");
}

/** The examples as a user applies them (without their namespace), pointed at this world's namespace and emulator. */
export function examplesFor(world: World): string {
  return readdirSync(join(repoRoot, "examples"))
    .filter((file) => file.endsWith(".yaml") && !file.startsWith("00-"))
    .sort()
    .map((file) => readFileSync(join(repoRoot, "examples", file), "utf8"))
    .join("\n---\n")
    .replaceAll("namespace: team-a", `namespace: ${world.namespace}`)
    .replace("http://127.0.0.1:4242", world.emulator.url)
    .replace('"*:*.emulator-admin-token"', `"${world.emulator.adminToken}"`);
}
