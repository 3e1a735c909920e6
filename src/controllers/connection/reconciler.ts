import type { Logger } from "pino";
import { progressing, ready, stalled } from "../../api/v1alpha1/conditions.js";
import type { ConnectionStatus } from "../../api/v1alpha1/connection.js";
import type { KindName } from "../../api/v1alpha1/resources.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import type { ObjectKey, Reconciler, ReconcileResult } from "../../runtime/controller.js";
import { keyToString } from "../../runtime/object-key.js";
import type { Listers } from "../shared/listers.js";
import { isStaleWrite, outcomeForError } from "../shared/outcomes.js";
import { reportOutcome, specErrorMessage, type Reporter } from "../shared/report.js";
import { StatusWriters } from "../shared/status.js";
import type { ConnectionProtection } from "./protection.js";
import { connectionIdOf, type ConnectionRegistry } from "./registry.js";

type ConnectionKind = Extract<KindName, "ClusterUnleashConnection" | "UnleashConnection">;

export interface ConnectionReconcilerDeps {
  listers: Pick<Listers, "clusterConnections" | "connections">;
  connections: ConnectionRegistry;
  resources: CustomResourceClient;
  protection: ConnectionProtection;
  /** The resources that use the connection with this id ("ServiceAccount team-a/app", ...). */
  dependents(connectionId: string): string[];
  events: EventSink;
  logger: Logger;
  now: () => Date;
}

const RECHECK_BROKEN_MS = 30_000;
/** A message names this many dependents, then counts the rest. */
const NAMED_DEPENDENTS = 10;

/**
 * Reports whether a connection can reach Unleash with its admin token, and
 * protects it and its Secrets from deletion while resources use it. Serves
 * both connection kinds.
 */
export class ConnectionReconciler implements Reconciler {
  readonly #statuses: StatusWriters<ConnectionStatus>;

  constructor(
    private readonly kind: ConnectionKind,
    private readonly deps: ConnectionReconcilerDeps,
  ) {
    this.#statuses = new StatusWriters(deps.resources, kind, deps.now);
  }

  /** A status change that is not this process's own write is news: a stale writer, or a person editing status. */
  isOwnStatus(uid: string, status: ConnectionStatus): boolean {
    return this.#statuses.isOwnEcho(uid, status);
  }

  async reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const id = connectionIdOf({ kind: this.kind, name: key.name }, key.namespace ?? "");
    const lister = this.kind === "UnleashConnection" ? this.deps.listers.connections : this.deps.listers.clusterConnections;
    const resource = lister.get(keyToString(key));
    if (!resource) {
      this.deps.connections.forget(id);
      return {};
    }
    const status = this.#statuses.for(resource.metadata, resource.status);
    const reporter: Reporter = { kind: this.kind, meta: resource.metadata, events: this.deps.events, logger: this.deps.logger };
    const connection = { kind: this.kind, id, meta: resource.metadata, spec: resource.spec.success ? resource.spec.data : undefined, namespace: key.namespace };
    const dependents = this.deps.dependents(id);
    try {
      await this.deps.protection.sync(connection);
      if (resource.metadata.deletionTimestamp) {
        if (dependents.length === 0) {
          this.deps.connections.forget(id);
          return {};
        }
        await reportOutcome(reporter, status, progressing("InUse", `deletion waits until the resources using this connection are deleted first: ${named(dependents)}`));
        return {};
      }
      if (!resource.spec.success) {
        await reportOutcome(reporter, status, stalled("InvalidSpec", specErrorMessage(resource.spec.error.issues)));
        return {};
      }
      const client = await this.deps.connections.connect(id, resource.spec.data, key.namespace);
      await client.snapshots.get();
      await status.write({}, ready(`Unleash at ${client.url} accepted the admin token`, "ConnectionReady"));
    } catch (err) {
      if (isStaleWrite(err)) throw err;
      const { outcome, retry } = outcomeForError(err);
      await reportOutcome(reporter, status, outcome, {});
      if (retry) throw err;
      // The admin-token Secret is not watched (it is not the operator's), so a broken connection looks again soon.
      return { requeueAfterMs: RECHECK_BROKEN_MS };
    }
    return {};
  }
}

function named(dependents: readonly string[]): string {
  const shown = dependents.slice(0, NAMED_DEPENDENTS).join(", ");
  return dependents.length > NAMED_DEPENDENTS ? `${shown} and ${dependents.length - NAMED_DEPENDENTS} more` : shown;
}
