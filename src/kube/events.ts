import { randomBytes } from "node:crypto";
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { API_VERSION } from "../api/v1alpha1/common.js";
import type { ObjectMeta } from "../api/v1alpha1/metadata.js";
import { redactSecrets } from "../logging/scrub.js";
import { EventCorrelator } from "./event-correlator.js";

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
/** Events waiting to be sent; beyond this they are dropped, as client-go's broadcaster drops on a full channel. */
const MAX_PENDING = 1000;
const SENDERS = 4;
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

type Send = () => Promise<void>;

/**
 * Records core/v1 Events off the reconcile path: `record` only queues, a few
 * senders drain the queue, and the correlator aggregates repeats and drops a
 * storm (client-go's EventCorrelator). Recording never throws and never waits:
 * events are best effort.
 */
export class EventRecorder implements EventSink {
  readonly #api: CoreV1Api;
  readonly #correlator = new EventCorrelator();
  readonly #sent = new Map<string, SentEvent>();
  readonly #pending: Send[] = [];
  #senders = 0;

  constructor(
    kubeConfig: KubeConfig,
    private readonly logger: Logger,
    private readonly instance: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
  }

  record(kind: string, meta: ObjectMeta, type: EventType, reason: string, message: string): void {
    const cleaned = redactSecrets(message).slice(0, MAX_EVENT_MESSAGE);
    const at = this.now();
    const correlation = this.#correlator.correlate({ objectUid: meta.uid, type, reason, message: cleaned }, at.getTime());
    if (correlation.action === "drop") return void this.logger.debug({ reason, object: meta.name }, "event dropped by the spam filter");
    if (this.#pending.length >= MAX_PENDING) return void this.logger.warn({ reason, object: meta.name }, "event queue full; event dropped");
    const { key } = correlation;
    this.#pending.push(
      correlation.action === "count" ? () => this.#count(key, at) : () => this.#create(key, { kind, meta, type, reason, message: correlation.message, at }),
    );
    this.#drain();
  }

  #drain(): void {
    while (this.#senders < SENDERS && this.#pending.length > 0) {
      const send = this.#pending.shift();
      if (!send) return;
      this.#senders += 1;
      void send()
        .catch((err: unknown) => this.logger.warn({ err }, "could not record event"))
        .finally(() => {
          this.#senders -= 1;
          this.#drain();
        });
    }
  }

  /** A repeat that arrives while its Event is still being created is not counted: a count is best effort too. */
  async #count(key: string, at: Date): Promise<void> {
    const previous = this.#sent.get(key);
    if (!previous) return;
    previous.count += 1;
    await this.#api.patchNamespacedEvent({ name: previous.name, namespace: previous.namespace, body: { count: previous.count, lastTimestamp: at } }, mergePatch);
  }

  async #create(key: string, event: { kind: string; meta: ObjectMeta; type: EventType; reason: string; message: string; at: Date }): Promise<void> {
    const { meta, at } = event;
    const namespace = meta.namespace ?? "default";
    const name = `${meta.name}.${randomBytes(8).toString("hex")}`;
    await this.#api.createNamespacedEvent({
      namespace,
      body: {
        metadata: { name, namespace },
        involvedObject: { apiVersion: API_VERSION, kind: event.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
        type: event.type,
        reason: event.reason,
        message: event.message,
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
        source: { component: COMPONENT },
        reportingComponent: COMPONENT,
        reportingInstance: this.instance,
      },
    });
    if (this.#sent.size >= MAX_REMEMBERED) this.#sent.delete(this.#sent.keys().next().value as string);
    this.#sent.set(key, { name, namespace, count: 1 });
  }
}
