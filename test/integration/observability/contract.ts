// The operator's metrics that alerts and dashboards may rely on: names and label names are
// an interface (README's metrics section), checked against a real scrape in scrape.test.ts.

export interface MetricContract {
  labels: readonly string[];
  /** Histograms are exported as _bucket (plus le), _sum and _count. */
  histogram?: boolean;
  /** Per-resource gauges: only the leader exports them, one series set per resource. */
  perResource?: boolean;
  /** No series until it first happens (a label value is only known then). */
  onlyOnceSeen?: boolean;
}

export const METRIC_CONTRACT: Readonly<Record<string, MetricContract>> = {
  unleash_token_ready_status: { labels: ["namespace", "name", "condition"], perResource: true },
  unleash_token_expiration_timestamp_seconds: { labels: ["namespace", "name"], perResource: true },
  unleash_token_renewal_timestamp_seconds: { labels: ["namespace", "name"], perResource: true },
  unleash_token_issued_timestamp_seconds: { labels: ["namespace", "name"], perResource: true },
  unleash_token_last_seen_timestamp_seconds: { labels: ["namespace", "name"], perResource: true },
  unleash_serviceaccount_ready_status: { labels: ["namespace", "name", "condition"], perResource: true },
  unleash_serviceaccount_tokens: { labels: ["namespace", "name"], perResource: true },
  unleash_connection_ready_status: { labels: ["kind", "namespace", "name", "condition"], perResource: true },
  unleash_connection_last_list_timestamp_seconds: { labels: ["kind", "namespace", "name"], perResource: true },
  unleash_resource_stalled: { labels: ["kind", "namespace", "name", "reason"], perResource: true },
  unleash_operator_leader: { labels: [] },
  unleash_token_rotations_total: { labels: ["reason"] },
  controller_runtime_reconcile_total: { labels: ["controller", "result"] },
  controller_runtime_reconcile_errors_total: { labels: ["controller"] },
  controller_runtime_reconcile_time_seconds: { labels: ["controller"], histogram: true },
  controller_runtime_active_workers: { labels: ["controller"] },
  workqueue_depth: { labels: ["name"] },
  workqueue_queue_duration_seconds: { labels: ["name"], histogram: true },
  workqueue_work_duration_seconds: { labels: ["name"], histogram: true },
  workqueue_retries_total: { labels: ["name"] },
  unleash_requests_total: { labels: ["route", "code"] },
  unleash_request_duration_seconds: { labels: ["route"], histogram: true },
  unleash_list_entries_skipped_total: { labels: ["entry", "route"], onlyOnceSeen: true },
  informer_watch_healthy: { labels: ["resource"] },
  informer_relists_total: { labels: ["resource"] },
  process_resident_memory_bytes: { labels: [] },
  process_cpu_seconds_total: { labels: [] },
  nodejs_heap_size_used_bytes: { labels: [] },
};

/**
 * Labels Prometheus adds to every scraped series: job and instance always, the rest from the
 * Prometheus Operator's ServiceMonitor. The ServiceMonitor sets honorLabels, so the
 * per-resource metrics keep their own namespace.
 */
export const TARGET_LABELS: ReadonlySet<string> = new Set(["job", "instance", "namespace", "pod", "service", "endpoint", "container"]);

/** Series Prometheus makes for each target itself, not scraped from it. */
export const SYNTHETIC_METRICS: ReadonlySet<string> = new Set(["up"]);
