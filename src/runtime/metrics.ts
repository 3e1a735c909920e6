import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, exponentialBuckets } from "prom-client";
import type { ControllerMetrics, ReconcileOutcome } from "./controller.js";
import type { InformerMetrics } from "./informer.js";
import type { ProcessingProbe, WorkQueueMetrics } from "./workqueue.js";

// controller-runtime's buckets, so its dashboards read our histograms the same way.
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5,
  1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
const WORKQUEUE_BUCKETS = exponentialBuckets(1e-8, 10, 12);
const RECONCILE_RESULTS = ["success", "error", "requeue", "requeue_after"] as const;

/** Prometheus metrics with controller-runtime's names plus the operator's own. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const reconcileTotal = new Counter({
    name: "controller_runtime_reconcile_total",
    help: "Total number of reconciliations per controller",
    labelNames: ["controller", "result"] as const,
    registers,
  });
  const reconcileErrors = new Counter({
    name: "controller_runtime_reconcile_errors_total",
    help: "Total number of reconciliation errors per controller",
    labelNames: ["controller"] as const,
    registers,
  });
  const terminalReconcileErrors = new Counter({
    name: "controller_runtime_terminal_reconcile_errors_total",
    help: "Total number of terminal reconciliation errors per controller",
    labelNames: ["controller"] as const,
    registers,
  });
  const reconcileTime = new Histogram({
    name: "controller_runtime_reconcile_time_seconds",
    help: "Length of time per reconciliation per controller",
    labelNames: ["controller"] as const,
    buckets: RECONCILE_TIME_BUCKETS,
    registers,
  });
  const activeWorkers = new Gauge({
    name: "controller_runtime_active_workers",
    help: "Number of currently used workers per controller",
    labelNames: ["controller"] as const,
    registers,
  });
  const maxConcurrentReconciles = new Gauge({
    name: "controller_runtime_max_concurrent_reconciles",
    help: "Maximum number of concurrent reconciles per controller",
    labelNames: ["controller"] as const,
    registers,
  });

  const workqueue = createWorkQueueMetrics(registers);

  const unleashRequests = new Counter({
    name: "unleash_requests_total",
    help: "Requests sent to Unleash by route template and HTTP status code",
    labelNames: ["route", "code"] as const,
    registers,
  });
  const unleashRequestDuration = new Histogram({
    name: "unleash_request_duration_seconds",
    help: "Duration of requests sent to Unleash by route template",
    labelNames: ["route"] as const,
    registers,
  });
  const unleashSkippedEntries = new Counter({
    name: "unleash_list_entries_skipped_total",
    help: "Entries of Unleash list answers (account, token, role) that did not parse and were skipped",
    labelNames: ["entry", "route"] as const,
    registers,
  });
  const informerWatchHealthy = new Gauge({
    name: "informer_watch_healthy",
    help: "1 while the informer is synced and its watch is receiving traffic, 0 while it is stalled or failing",
    labelNames: ["resource"] as const,
    registers,
  });
  const informerRelists = new Counter({
    name: "informer_relists_total",
    help: "Number of times an informer listed its resource again (410 Gone, inactive watch, errors)",
    labelNames: ["resource"] as const,
    registers,
  });

  function forController(controller: string): ControllerMetrics {
    for (const result of RECONCILE_RESULTS) reconcileTotal.inc({ controller, result }, 0);
    reconcileErrors.inc({ controller }, 0);
    terminalReconcileErrors.inc({ controller }, 0);
    activeWorkers.set({ controller }, 0);
    return {
      maxConcurrentReconciles: (workers) => maxConcurrentReconciles.set({ controller }, workers),
      reconcileStarted: () => activeWorkers.inc({ controller }),
      reconciled: (outcome: ReconcileOutcome, seconds: number) => {
        activeWorkers.dec({ controller });
        reconcileTime.observe({ controller }, seconds);
        const failed = outcome === "error" || outcome === "terminal_error";
        reconcileTotal.inc({ controller, result: failed ? "error" : outcome });
        if (failed) reconcileErrors.inc({ controller });
        if (outcome === "terminal_error") terminalReconcileErrors.inc({ controller });
      },
    };
  }

  const tokenRotations = new Counter({
    name: "unleash_token_rotations_total",
    help: "Tokens issued, by why: Initial, Renewal, LifetimeChanged, RotationRequested, SecretRenamed, or a repair (SecretMissing, SecretEdited, TokenRevoked, TokenExpired)",
    labelNames: ["reason"] as const,
    registers,
  });

  let isLeading = () => false;
  new Gauge({
    name: "unleash_operator_leader",
    help: "1 on the replica whose controllers run (it holds the lease, or leader election is off), 0 on a standby",
    registers,
    collect() {
      this.set(isLeading() ? 1 : 0);
    },
  });
  /** What `unleash_operator_leader` reports at every scrape (the manager's running state). */
  function leading(running: () => boolean): void {
    isLeading = running;
  }

  function forInformer(resource: string): InformerMetrics {
    informerRelists.inc({ resource }, 0);
    return {
      watchHealthy: (healthy) => informerWatchHealthy.set({ resource }, healthy ? 1 : 0),
      relisted: () => informerRelists.inc({ resource }),
    };
  }

  return {
    registry,
    reconcileTotal,
    reconcileErrors,
    reconcileTime,
    unleashRequests,
    unleashRequestDuration,
    unleashSkippedEntries,
    tokenRotations,
    leading,
    forController,
    forWorkQueue: workqueue.forWorkQueue,
    forInformer,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

function createWorkQueueMetrics(registers: Registry[]) {
  const probes = new Map<string, ProcessingProbe>();
  const depth = new Gauge({
    name: "workqueue_depth",
    help: "Current depth of workqueue",
    labelNames: ["name"] as const,
    registers,
  });
  const adds = new Counter({
    name: "workqueue_adds_total",
    help: "Total number of adds handled by workqueue",
    labelNames: ["name"] as const,
    registers,
  });
  const queueDuration = new Histogram({
    name: "workqueue_queue_duration_seconds",
    help: "How long in seconds an item stays in workqueue before being requested",
    labelNames: ["name"] as const,
    buckets: WORKQUEUE_BUCKETS,
    registers,
  });
  const workDuration = new Histogram({
    name: "workqueue_work_duration_seconds",
    help: "How long in seconds processing an item from workqueue takes",
    labelNames: ["name"] as const,
    buckets: WORKQUEUE_BUCKETS,
    registers,
  });
  const retries = new Counter({
    name: "workqueue_retries_total",
    help: "Total number of retries handled by workqueue",
    labelNames: ["name"] as const,
    registers,
  });
  // Both gauges are computed when scraped, from the queues' in-flight keys.
  new Gauge({
    name: "workqueue_longest_running_processor_seconds",
    help: "How many seconds has the longest running processor for workqueue been running",
    labelNames: ["name"] as const,
    registers,
    collect() {
      for (const [name, probe] of probes) this.set({ name }, probe.longestRunningProcessorSeconds());
    },
  });
  new Gauge({
    name: "workqueue_unfinished_work_seconds",
    help: "How many seconds of work has been done that is in progress and hasn't been observed by work_duration",
    labelNames: ["name"] as const,
    registers,
    collect() {
      for (const [name, probe] of probes) this.set({ name }, probe.unfinishedWorkSeconds());
    },
  });

  function forWorkQueue(name: string): WorkQueueMetrics {
    depth.set({ name }, 0);
    adds.inc({ name }, 0);
    retries.inc({ name }, 0);
    return {
      depth: (length) => depth.set({ name }, length),
      added: () => adds.inc({ name }),
      queued: (seconds) => queueDuration.observe({ name }, seconds),
      worked: (seconds) => workDuration.observe({ name }, seconds),
      retried: () => retries.inc({ name }),
      observeProcessing: (probe) => probes.set(name, probe),
    };
  }

  return { forWorkQueue };
}
