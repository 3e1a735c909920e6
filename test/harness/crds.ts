// Applies a directory of manifests (normally the project's CRDs) and waits until every
// CustomResourceDefinition among them is Established, i.e. served.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import {
  ApiextensionsV1Api,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

const FIELD_MANAGER = "control-plane-harness";
const ESTABLISHED_TIMEOUT_MS = 30_000;

const manifestSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string() }),
});
type Manifest = z.infer<typeof manifestSchema>;

export async function applyManifestDirectory(kubeConfig: KubeConfig, dir: string): Promise<void> {
  const manifests = await readManifests(dir);
  const client = KubernetesObjectApi.makeApiClient(kubeConfig);
  for (const manifest of manifests) {
    await client.patch(manifest as KubernetesObject, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
  const crdNames = manifests.filter((m) => m.kind === "CustomResourceDefinition").map((m) => m.metadata.name);
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  await Promise.all(crdNames.map((name) => waitUntilEstablished(extensions, name)));
}

async function readManifests(dir: string): Promise<Manifest[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const perFile = await Promise.all(
    files.map(async (name) => {
      const path = join(dir, name);
      return parseManifests(await readFile(path, "utf8"), path);
    }),
  );
  return perFile.flat();
}

function parseManifests(text: string, path: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]?.message}`);
    return doc.contents === null ? [] : [parseManifest(doc.toString(), path)];
  });
}

// client-node's own loader yields its typed models, which its serializer writes back in full;
// a plain object would lose fields such as x-kubernetes-preserve-unknown-fields.
function parseManifest(document: string, file: string): Manifest {
  const manifest: unknown = loadYaml(document);
  const result = manifestSchema.safeParse(manifest);
  if (!result.success) throw new Error(`${file}: not a Kubernetes object: ${result.error.message}`);
  return manifest as Manifest;
}

async function waitUntilEstablished(api: ApiextensionsV1Api, name: string): Promise<void> {
  const deadline = Date.now() + ESTABLISHED_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const crd = await api.readCustomResourceDefinition({ name });
    const established = crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
    if (established === true) return;
    await sleep(100);
  }
  throw new Error(`CustomResourceDefinition ${name} not Established after ${ESTABLISHED_TIMEOUT_MS} ms`);
}
