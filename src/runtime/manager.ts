import type { Logger } from "pino";
import { Controller, type Reconciler } from "./controller.js";
import type { Metrics } from "./metrics.js";
import { ResourceGauges } from "./resource-metrics.js";
import { WorkQueue } from "./workqueue.js";

/** An informer (or several presented as one) as the manager runs it. */
export interface Source {
  start(): void;
  whenSynced(): Promise<void>;
  isHealthy(): boolean;
  stop(): Promise<void>;
}

export interface ManagerOptions {
  logger: Logger;
  metrics: Metrics;
  maxConcurrentReconciles: number;
  resyncPeriodMs: number;
}

/**
 * controller-runtime's Manager, in small: it owns the sources (informers) and
 * the controllers, starts the controllers once every cache is synced, runs the
 * periodic resync, and stops everything in order. Controllers declare their own
 * watches (see each controller's setup); the manager knows none of them.
 */
export class Manager {
  readonly #sources: Source[] = [];
  readonly #controllers: Controller[] = [];
  readonly #beforeResync: Array<() => void> = [];
  readonly #onStop: Array<() => Promise<void>> = [];
  readonly #periodic: Array<{ intervalMs: number; run: () => Promise<void> }> = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #abort = new AbortController();
  #resyncTimer: NodeJS.Timeout | undefined;
  #running = false;
  /** Per-resource gauges; exported only while the controllers run, i.e. while this replica leads. */
  readonly resourceGauges: ResourceGauges;

  constructor(private readonly options: ManagerOptions) {
    this.resourceGauges = new ResourceGauges(options.metrics.registry, () => this.#running);
    options.metrics.leading(() => this.#running);
  }

  addSource<S extends Source>(source: S): S {
    this.#sources.push(source);
    return source;
  }

  /** A controller named `name` (its metrics and queue too), started with the manager. */
  controller(name: string, reconciler: Reconciler): Controller {
    const { logger, metrics } = this.options;
    const controller = new Controller({ name, reconciler, logger, metrics: metrics.forController(name), queue: new WorkQueue({ metrics: metrics.forWorkQueue(name) }) });
    this.#controllers.push(controller);
    return controller;
  }

  /** Runs before every periodic resync queues the controllers' objects (e.g. to drop cached Unleash state). */
  beforeResync(hook: () => void): void {
    this.#beforeResync.push(hook);
  }

  /** Runs `run` every `intervalMs` while the controllers run (e.g. to poll Unleash); a run still going skips the next. */
  every(intervalMs: number, run: () => Promise<void>): void {
    this.#periodic.push({ intervalMs, run });
  }

  /** Runs last at stop, after the controllers and sources (e.g. to close connections). */
  onStop(hook: () => Promise<void>): void {
    this.#onStop.push(hook);
  }

  async start(): Promise<void> {
    for (const source of this.#sources) source.start();
    await Promise.all(this.#sources.map((source) => source.whenSynced()));
    for (const controller of this.#controllers) controller.start(this.options.maxConcurrentReconciles);
    this.#running = true;
    this.#resyncTimer = setInterval(() => this.#resync(), this.options.resyncPeriodMs);
    this.#resyncTimer.unref();
    for (const { intervalMs, run } of this.#periodic) this.#timers.push(periodically(intervalMs, run, this.options.logger));
  }

  /** Aborted when the stop deadline passes with work still in flight: calls that take it (Unleash's) end at once. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Every source is synced and its watch alive. */
  isHealthy(): boolean {
    return this.#sources.every((source) => source.isHealthy());
  }

  async stop(deadlineMs: number): Promise<void> {
    this.#running = false;
    clearInterval(this.#resyncTimer);
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    const deadline = setTimeout(() => this.#abort.abort(new Error("the operator is stopping")), deadlineMs);
    await Promise.all(this.#controllers.map((controller) => controller.stop(deadlineMs)));
    clearTimeout(deadline);
    await Promise.all(this.#sources.map((source) => source.stop()));
    await Promise.all(this.#onStop.map((hook) => hook()));
  }

  #resync(): void {
    for (const hook of this.#beforeResync) hook();
    for (const controller of this.#controllers) controller.resync();
  }
}

/** An interval that never overlaps itself and never lets a failure escape. */
function periodically(intervalMs: number, run: () => Promise<void>, logger: Logger): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    run()
      .catch((err: unknown) => logger.warn({ err }, "periodic task failed; it runs again at its next interval"))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return timer;
}
