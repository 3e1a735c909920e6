import type { ServiceAccountResource } from "../../api/v1alpha1/resources.js";
import type { Lister } from "../../runtime/lister.js";
import type { ResourceGauges, Sample } from "../../runtime/resource-metrics.js";
import { addStalledGauge, objectLabels, readySamples } from "../shared/metrics.js";

/** Ready per account, and how many of Unleash's token slots each holds, as far as the last list showed. */
export function addServiceAccountMetrics(gauges: ResourceGauges, accounts: Lister<ServiceAccountResource>, tokensHeld: (account: ServiceAccountResource) => number | undefined): void {
  gauges.add(
    { name: "unleash_serviceaccount_ready_status", help: "The Ready condition of each ServiceAccount: 1 for its current status (True, False or Unknown)", labelNames: ["namespace", "name", "condition"] },
    () => readySamples(accounts.list(), objectLabels),
  );
  gauges.add(
    { name: "unleash_serviceaccount_tokens", help: "Tokens each ServiceAccount's Unleash account holds (Unleash allows 10), from the last list of Unleash", labelNames: ["namespace", "name"] },
    () =>
      accounts.list().flatMap((account): Array<Sample<"namespace" | "name">> => {
        const held = tokensHeld(account);
        return held === undefined ? [] : [{ labels: objectLabels(account.metadata), value: held }];
      }),
  );
  addStalledGauge(gauges, "ServiceAccount", () => accounts.list());
}
