import type { Logger } from "pino";
import { ready, stalled } from "../../api/v1alpha1/conditions.js";
import type { ConnectionStatus } from "../../api/v1alpha1/connection.js";
import type { KindName } from "../../api/v1alpha1/resources.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { ObjectKey, Reconciler, ReconcileResult } from "../../runtime/controller.js";
import { keyToString } from "../../runtime/object-key.js";
import type { Listers } from "../shared/listers.js";
import { outcomeForError } from "../shared/outcomes.js";
import { reportOutcome, specErrorMessage, type Reporter } from "../shared/report.js";
import { StatusWriters } from "../shared/status.js";
import type { ConnectionRegistry } from "./registry.js";

export interface ConnectionReconcilerDeps {
  listers: Pick<Listers, "clusterConnections" | "connections">;
  connections: ConnectionRegistry;
  resources: CustomResourceClient;
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

const RECHECK_BROKEN_MS = 30_000;

/** Reports whether a connection can reach Unleash with its admin token. Serves both connection kinds. */
export class ConnectionReconciler implements Reconciler {
  readonly #statuses: StatusWriters<ConnectionStatus>;

  constructor(
    private readonly kind: Extract<KindName, "ClusterUnleashConnection" | "UnleashConnection">,
    private readonly deps: ConnectionReconcilerDeps,
  ) {
    this.#statuses = new StatusWriters(deps.resources, kind, deps.now);
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const id = `${this.kind}/${keyToString(key)}`;
    const lister = this.kind === "UnleashConnection" ? this.deps.listers.connections : this.deps.listers.clusterConnections;
    const resource = lister.get(keyToString(key));
    if (!resource) {
      this.deps.connections.forget(id);
      return {};
    }
    const status = this.#statuses.for(resource.metadata, resource.status);
    const reporter: Reporter = { kind: this.kind, meta: resource.metadata, events: this.deps.events, logger: this.deps.logger };
    if (!resource.spec.success) {
      await reportOutcome(reporter, status, stalled("InvalidSpec", specErrorMessage(resource.spec.error.issues)));
      return {};
    }
    try {
      const connection = await this.deps.connections.connect(id, resource.spec.data, key.namespace);
      await connection.snapshots.get();
      await status.write({}, ready(`Unleash at ${connection.url} accepted the admin token`, "ConnectionReady"));
    } catch (err) {
      const { outcome, retry } = outcomeForError(err);
      await reportOutcome(reporter, status, outcome, {});
      if (retry) throw err;
      // The admin-token Secret is not watched (it is not the operator's), so a broken connection looks again soon.
      return { requeueAfterMs: RECHECK_BROKEN_MS };
    }
    return {};
  }
}
