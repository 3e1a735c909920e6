// What a workload's SDK reads with its token: the backend SDKs' /api/client/features and the
// frontend SDKs' /api/frontend. The token decides the view: its environment, its projects
// (query parameters cannot widen them). Authentication happened before (auth.ts, authenticateSdk).
import { createHash } from "node:crypto";
import type { Reply } from "../http-io.js";
import { route, type RequestContext, type Route } from "../router.js";
import type { ApiTokenRecord, FeatureRecord } from "../state.js";
import type { Store } from "../store.js";
import { noParams } from "./common.js";

function tokenOf({ caller }: RequestContext): ApiTokenRecord {
  // authenticateSdk lets no request onto these routes without one.
  if (caller.apiToken === undefined) throw new Error("an SDK route was reached without an SDK API token");
  return caller.apiToken;
}

function coversAllProjects(token: ApiTokenRecord): boolean {
  return token.projects.includes("*");
}

function flagsOf(store: Store, token: ApiTokenRecord): FeatureRecord[] {
  return store.state.features.filter((feature) => coversAllProjects(token) || token.projects.includes(feature.project));
}

function stateIn(feature: FeatureRecord, environment: string) {
  return feature.environments.find((candidate) => candidate.environment === environment);
}

/** clientFeatureSchema: every flag of the token's projects, as it is in the token's environment. */
function clientFeatureView(feature: FeatureRecord, environment: string): Record<string, unknown> {
  const state = stateIn(feature, environment);
  const strategies = (state?.strategies ?? []).map(({ name, constraints, parameters, variants }) => ({ name, constraints, parameters, variants }));
  const { name, type, project, description, impressionData } = feature;
  return { name, type, enabled: state?.enabled ?? false, project, stale: false, strategies, variants: [], description, impressionData };
}

/**
 * The answer's query (client-feature-toggle.controller resolveQuery) and meta: the revision is the
 * newest event's id, and the ETag is built from it as the server builds it, so an unchanged view
 * answers 304 to If-None-Match.
 */
function clientQueryAndMeta(store: Store, token: ApiTokenRecord) {
  const projects = coversAllProjects(token) ? {} : { project: token.projects };
  const query = { ...projects, environment: token.environment, inlineSegmentConstraints: true };
  const queryHash = createHash("sha256").update(JSON.stringify(query)).digest("hex").slice(0, 8);
  const revisionId = store.state.sequences.event;
  return { query, meta: { revisionId, etag: `"${queryHash}:${revisionId}:v1"`, queryHash } };
}

/** A GET that answers with what the caller's token lets it see. */
function sdkRoute(pattern: string, answer: (token: ApiTokenRecord, context: RequestContext) => Reply): Route {
  return route({ method: "GET", pattern, params: noParams, handler: (context) => answer(tokenOf(context), context) });
}

const clientFeatures = sdkRoute("/api/client/features", (token, { store, header }) => {
  const { query, meta } = clientQueryAndMeta(store, token);
  const headers = { etag: meta.etag };
  if (header("if-none-match") === meta.etag) return { status: 304, headers };
  const features = flagsOf(store, token).map((feature) => clientFeatureView(feature, token.environment));
  return { status: 200, headers, body: { version: 2, features, query, meta } };
});

/**
 * The flags that are on for the caller: the emulator's flags only ever get the default strategy
 * (100 % rollout), so a flag that is on in the token's environment is on for every context.
 */
const frontendFeatures = sdkRoute("/api/frontend", (token, { store }) => {
  const toggles = flagsOf(store, token)
    .filter((feature) => stateIn(feature, token.environment)?.enabled === true)
    .map(({ name, impressionData }) => ({
      name,
      enabled: true,
      variant: { name: "disabled", enabled: false, feature_enabled: true, featureEnabled: true },
      impressionData,
    }));
  return { status: 200, body: { toggles } };
});

export const sdkRoutes: readonly Route[] = [clientFeatures, frontendFeatures];
