import { randomBytes } from "node:crypto";
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION } from "../api/v1alpha1/common.js";
import type { ObjectMeta } from "../api/v1alpha1/metadata.js";
import { redactSecrets } from "../logging/scrub.js";

export type EventType = "Normal" | "Warning";

export interface EventSink {
  record(kind: string, meta: ObjectMeta, type: EventType, reason: string, message: string): void;
}

interface SentEvent {
  name: string;
  namespace: string;
  count: number;
}

const COMPONENT = "unleash-accounts-operator";
const MAX_REMEMBERED = 4096;
/** The API server refuses longer event messages. */
const MAX_EVENT_MESSAGE = 1024;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

/**
 * Records core/v1 Events. A repeat of the same event on the same object bumps
 * the count of the existing Event instead of creating another, as client-go's
 * recorder does. Recording never throws: events are best effort.
 */
export class EventRecorder implements EventSink {
  readonly #api: CoreV1Api;
  readonly #sent = new Map<string, SentEvent>();

  constructor(kubeConfig: KubeConfig, private readonly logger: Logger, private readonly instance: string) {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
  }

  record(kind: string, meta: ObjectMeta, type: EventType, reason: string, message: string): void {
    this.#send(kind, meta, type, reason, redactSecrets(message).slice(0, MAX_EVENT_MESSAGE)).catch((err: unknown) =>
      this.logger.warn({ err, reason, object: meta.name }, "could not record event"),
    );
  }

  async #send(kind: string, meta: ObjectMeta, type: EventType, reason: string, message: string): Promise<void> {
    const dedupeKey = `${meta.uid}\u0000${type}\u0000${reason}\u0000${message}`;
    const now = new Date();
    const previous = this.#sent.get(dedupeKey);
    if (previous) {
      previous.count += 1;
      await this.#api.patchNamespacedEvent(
        { name: previous.name, namespace: previous.namespace, body: { count: previous.count, lastTimestamp: now } },
        mergePatch,
      );
      return;
    }
    const namespace = meta.namespace ?? "default";
    const name = `${meta.name}.${randomBytes(8).toString("hex")}`;
    await this.#api.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name, namespace },
        involvedObject: { apiVersion: API_VERSION, kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: this.instance,
      },
    });
    if (this.#sent.size >= MAX_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value as string);
    this.#sent.set(dedupeKey, { name, namespace, count: 1 });
  }
}
