import type { Logger } from "pino";
import type { Outcome } from "../../api/v1alpha1/conditions.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import { findCondition } from "../../kube/conditions.js";
import type { EventSink } from "../../kube/events.js";
import type { StatusBase, StatusWriter } from "./status.js";

export interface Reporter {
  kind: string;
  meta: ObjectMeta;
  events: EventSink;
  logger: Logger;
}

/**
 * Shows a failed or waiting reconcile on the resource: conditions, plus one
 * Warning event per change of reason, so a resource stuck in the same
 * failure costs no further writes.
 */
export async function reportOutcome<S extends StatusBase>(
  reporter: Reporter,
  status: StatusWriter<S>,
  outcome: Outcome,
  fields: Omit<S, "conditions" | "observedGeneration"> = status.current,
): Promise<void> {
  const before = findCondition(status.current.conditions, "Ready");
  if (outcome.state !== "Ready" && before?.reason !== outcome.reason) {
    reporter.events.record(reporter.kind, reporter.meta, outcome.state === "Stalled" ? "Warning" : "Normal", outcome.reason, outcome.message);
  }
  try {
    await status.write(fields, outcome);
  } catch (err) {
    reporter.logger.warn({ err, kind: reporter.kind, namespace: reporter.meta.namespace, name: reporter.meta.name }, "could not write status");
  }
}

/** Shown issues and path lengths are capped: a hostile spec must not make the condition too long to write. */
const MAX_ISSUES = 10;
const MAX_PATH = 200;

export function specErrorMessage(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): string {
  const shown = issues.slice(0, MAX_ISSUES).map((issue) => `${issue.path.map(String).join(".").slice(0, MAX_PATH) || "spec"}: ${issue.message.slice(0, MAX_PATH)}`);
  const more = issues.length > MAX_ISSUES ? `; and ${issues.length - MAX_ISSUES} more` : "";
  return `spec is invalid: ${shown.join("; ")}${more}`;
}
