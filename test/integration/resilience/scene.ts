// A namespace with its own emulator on any control plane, for tests that bring their own control
// plane (createWorld in ../support/world.ts uses the shared one).
import { randomBytes } from "node:crypto";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { EmulatorControl } from "../../unleash-emulator/control-client.js";
import { startEmulator, type RunningEmulator } from "../../unleash-emulator/index.js";
import { kubectl } from "../support/kubectl.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "../support/operator.js";
import { connectionYaml } from "../support/world.js";

/**
 * A namespace with an UnleashConnection to an emulator of its own, on any control plane (the
 * shared one, or a private one a test restarts), and the operators a test starts in it.
 */
export interface Scene {
  kubeconfigPath: string;
  namespace: string;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  emulator: RunningEmulator;
  control: EmulatorControl;
  /** Starts an operator watching the scene's namespace; close() stops it if the test did not. */
  startOperator(options?: Partial<OperatorOptions>): Promise<RunningOperator>;
  kubectl(args: readonly string[], stdin?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startScene(kubeconfigPath: string, prefix: string): Promise<Scene> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const namespace = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const emulator = await startEmulator();
  const operators: RunningOperator[] = [];
  const run = (args: readonly string[], stdin?: string) => kubectl(kubeconfigPath, args, stdin);
  await run(["apply", "-n", namespace, "-f", "-"], connectionYaml(namespace, emulator.url, emulator.adminToken));
  return {
    kubeconfigPath,
    namespace,
    core,
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    emulator,
    control: new EmulatorControl(emulator.controlUrl),
    startOperator: async (options = {}) => {
      const operator = await startOperator({ kubeconfigPath, namespaces: [namespace], ...options });
      operators.push(operator);
      return operator;
    },
    kubectl: run,
    close: async () => {
      // Resources first, while an operator may still run to release their finalizers.
      await run(["delete", "-n", namespace, "serviceaccounttokens.accounts.unleash.dev,serviceaccounts.accounts.unleash.dev,unleashconnections.accounts.unleash.dev", "--all", "--timeout=30s"]).catch(() => undefined);
      await Promise.all(operators.map((operator) => operator.stop()));
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await emulator.stop();
    },
  };
}
