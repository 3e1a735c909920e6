// What the demo runs: a control plane, an Unleash and the operator, stopped in reverse order.
import { randomBytes } from "node:crypto";
import { startControlPlane, type ControlPlane } from "../harness/control-plane.js";
import { startOperator, type RunningOperator } from "../integration/support/operator.js";
import { startUnleashBackend, type UnleashBackend, type UnleashBackendKind } from "../env/unleash-backend.js";
import { DEFAULT_ADMIN_TOKEN } from "../unleash-emulator/index.js";

/** What examples/ point at: the emulator as `npm run emulator -- --port 4242` starts it. */
export const EXAMPLES_UNLEASH = { url: "http://127.0.0.1:4242", port: 4242, adminToken: DEFAULT_ADMIN_TOKEN };

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
 * The emulator where examples/ expect it when that port is free, else on a free port; the
 * real server always on a free port, and with an admin token of its own (it takes only hex).
 */
async function startUnleash(kind: UnleashBackendKind): Promise<UnleashBackend> {
  if (kind === "real") return startUnleashBackend(kind, { adminToken: `*:*.${randomBytes(24).toString("hex")}` });
  const { adminToken, port } = EXAMPLES_UNLEASH;
  try {
    return await startUnleashBackend(kind, { adminToken, port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return startUnleashBackend(kind, { adminToken });
  }
}

export async function startDemoOperator(running: Running, kubeconfigPath: string, namespace: string): Promise<RunningOperator> {
  return running.add(await startOperator({ kubeconfigPath, namespaces: [namespace], clusterName: "demo" }));
}
