import type { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { z } from "zod";
import { Informer, type InformerOptions } from "../../../src/runtime/informer.js";

const configMapSchema = z.object({
  metadata: z.object({ name: z.string(), namespace: z.string(), resourceVersion: z.string() }),
  data: z.record(z.string(), z.string()).optional(),
});
export type ConfigMap = z.infer<typeof configMapSchema>;

export interface Recorded {
  /** "add NAME", "update NAME V", "delete NAME", in order. */
  events: string[];
  relists: number;
}

/** An informer over one namespace's ConfigMaps that records what it reports. */
export function startConfigMapInformer(
  kubeConfig: KubeConfig,
  namespace: string,
  overrides: Partial<InformerOptions<ConfigMap>> = {},
): { informer: Informer<ConfigMap>; recorded: Recorded } {
  const recorded: Recorded = { events: [], relists: 0 };
  const informer = new Informer<ConfigMap>({
    kubeConfig,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    parse: (raw) => configMapSchema.safeParse(raw).data,
    backoff: { initialMs: 100, maxMs: 1000 },
    logger: pino({ level: "silent" }),
    metrics: { watchHealthy: () => {}, relisted: () => (recorded.relists += 1) },
    ...overrides,
  });
  informer.on("add", (cm) => recorded.events.push(`add ${cm.metadata.name}`));
  informer.on("update", (cm) => recorded.events.push(`update ${cm.metadata.name} ${cm.data?.["v"]}`));
  informer.on("delete", (cm) => recorded.events.push(`delete ${cm.metadata.name}`));
  informer.start();
  return { informer, recorded };
}
