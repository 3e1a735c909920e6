import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { z } from "zod";
import { GROUP, VERSION } from "../api/v1alpha1/common.js";
import type { ObjectMeta } from "../api/v1alpha1/metadata.js";
import { kinds, type KindName } from "../api/v1alpha1/resources.js";
import { VersionChain } from "./version-chain.js";

export interface ResourceKey {
  namespace?: string | undefined;
  name: string;
}

/** The metadata a write needs: where the object is, which object, and the version the write was computed from. */
export type WriteTarget = Pick<ObjectMeta, "namespace" | "name" | "uid" | "resourceVersion">;

const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const written = z.object({ metadata: z.object({ resourceVersion: z.string().optional() }) });

/**
 * Writes the operator's custom resources. Status goes only through the status
 * subresource and spec is never written, so GitOps tools never fight the
 * operator over it. Every write carries the resourceVersion it was computed
 * from (optimistic concurrency): a write from a stale view fails with 409
 * instead of overwriting newer truth, and the reconcile starts again from fresh
 * state.
 */
export class CustomResourceClient {
  readonly #api: CustomObjectsApi;
  readonly #versions = new VersionChain();

  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** Merge-patches status; fields absent from `status` but present in `previous` are removed. */
  async patchStatus(kind: KindName, target: WriteTarget, previous: object, status: object): Promise<void> {
    await this.#patch(kind, target, { status: withRemovals(previous, status) }, true);
  }

  /** Replaces the finalizer list (a merge patch replaces lists whole; the resourceVersion guards it). */
  async setFinalizers(kind: KindName, target: WriteTarget, finalizers: readonly string[]): Promise<void> {
    await this.#patch(kind, target, { metadata: { finalizers } }, false);
  }

  async #patch(kind: KindName, target: WriteTarget, body: { metadata?: object; status?: object }, status: boolean): Promise<void> {
    const { plural } = kinds[kind];
    const from = this.#versions.latest(target.uid, target.resourceVersion);
    const request = {
      group: GROUP,
      version: VERSION,
      plural,
      name: target.name,
      body: { ...body, metadata: { ...body.metadata, ...(from === undefined ? {} : { resourceVersion: from }) } },
    };
    const answer: unknown = target.namespace
      ? await (status
          ? this.#api.patchNamespacedCustomObjectStatus({ ...request, namespace: target.namespace }, mergePatch)
          : this.#api.patchNamespacedCustomObject({ ...request, namespace: target.namespace }, mergePatch))
      : await (status ? this.#api.patchClusterCustomObjectStatus(request, mergePatch) : this.#api.patchClusterCustomObject(request, mergePatch));
    const parsed = written.safeParse(answer);
    this.#versions.record(target.uid, from, parsed.success ? parsed.data.metadata.resourceVersion : undefined);
  }
}

function withRemovals(previous: object, next: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...next };
  for (const key of Object.keys(previous)) if (!(key in next)) out[key] = null;
  return out;
}
