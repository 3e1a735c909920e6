import type { Condition } from "../api/v1alpha1/common.js";
import { ConditionType, type Outcome } from "../api/v1alpha1/conditions.js";
import { redactSecrets } from "../logging/scrub.js";

/** Messages come from many places (Unleash, the API server): bounded and cleaned before they reach status. */
const MAX_MESSAGE = 4096;

type Status = Condition["status"];

function statusesFor(outcome: Outcome): Record<keyof typeof ConditionType, Status> {
  return {
    Ready: outcome.state === "Ready" ? "True" : "False",
    Reconciling: outcome.state === "Progressing" ? "True" : "False",
    Stalled: outcome.state === "Stalled" ? "True" : "False",
  };
}

/**
 * The full condition set for an outcome. All three types are always present
 * (set on the first visit, as the API conventions ask), and
 * lastTransitionTime only moves when a condition's status changes.
 */
export function conditionsFor(
  outcome: Outcome,
  generation: number | undefined,
  previous: readonly Condition[] | undefined,
  now: Date,
): Condition[] {
  const statuses = statusesFor(outcome);
  return (Object.keys(ConditionType) as Array<keyof typeof ConditionType>).map((type) => {
    const status = statuses[type];
    const before = previous?.find((c) => c.type === type);
    const active = status === "True" || type === "Ready";
    return {
      type,
      status,
      reason: active ? outcome.reason : "Idle",
      message: active ? redactSecrets(outcome.message).slice(0, MAX_MESSAGE) : "",
      ...(generation === undefined ? {} : { observedGeneration: generation }),
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : now.toISOString(),
    };
  });
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isReady(conditions: readonly Condition[] | undefined): boolean {
  return findCondition(conditions, ConditionType.Ready)?.status === "True";
}
