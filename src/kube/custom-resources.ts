import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { GROUP, VERSION } from "../api/v1alpha1/common.js";
import { kinds, type KindName } from "../api/v1alpha1/resources.js";

export interface ResourceKey {
  namespace?: string;
  name: string;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * Reads and writes the operator's custom resources. Status goes only through
 * the status subresource and spec is never written, so GitOps tools never
 * fight the operator over it.
 */
export class CustomResourceClient {
  readonly #api: CustomObjectsApi;

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async get(kind: KindName, key: ResourceKey): Promise<unknown> {
    const { plural } = kinds[kind];
    return key.namespace
      ? this.#api.getNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace: key.namespace, name: key.name })
      : this.#api.getClusterCustomObject({ group: GROUP, version: VERSION, plural, name: key.name });
  }

  async list(kind: KindName, namespace?: string): Promise<{ items: unknown[]; resourceVersion: string }> {
    const { plural } = kinds[kind];
    const raw: unknown = namespace
      ? await this.#api.listNamespacedCustomObject({ group: GROUP, version: VERSION, plural, namespace })
      : await this.#api.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
    return listBody(raw);
  }

  /** Merge-patches status; fields absent from `status` but present in `previous` are removed. */
  async patchStatus(kind: KindName, key: ResourceKey, previous: object, status: object): Promise<void> {
    const body = { status: withRemovals(previous, status) };
    await this.#patch(kind, key, body, true);
  }

  /** Sets the finalizer list, guarded by resourceVersion so a concurrent change is a 409, not a lost update. */
  async setFinalizers(kind: KindName, key: ResourceKey, finalizers: string[], resourceVersion: string | undefined): Promise<void> {
    await this.#patch(kind, key, { metadata: { finalizers, resourceVersion } }, false);
  }

  async #patch(kind: KindName, key: ResourceKey, body: object, status: boolean): Promise<void> {
    const { plural } = kinds[kind];
    const base = { group: GROUP, version: VERSION, plural, name: key.name, body };
    if (key.namespace) {
      const request = { ...base, namespace: key.namespace };
      await (status
        ? this.#api.patchNamespacedCustomObjectStatus(request, mergePatch)
        : this.#api.patchNamespacedCustomObject(request, mergePatch));
    } else {
      await (status ? this.#api.patchClusterCustomObjectStatus(base, mergePatch) : this.#api.patchClusterCustomObject(base, mergePatch));
    }
  }
}

function withRemovals(previous: object, next: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...next };
  for (const key of Object.keys(previous)) if (!(key in next)) out[key] = null;
  return out;
}

function listBody(raw: unknown): { items: unknown[]; resourceVersion: string } {
  const body = raw as { items?: unknown; metadata?: { resourceVersion?: unknown } };
  return {
    items: Array.isArray(body.items) ? body.items : [],
    resourceVersion: typeof body.metadata?.resourceVersion === "string" ? body.metadata.resourceVersion : "",
  };
}
