// What the demo runs: a control plane, an Unleash and the operator, stopped in reverse order.
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { startOperator, type RunningOperator } from "../integration/support/operator.js";
import { randomAdminToken, startUnleashBackend, type UnleashBackend, type UnleashBackendKind } from "../env/unleash-backend.js";

interface Stoppable {
  stop(): Promise<void>;
}

/** Everything started so far; stop() ends it all, last started first. Idempotent. */
export class Running {
  readonly #resources: Stoppable[] = [];
  #stopping: Promise<void> | undefined;

  add<T extends Stoppable>(resource: T): T {
    this.#resources.push(resource);
    return resource;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      for (const resource of this.#resources.reverse()) await resource.stop().catch((error: unknown) => console.error(error));
    })();
    return this.#stopping;
  }
}

/** Kubernetes and Unleash, started side by side; on failure, whichever started is stopped. */
export async function startClusterAndUnleash(
  running: Running,
  binDir: string,
  kind: UnleashBackendKind,
): Promise<{ controlPlane: ControlPlane; unleash: UnleashBackend }> {
  const [controlPlane, unleash] = await Promise.allSettled([startControlPlane({ binDir }), startUnleash(kind)]);
  if (controlPlane.status === "fulfilled") running.add(controlPlane.value);
  if (unleash.status === "fulfilled") running.add(unleash.value);
  if (controlPlane.status === "rejected") throw controlPlane.reason;
  if (unleash.status === "rejected") throw unleash.reason;
  return { controlPlane: controlPlane.value, unleash: unleash.value };
}

/**
 * On a free port, always: the demo applies examples/ pointed at it, and port 4242 (where
 * examples/ point) stays for `npm run env:up`, also when the two run side by side in the tests.
 */
function startUnleash(kind: UnleashBackendKind): Promise<UnleashBackend> {
  return startUnleashBackend(kind, { adminToken: randomAdminToken() });
}

export async function startDemoOperator(running: Running, kubeconfigPath: string, namespace: string): Promise<RunningOperator> {
  return running.add(await startOperator({ kubeconfigPath, namespaces: [namespace], clusterName: "demo" }));
}
