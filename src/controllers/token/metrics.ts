import type { ServiceAccountTokenResource } from "../../api/v1alpha1/resources.js";
import type { Lister } from "../../runtime/lister.js";
import type { ResourceGauges } from "../../runtime/resource-metrics.js";
import { addStalledGauge, objectLabels, readySamples, timestampSample } from "../shared/metrics.js";
import { TOKEN_KIND } from "./context.js";

const labelNames = ["namespace", "name"] as const;
type Status = ServiceAccountTokenResource["status"];

/** One timestamp of every token resource's status. */
function timestampGauge(gauges: ResourceGauges, tokens: Lister<ServiceAccountTokenResource>, name: string, help: string, field: (status: Status) => string | undefined): void {
  gauges.add({ name, help, labelNames }, () => tokens.list().flatMap((token) => timestampSample(objectLabels(token.metadata), field(token.status))));
}

/** What a platform team alerts on for each token: is it Ready, when does it expire and renew, is it used. */
export function addTokenMetrics(gauges: ResourceGauges, tokens: Lister<ServiceAccountTokenResource>): void {
  gauges.add(
    { name: "unleash_token_ready_status", help: "The Ready condition of each ServiceAccountToken: 1 for its current status (True, False or Unknown)", labelNames: [...labelNames, "condition"] },
    () => readySamples(tokens.list(), objectLabels),
  );
  timestampGauge(gauges, tokens, "unleash_token_expiration_timestamp_seconds", "When the current token of each ServiceAccountToken expires (Unix time)", (s) => s.expiresAt);
  timestampGauge(gauges, tokens, "unleash_token_renewal_timestamp_seconds", "When the operator rotates the current token of each ServiceAccountToken (Unix time)", (s) => s.renewalTime);
  timestampGauge(gauges, tokens, "unleash_token_issued_timestamp_seconds", "When the current token of each ServiceAccountToken was issued (Unix time)", (s) => s.issuedAt);
  timestampGauge(
    gauges,
    tokens,
    "unleash_token_last_seen_timestamp_seconds",
    "Last use of the current token of each ServiceAccountToken that Unleash recorded, a day at a time (Unix time); no series before a use a day or more after the issue",
    (s) => s.lastSeenAt,
  );
  addStalledGauge(gauges, TOKEN_KIND, () => tokens.list());
}
