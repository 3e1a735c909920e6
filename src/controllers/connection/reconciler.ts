import { progressing, ready } from "../../api/v1alpha1/conditions.js";
import type { ConnectionStatus } from "../../api/v1alpha1/connection.js";
import type { KindName, Resource } from "../../api/v1alpha1/resources.js";
import type { ObjectKey, ReconcileResult } from "../../runtime/controller.js";
import type { Lister } from "../../runtime/lister.js";
import { reportOutcome } from "../shared/report.js";
import type { KindReconciler, ReconcileContext } from "../shared/reconcile.js";
import type { AnyConnectionSpec, ConnectionProtection } from "./protection.js";
import { connectionIdOf, type ConnectionRegistry } from "./registry.js";

export type ConnectionKind = Extract<KindName, "ClusterUnleashConnection" | "UnleashConnection">;

type AnyConnectionResource = Resource<AnyConnectionSpec, ConnectionStatus, AnyConnectionSpec>;

export interface ConnectionReconcilerDeps {
  lister: Lister<AnyConnectionResource>;
  connections: Pick<ConnectionRegistry, "connect" | "forget">;
  protection: Pick<ConnectionProtection, "sync">;
  /** The resources that use the connection with this id ("ServiceAccount team-a/app", ...). */
  dependents(connectionId: string): string[];
}

/** The admin-token Secret is not watched (it is not the operator's), so a broken connection looks again soon. */
const RECHECK_BROKEN_MS = 30_000;
/** A message names this many dependents, then counts the rest. */
const NAMED_DEPENDENTS = 10;

/**
 * Reports whether a connection can reach Unleash with its admin token, and
 * holds it and its Secrets while resources use it. Serves both connection kinds.
 */
/** A connection's deletion needs its spec only to release its Secrets; without a valid one it releases itself alone. */
interface ConnectionFacts {
  spec: AnyConnectionSpec | undefined;
}

export class ConnectionReconciler implements KindReconciler<AnyConnectionSpec, ConnectionStatus, ConnectionFacts, AnyConnectionSpec> {
  readonly finalizer = undefined;
  readonly recheckStalledAfterMs = RECHECK_BROKEN_MS;

  constructor(
    readonly kind: ConnectionKind,
    private readonly deps: ConnectionReconcilerDeps,
  ) {}

  get lister(): Lister<AnyConnectionResource> {
    return this.deps.lister;
  }

  forget(key: ObjectKey): void {
    this.deps.connections.forget(this.#id(key));
  }

  factsOf(resource: AnyConnectionResource): ConnectionFacts {
    return { spec: resource.spec.success ? resource.spec.data : undefined };
  }

  async finalize(context: ReconcileContext<ConnectionStatus> & { facts: ConnectionFacts }): Promise<ReconcileResult | undefined> {
    const id = this.#id(context.meta);
    await this.deps.protection.sync(this.#protected(context, context.facts.spec));
    const dependents = this.deps.dependents(id);
    if (dependents.length === 0) {
      this.deps.connections.forget(id);
      return undefined;
    }
    await reportOutcome(context.reporter, context.status, progressing("InUse", `deletion waits until the resources using this connection are deleted first: ${named(dependents)}`));
    return {};
  }

  async sync(context: ReconcileContext<ConnectionStatus> & { spec: AnyConnectionSpec }): Promise<ReconcileResult> {
    await this.deps.protection.sync(this.#protected(context, context.spec));
    const client = await this.deps.connections.connect(this.#id(context.meta), context.spec, context.meta.namespace);
    await client.snapshots.get();
    await context.status.write({}, ready(`Unleash at ${client.url} accepted the admin token`, "ConnectionReady"));
    return {};
  }

  failureFields(): ConnectionStatus {
    return {};
  }

  #id(key: ObjectKey): string {
    return connectionIdOf({ kind: this.kind, name: key.name }, key.namespace ?? "");
  }

  #protected(context: ReconcileContext<ConnectionStatus>, spec: AnyConnectionSpec | undefined) {
    return { kind: this.kind, id: this.#id(context.meta), meta: context.meta, spec, namespace: context.meta.namespace };
  }
}

function named(dependents: readonly string[]): string {
  const shown = dependents.slice(0, NAMED_DEPENDENTS).join(", ");
  return dependents.length > NAMED_DEPENDENTS ? `${shown} and ${dependents.length - NAMED_DEPENDENTS} more` : shown;
}
