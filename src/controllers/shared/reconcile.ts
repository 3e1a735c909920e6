import type { Logger } from "pino";
import { stalled, type Outcome } from "../../api/v1alpha1/conditions.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { KindName, Resource } from "../../api/v1alpha1/resources.js";
import type { CustomResourceClient } from "../../kube/custom-resources.js";
import type { EventSink } from "../../kube/events.js";
import { ExpectedRetry, type ObjectKey, type Reconciler, type ReconcileRequest, type ReconcileResult } from "../../runtime/controller.js";
import { isConflict } from "../../kube/api-errors.js";
import type { Lister } from "../../runtime/lister.js";
import { keyToString } from "../../runtime/object-key.js";
import { ABANDON_ANNOTATION, abandons, withAbandonHint } from "./abandon.js";
import { isPaused, PAUSE_ANNOTATION } from "./pause.js";
import { isStaleWrite, outcomeForError } from "./outcomes.js";
import { reportOutcome, specErrorMessage, type Reporter } from "./report.js";
import { RepairBudget } from "./repair-budget.js";
import { customResourceFinalizers, ensureFinalizer, FINALIZER, hasFinalizer, removeFinalizer, StatusWriters, type StatusBase, type StatusWriter } from "./status.js";

/** What every step of one reconcile of a resource gets. */
export interface ReconcileContext<Status extends StatusBase> {
  meta: ObjectMeta;
  status: StatusWriter<Status>;
  reporter: Reporter;
  logger: Logger;
  signal: AbortSignal;
}

/** The kind-specific half of a reconciler; the template below is the other half, the same for every kind. */
export interface KindReconciler<Spec, Status extends StatusBase, Facts, Lenient = Facts> {
  readonly kind: KindName;
  /** The finalizer the template keeps while the resource lives, and removes once `finalize` is done; none for connections. */
  readonly finalizer: string | undefined;
  readonly lister: Lister<Resource<Spec, Status, Lenient>>;
  /** The resource is gone from the cache. */
  forget?(key: ObjectKey): void;
  /** What deleting the resource needs: from its spec or, when that no longer parses, from what it leniently says; undefined when too little. */
  factsOf(resource: Resource<Spec, Status, Lenient>): Facts | undefined;
  /** Cleans up for a resource being deleted; undefined when done (the finalizer goes), a result to wait. */
  finalize(context: ReconcileContext<Status> & { facts: Facts }): Promise<ReconcileResult | undefined>;
  /** Brings Unleash and the cluster in line with a valid spec and reports the outcome. */
  sync(context: ReconcileContext<Status> & { spec: Spec; resource: Resource<Spec, Status, Lenient> }): Promise<ReconcileResult>;
  /** The connection whose pause annotation pauses this resource too, when it has one. */
  pausedBy?(resource: Resource<Spec, Status, Lenient>): string | undefined;
  /** A Stalled resource is looked at again after this long, for what no event announces (e.g. a Secret it does not watch). */
  readonly recheckStalledAfterMs?: number;
  /** Status fields written with a failure (e.g. a count of failed attempts); the current status by default. */
  failureFields?(current: Status, outcome: Outcome, retry: boolean): Omit<Status, "conditions" | "observedGeneration">;
}

/**
 * What the kinds that clean Unleash up share: the operator's finalizer, a repair budget, and the facts
 * of deletion taken from the spec, or from its lenient reading when it no longer parses.
 */
export abstract class CleaningUpKind<Spec extends Facts, Status extends StatusBase, Facts> {
  readonly finalizer = FINALIZER;
  protected readonly repairs = new RepairBudget();

  constructor(readonly lister: Lister<Resource<Spec, Status, Facts>>) {}

  factsOf(resource: Resource<Spec, Status, Facts>): Facts | undefined {
    return resource.spec.success ? resource.spec.data : resource.finalization;
  }
}

export interface TemplateDeps {
  resources: Pick<CustomResourceClient, "patchStatus" | "setFinalizers">;
  events: EventSink;
  now: () => Date;
}

/**
 * One reconcile for every kind: look up; if being deleted, finalize (always, even when the spec no longer
 * parses); if the spec is invalid, report InvalidSpec; ensure the finalizer; sync; report the outcome.
 * Done, requeue-after, terminal (Stalled) or an error that backs off.
 */
export class ReconcileTemplate<Spec, Status extends StatusBase, Facts, Lenient = Facts> implements Reconciler {
  readonly #statuses: StatusWriters<Status>;

  constructor(
    private readonly kind: KindReconciler<Spec, Status, Facts, Lenient>,
    private readonly deps: TemplateDeps,
  ) {
    this.#statuses = new StatusWriters(deps.resources, kind.kind, deps.now);
  }

  /** A status change that is not this process's own write is news: a stale writer, or a person editing status. */
  isOwnStatus(uid: string, status: Status): boolean {
    return this.#statuses.isOwnEcho(uid, status);
  }

  async reconcile({ key, signal, logger }: ReconcileRequest): Promise<ReconcileResult> {
    const resource = this.kind.lister.get(keyToString(key));
    if (!resource) {
      this.kind.forget?.(key);
      return {};
    }
    const meta = resource.metadata;
    const status = this.#statuses.for(meta, resource.status);
    const reporter: Reporter = { kind: this.kind.kind, meta, events: this.deps.events, logger };
    const context: ReconcileContext<Status> = { meta, status, reporter, logger, signal };
    try {
      const pause = isPaused(meta) ? `this ${this.kind.kind}` : this.kind.pausedBy?.(resource);
      if (pause) {
        await status.markReconciling("Paused", `paused by ${PAUSE_ANNOTATION}=true on ${pause}: the operator writes nothing for it until the annotation is removed`);
        return {};
      }
      if (meta.deletionTimestamp) return await this.#delete(context, resource);
      if (!resource.spec.success) return await this.#report(context, stalled("InvalidSpec", specErrorMessage(resource.spec.error.issues)));
      if (this.kind.finalizer) await ensureFinalizer(this.#finalizers(meta), meta, this.kind.finalizer);
      return await this.kind.sync({ ...context, spec: resource.spec.data, resource });
    } catch (err) {
      // Lost a race with another write: start again from fresh state, without alarming anyone.
      if (isConflict(err)) throw new ExpectedRetry("a write met a newer version of its object (409 Conflict); retrying from fresh state", { cause: err });
      if (isStaleWrite(err)) throw err;
      const { outcome, retry } = outcomeForError(err);
      const fields = this.kind.failureFields?.(status.current, outcome, retry) ?? status.current;
      await reportOutcome(reporter, status, meta.deletionTimestamp ? withAbandonHint(outcome) : outcome, fields);
      if (retry) throw err;
      return this.#stalled();
    }
  }

  async #delete(context: ReconcileContext<Status>, resource: Resource<Spec, Status, Lenient>): Promise<ReconcileResult> {
    const { finalizer } = this.kind;
    if (finalizer && !hasFinalizer(context.meta, finalizer)) return {};
    const facts = this.kind.factsOf(resource);
    if (facts === undefined) {
      // Nothing says where its Unleash objects are: only the explicit escape releases it.
      if (!abandons(context.meta) || !finalizer) {
        const why = resource.spec.success ? "" : `: ${specErrorMessage(resource.spec.error.issues)}`;
        return this.#report(context, stalled("InvalidSpec", `cannot clean up: the spec says too little${why}; annotate ${ABANDON_ANNOTATION}=true to release it`));
      }
      context.reporter.events.record(this.kind.kind, context.meta, "Warning", "Abandoned", `Released without touching Unleash (${ABANDON_ANNOTATION}=true)`);
    } else {
      const result = await this.kind.finalize({ ...context, facts });
      if (result) return result;
    }
    if (finalizer) await removeFinalizer(this.#finalizers(context.meta), context.meta, finalizer);
    return {};
  }

  async #report(context: ReconcileContext<Status>, outcome: Outcome): Promise<ReconcileResult> {
    await reportOutcome(context.reporter, context.status, outcome);
    return this.#stalled();
  }

  #stalled(): ReconcileResult {
    const recheck = this.kind.recheckStalledAfterMs;
    return recheck === undefined ? { terminal: true } : { requeueAfterMs: recheck };
  }

  #finalizers(meta: ObjectMeta) {
    return customResourceFinalizers(this.deps.resources, this.kind.kind, meta);
  }
}
