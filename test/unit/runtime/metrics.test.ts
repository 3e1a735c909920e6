import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Controller, TerminalError } from "../../../src/runtime/controller.js";
import { type HealthServer, startHealthServer } from "../../../src/runtime/health-server.js";
import { createMetrics } from "../../../src/runtime/metrics.js";
import { ExponentialFailureRateLimiter } from "../../../src/runtime/rate-limiter.js";
import { WorkQueue } from "../../../src/runtime/workqueue.js";

const EXPECTED_NAMES = [
  "controller_runtime_reconcile_total",
  "controller_runtime_reconcile_errors_total",
  "controller_runtime_reconcile_time_seconds",
  "controller_runtime_active_workers",
  "controller_runtime_max_concurrent_reconciles",
  "workqueue_depth",
  "workqueue_adds_total",
  "workqueue_queue_duration_seconds",
  "workqueue_work_duration_seconds",
  "workqueue_retries_total",
  "workqueue_longest_running_processor_seconds",
  "workqueue_unfinished_work_seconds",
  "unleash_requests_total",
  "unleash_request_duration_seconds",
  "informer_watch_healthy",
  "informer_relists_total",
];

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs one controller through a success, a terminal error and a retried error, then scrapes /metrics. */
async function scrapeAfterSomeReconciles(): Promise<string> {
  const metrics = createMetrics();
  const outcomes = new Map<string, () => Promise<object>>([
    ["ns/ok", async () => ({})],
    ["ns/later", async () => ({ requeueAfterMs: 60_000 })],
    ["ns/bad", async () => Promise.reject(new TerminalError("bad spec"))],
    ["ns/flaky", async () => Promise.reject(new Error("503"))],
  ]);
  const seen = new Set<string>();
  let allSeen: () => void = () => {};
  const done = new Promise<void>((resolve) => (allSeen = resolve));
  const controller = new Controller({
    name: "serviceaccount",
    logger: pino({ level: "silent" }),
    metrics: metrics.forController("serviceaccount"),
    queue: new WorkQueue({
      rateLimiter: new ExponentialFailureRateLimiter(60_000, 60_000),
      metrics: metrics.forWorkQueue("serviceaccount"),
    }),
    reconciler: {
      reconcile: async ({ key }) => {
        const id = `${key.namespace}/${key.name}`;
        try {
          return await (outcomes.get(id) ?? (async () => ({})))();
        } finally {
          seen.add(id);
          if (seen.size === outcomes.size) setImmediate(allSeen);
        }
      },
    },
  });
  controller.start(2);
  for (const id of outcomes.keys()) controller.queue.add(id);
  await done;
  await controller.stop(1000);

  metrics.forInformer("secrets").relisted();
  metrics.unleashRequests.inc({ route: "/api/admin/service-account", code: "200" });
  server = await startHealthServer({ address: "127.0.0.1:0", registry: metrics.registry });
  return (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
}

describe("metrics", () => {
  it("exposes controller-runtime's metric names and the operator's own on /metrics", async () => {
    const body = await scrapeAfterSomeReconciles();
    for (const name of EXPECTED_NAMES) expect(body).toMatch(new RegExp(`^# TYPE ${name} `, "m"));
  });

  it("counts reconcile results with controller-runtime's labels", async () => {
    const body = await scrapeAfterSomeReconciles();
    const sample = (text: string) => expect(body).toContain(text);
    sample('controller_runtime_reconcile_total{controller="serviceaccount",result="success"} 1');
    sample('controller_runtime_reconcile_total{controller="serviceaccount",result="requeue_after"} 1');
    sample('controller_runtime_reconcile_total{controller="serviceaccount",result="error"} 2');
    sample('controller_runtime_reconcile_total{controller="serviceaccount",result="requeue"} 0');
    sample('controller_runtime_reconcile_errors_total{controller="serviceaccount"} 2');
    sample('controller_runtime_terminal_reconcile_errors_total{controller="serviceaccount"} 1');
    sample('controller_runtime_reconcile_time_seconds_count{controller="serviceaccount"} 4');
    sample('controller_runtime_max_concurrent_reconciles{controller="serviceaccount"} 2');
    sample('controller_runtime_active_workers{controller="serviceaccount"} 0');
    sample('workqueue_adds_total{name="serviceaccount"} 4');
    sample('workqueue_retries_total{name="serviceaccount"} 1');
    sample('workqueue_work_duration_seconds_count{name="serviceaccount"} 4');
    sample('informer_relists_total{resource="secrets"} 1');
    sample('unleash_requests_total{route="/api/admin/service-account",code="200"} 1');
  });

  it("reports how long the oldest in-flight key has been processing", async () => {
    const metrics = createMetrics();
    const queue = new WorkQueue({ metrics: metrics.forWorkQueue("tokens") });
    queue.add("ns/slow");
    await queue.get();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const body = await metrics.registry.metrics();
    const longest = /^workqueue_longest_running_processor_seconds\{name="tokens"\} (\S+)$/m.exec(body)?.[1];
    expect(Number(longest)).toBeGreaterThan(0);
    queue.done("ns/slow");
    expect(await metrics.registry.metrics()).toContain('workqueue_unfinished_work_seconds{name="tokens"} 0');
  });
});
