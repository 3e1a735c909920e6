import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Secret } from "@kubernetes/client-node";
import { isNotFound } from "./api-errors.js";

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/** Live reads and writes of Secrets; writes are guarded by resourceVersion or uid so they never clobber a concurrent change. */
export class SecretClient {
  readonly #api: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
  }

  async get(namespace: string, name: string): Promise<V1Secret | undefined> {
    try {
      return await this.#api.readNamespacedSecret({ namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Creates the Secret, or replaces it when `resourceVersion` (of the version read) is given. */
  async write(secret: V1Secret): Promise<void> {
    const namespace = secret.metadata?.namespace ?? "";
    const name = secret.metadata?.name ?? "";
    if (secret.metadata?.resourceVersion) await this.#api.replaceNamespacedSecret({ namespace, name, body: secret });
    else await this.#api.createNamespacedSecret({ namespace, body: secret });
  }

  /**
   * Replaces the Secret's finalizers and nothing else, guarded by the resourceVersion they were computed
   * from: how the operator protects Secrets it does not own.
   */
  async setFinalizers(secret: V1Secret, finalizers: readonly string[]): Promise<void> {
    const { namespace = "", name = "", resourceVersion } = secret.metadata ?? {};
    await this.#api.patchNamespacedSecret({ namespace, name, body: { metadata: { resourceVersion, finalizers } } }, mergePatch);
  }

  /** Deletes the Secret only if it is still the object with `uid`. */
  async delete(namespace: string, name: string, uid: string): Promise<void> {
    try {
      await this.#api.deleteNamespacedSecret({ namespace, name, body: { preconditions: { uid } } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export type WorkloadKind = "Deployment" | "StatefulSet" | "DaemonSet";

/** Restarts a workload's pods the way `kubectl rollout restart` does: a new annotation on the pod template. */
export class WorkloadRestarter {
  readonly #api: AppsV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(AppsV1Api);
  }

  async restart(kind: WorkloadKind, namespace: string, name: string, at: Date): Promise<void> {
    const body = { spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": at.toISOString() } } } } };
    const request = { namespace, name, body };
    if (kind === "Deployment") await this.#api.patchNamespacedDeployment(request, mergePatch);
    else if (kind === "StatefulSet") await this.#api.patchNamespacedStatefulSet(request, mergePatch);
    else await this.#api.patchNamespacedDaemonSet(request, mergePatch);
  }
}
