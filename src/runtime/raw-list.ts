import { HttpMethod, type KubeConfig, RequestContext } from "@kubernetes/client-node";
import { fetch } from "undici";
import { z } from "zod";

export interface ListResult {
  items: unknown[];
  resourceVersion: string;
}

const listPageSchema = z.object({
  metadata: z.object({ resourceVersion: z.string(), continue: z.string().optional() }),
  items: z.array(z.unknown()).nullable(),
});

const PAGE_SIZE = 500;

/**
 * Lists `path` as raw JSON, page by page, with the same authentication the client's Watch uses,
 * so that list and watch hand the informer objects of one shape.
 */
export async function listRaw(
  kubeConfig: KubeConfig,
  path: string,
  options: { labelSelector?: string; signal?: AbortSignal },
): Promise<ListResult> {
  const items: unknown[] = [];
  let resourceVersion: string | undefined;
  let continueToken: string | undefined;
  do {
    const page = await fetchPage(kubeConfig, path, { ...options, continueToken });
    items.push(...(page.items ?? []));
    resourceVersion ??= page.metadata.resourceVersion;
    continueToken = page.metadata.continue || undefined;
  } while (continueToken);
  return { items, resourceVersion: resourceVersion ?? "" };
}

async function fetchPage(
  kubeConfig: KubeConfig,
  path: string,
  options: { labelSelector?: string; signal?: AbortSignal; continueToken?: string },
): Promise<z.infer<typeof listPageSchema>> {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("kubeconfig has no current cluster");
  const url = new URL(cluster.server + path);
  url.searchParams.set("limit", String(PAGE_SIZE));
  if (options.labelSelector) url.searchParams.set("labelSelector", options.labelSelector);
  if (options.continueToken) url.searchParams.set("continue", options.continueToken);
  const context = new RequestContext(url.toString(), HttpMethod.GET);
  await kubeConfig.applySecurityAuthentication(context);
  const response = await fetch(url, {
    headers: context.getHeaders(),
    dispatcher: context.getDispatcher(),
    signal: options.signal ?? null,
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    throw Object.assign(new Error(`listing ${path} failed with HTTP ${response.status}`), {
      statusCode: response.status,
    });
  }
  return listPageSchema.parse(await response.json());
}
