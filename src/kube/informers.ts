import type { KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { GROUP, VERSION } from "../api/v1alpha1/common.js";
import { kinds, type KindName } from "../api/v1alpha1/resources.js";
import type { Metrics } from "../runtime/metrics.js";
import { Informer, type InformerHandlers } from "../runtime/informer.js";
import type { Lister } from "../runtime/lister.js";

export interface InformerFactory {
  kubeConfig: KubeConfig;
  logger: Logger;
  metrics: Metrics;
  watchInactivityTimeoutMs?: number;
}

export type InformedKind = KindName | "Secret" | "Namespace";

/** Collection path of a kind, across all namespaces when `namespace` is undefined. */
export function collectionPath(kind: InformedKind, namespace: string | undefined): string {
  const scope = namespace ? `/namespaces/${namespace}` : "";
  if (kind === "Namespace") return "/api/v1/namespaces";
  if (kind === "Secret") return `/api/v1${scope}/secrets`;
  return `/apis/${GROUP}/${VERSION}${kinds[kind].namespaced ? scope : ""}/${kinds[kind].plural}`;
}

/**
 * One informer per watched namespace (or one for all), presented as one
 * cache, so the controllers never care how the operator was scoped.
 */
export class ScopedInformers<T> implements Lister<T> {
  readonly informers: Informer<T>[];

  constructor(
    factory: InformerFactory,
    kind: InformedKind,
    namespaces: readonly (string | undefined)[],
    parse: (raw: unknown) => T | undefined,
    labelSelector?: string,
  ) {
    this.informers = namespaces.map(
      (namespace) =>
        new Informer<T>({
          kubeConfig: factory.kubeConfig,
          path: collectionPath(kind, namespace),
          parse,
          logger: factory.logger,
          metrics: factory.metrics.forInformer(namespace ? `${kind}/${namespace}` : kind),
          ...(labelSelector ? { labelSelector } : {}),
          ...(factory.watchInactivityTimeoutMs ? { watchInactivityTimeoutMs: factory.watchInactivityTimeoutMs } : {}),
        }),
    );
  }

  on<E extends keyof InformerHandlers<T>>(event: E, handler: InformerHandlers<T>[E]): void {
    for (const informer of this.informers) informer.on(event, handler);
  }

  get(key: string): T | undefined {
    for (const informer of this.informers) {
      const found = informer.get(key);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  list(): T[] {
    return this.informers.flatMap((informer) => informer.list());
  }

  start(): void {
    for (const informer of this.informers) informer.start();
  }

  async whenSynced(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.whenSynced()));
  }

  isHealthy(): boolean {
    return this.informers.every((informer) => informer.isHealthy());
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((informer) => informer.stop()));
  }
}
