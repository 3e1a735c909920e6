// The test world of support/world.ts, on a real Unleash server instead of the emulator: a
// namespace of the shared control plane, an operator process that watches only that
// namespace, and a real open-source Unleash (with the service-account routes) of its own.
import { startRealUnleash, type RealUnleash } from "../../real-unleash/index.js";
import { createTestNamespace, type TestNamespace } from "../support/namespace.js";
import { startOperator, type OperatorOptions, type RunningOperator } from "../support/operator.js";
import { connectionYaml } from "../support/world.js";

export interface RealWorld extends TestNamespace {
  unleash: RealUnleash;
  operator: RunningOperator;
  close(): Promise<void>;
}

/**
 * Starts the real Unleash and the operator side by side, and points the namespace's
 * UnleashConnection "unleash" at the server with its admin token.
 */
export async function createRealWorld(prefix: string, operatorOptions: Pick<OperatorOptions, "resyncPeriod"> = {}): Promise<RealWorld> {
  const space = await createTestNamespace(prefix);
  const unleash = await startRealUnleash();
  const options: OperatorOptions = { kubeconfigPath: space.kubeconfigPath, namespaces: [space.namespace], ...operatorOptions };
  const operator = await startOperator(options).catch(async (error: unknown) => {
    await unleash.stop();
    throw error;
  });
  const world: RealWorld = {
    ...space,
    unleash,
    operator,
    close: async () => {
      await space.deleteResources();
      await operator.stop();
      await space.deleteNamespace();
      await unleash.stop();
    },
  };
  try {
    await world.apply(connectionYaml(space.namespace, unleash.url, unleash.adminToken));
  } catch (error) {
    await world.close();
    throw error;
  }
  return world;
}
