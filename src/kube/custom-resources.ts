import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { GROUP, VERSION } from "../api/v1alpha1/common.js";
import { kinds, type KindName } from "../api/v1alpha1/resources.js";

export interface ResourceKey {
  namespace?: string;
  name: string;
}

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions("Content-Type", PatchStrategy.JsonPatch);

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

  /**
   * Replaces the finalizer list, guarded by a JSON-patch test of the list it
   * was computed from: a concurrent change to the finalizers fails the patch
   * (422), while status writes in between do not.
   */
  async setFinalizers(kind: KindName, key: ResourceKey, from: readonly string[] | undefined, to: readonly string[]): Promise<void> {
    const body = from
      ? [
          { op: "test", path: "/metadata/finalizers", value: from },
          { op: "replace", path: "/metadata/finalizers", value: to },
        ]
      : [{ op: "add", path: "/metadata/finalizers", value: to }];
    await this.#patch(kind, key, body, false, jsonPatch);
  }

  async #patch(kind: KindName, key: ResourceKey, body: object, status: boolean, options = mergePatch): Promise<void> {
    const { plural } = kinds[kind];
    const base = { group: GROUP, version: VERSION, plural, name: key.name, body };
    if (key.namespace) {
      const request = { ...base, namespace: key.namespace };
      await (status
        ? this.#api.patchNamespacedCustomObjectStatus(request, options)
        : this.#api.patchNamespacedCustomObject(request, options));
    } else {
      await (status ? this.#api.patchClusterCustomObjectStatus(base, options) : this.#api.patchClusterCustomObject(base, options));
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
