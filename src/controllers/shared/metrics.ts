import type { Condition } from "../../api/v1alpha1/common.js";
import type { ObjectMeta } from "../../api/v1alpha1/metadata.js";
import type { KindName } from "../../api/v1alpha1/resources.js";
import { findCondition } from "../../kube/conditions.js";
import type { GaugeDefinition, ResourceGauges, Sample } from "../../runtime/resource-metrics.js";

/** What the per-resource gauges read of any resource. */
export interface Observed {
  metadata: ObjectMeta;
  status: { conditions?: Condition[] | undefined };
}

const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
type ObjectLabel = "namespace" | "name";

export const objectLabels = (meta: ObjectMeta): Record<ObjectLabel, string> => ({ namespace: meta.namespace ?? "", name: meta.name });

/** cert-manager's shape: one series per possible status of Ready, 1 for the current one. */
export function readySamples<L extends string>(resources: Iterable<Observed>, labelsOf: (meta: ObjectMeta) => Record<L, string>): Array<Sample<L | "condition">> {
  const samples: Array<Sample<L | "condition">> = [];
  for (const resource of resources) {
    const current = findCondition(resource.status.conditions, "Ready")?.status ?? "Unknown";
    const labels = labelsOf(resource.metadata);
    for (const condition of CONDITION_STATUSES) samples.push({ labels: { ...labels, condition }, value: condition === current ? 1 : 0 });
  }
  return samples;
}

/** A date-time of status as a timestamp series; none while unset or unreadable. */
export function timestampSample<L extends string>(labels: Record<L, string>, iso: string | undefined): Array<Sample<L>> {
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  return Number.isNaN(ms) ? [] : [{ labels, value: ms / 1000 }];
}

const STALLED: GaugeDefinition<"kind" | ObjectLabel | "reason"> = {
  name: "unleash_resource_stalled",
  help: "1 while a resource's Stalled condition is True, by its reason (README's reason table says what to do); no series otherwise",
  labelNames: ["kind", "namespace", "name", "reason"],
};

/** Every kind adds its Stalled resources to the one gauge. */
export function addStalledGauge(gauges: ResourceGauges, kind: KindName, list: () => Iterable<Observed>): void {
  gauges.add(STALLED, () => {
    const samples: Array<Sample<"kind" | ObjectLabel | "reason">> = [];
    for (const resource of list()) {
      const stalled = findCondition(resource.status.conditions, "Stalled");
      if (stalled?.status === "True") samples.push({ labels: { kind, ...objectLabels(resource.metadata), reason: stalled.reason }, value: 1 });
    }
    return samples;
  });
}
