import type { Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { z } from "zod";

/**
 * How one watch request ended: "closed" = normally (re-watch at once), "gone" = 410 (list
 * again), "inactive" = presumed dead by the informer (list again), "failed" = back off.
 */
export type WatchEnd = "closed" | "gone" | "inactive" | "failed" | "stopped";

export interface WatchSessionOptions {
  watcher: Watch;
  path: string;
  params: Record<string, string | number | boolean | undefined>;
  logger: Logger;
  /** The server accepted the watch (HTTP 200). */
  onConnected(): void;
  /** Called for every event but ERROR; never after the session ended. */
  onEvent(phase: string, raw: unknown): void;
}

export interface WatchSession {
  readonly ended: Promise<WatchEnd>;
  /** Aborts the request; the first end wins. */
  end(outcome: WatchEnd): void;
}

const statusSchema = z.object({
  code: z.number().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

/** A watch that ends sooner than this without delivering anything counts as a failure. */
const MIN_HEALTHY_WATCH_MS = 1000;

/** One watch request, turned into a single outcome however it ends (event, error, close, abort). */
export function startWatchSession(options: WatchSessionOptions): WatchSession {
  const startedAt = Date.now();
  let connected = false;
  let sawEvent = false;
  let abortRequest: (() => void) | undefined;
  let resolveEnded: (outcome: WatchEnd) => void = () => {};
  const ended = new Promise<WatchEnd>((resolve) => (resolveEnded = resolve));
  let isEnded = false;
  const end = (outcome: WatchEnd) => {
    if (isEnded) return;
    isEnded = true;
    abortRequest?.();
    resolveEnded(outcome);
  };

  const onEvent = (phase: string, raw: unknown) => {
    if (isEnded) return;
    sawEvent = true;
    if (phase === "ERROR") return end(classifyErrorEvent(raw, options.logger));
    options.onEvent(phase, raw);
  };
  const onDone = (error: unknown) => {
    // After end() (stop, inactivity) the abort surfaces here as an error: it is not a failure.
    if (isEnded) return;
    const healthyRun = connected && (sawEvent || Date.now() - startedAt >= MIN_HEALTHY_WATCH_MS);
    end(classifyWatchEnd(error, healthyRun, options.logger));
  };
  options.watcher.watch(options.path, options.params, onEvent, onDone).then(
    (request) => {
      if (isEnded) return request.abort();
      abortRequest = () => request.abort();
      connected = true;
      options.onConnected();
    },
    (error: unknown) => end(classifyWatchEnd(error, false, options.logger)),
  );
  return { ended, end };
}

function classifyErrorEvent(raw: unknown, logger: Logger): WatchEnd {
  const status = statusSchema.safeParse(raw);
  if (status.success && status.data.code === 410) {
    logger.info({ reason: status.data.reason }, "watch history expired (410 Gone); listing again");
    return "gone";
  }
  logger.warn({ status: status.data }, "watch returned an error event; restarting with backoff");
  return "failed";
}

/** `healthyRun`: the watch was connected and delivered events or lasted a while. */
function classifyWatchEnd(error: unknown, healthyRun: boolean, logger: Logger): WatchEnd {
  if (statusCodeOf(error) === 410) {
    logger.info("watch history expired (410 Gone); listing again");
    return "gone";
  }
  // client-node ends a watch with a TimeoutError after 30 s without data, so an idle but
  // healthy watch ends this way too.
  const quietEnd = error === null || error === undefined || isTimeoutError(error);
  if (quietEnd && healthyRun) return "closed";
  logger.warn({ err: error }, "watch failed; restarting with backoff");
  return "failed";
}

function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("statusCode" in error)) return undefined;
  return typeof error.statusCode === "number" ? error.statusCode : undefined;
}

function isTimeoutError(error: unknown): boolean {
  return typeof error === "object" && error !== null && "name" in error && error.name === "TimeoutError";
}
