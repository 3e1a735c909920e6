// Turning a flag on or off in one environment, as unleash-server's FeatureToggleService.updateEnabled
// does it: the flag must be in the project named, the environment must exist, and turning on a
// flag without strategies there gives it the default one (flexibleRollout, 100 %), so that an SDK
// token sees it on.
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Caller } from "../auth.js";
import { notFound } from "../errors.js";
import { UPDATE_FEATURE_ENVIRONMENT } from "../roles.js";
import { route, type Route } from "../router.js";
import type { FeatureEnvironment, FeatureRecord, StrategyRecord } from "../state.js";
import type { Store } from "../store.js";
import { auditOf } from "./common.js";

const params = z.object({ projectId: z.string(), featureName: z.string(), environment: z.string() });
type Target = z.output<typeof params>;

/** validateFeatureBelongsToProject, then featureHasEnvironment, in their words. */
function requireFlag(store: Store, { projectId, featureName, environment }: Target): FeatureRecord {
  const flag = store.state.features.find((feature) => feature.name === featureName);
  if (flag === undefined) throw notFound(`There's no feature named "${featureName}" in project "${projectId}".`);
  if (flag.project !== projectId) {
    throw notFound(
      `There's no feature named "${featureName}" in project "${projectId}", but there's a feature with that name in project "${flag.project}"`,
    );
  }
  if (store.environment(environment) === undefined) throw notFound(`Could not find environment ${environment} for feature: ${featureName}`);
  return flag;
}

/** getDefaultStrategy. */
function defaultStrategy(featureName: string): StrategyRecord {
  const parameters = { groupId: featureName, rollout: "100", stickiness: "default" };
  return { id: randomUUID(), name: "flexibleRollout", title: null, disabled: false, constraints: [], parameters, variants: [], sortOrder: 0, segments: [] };
}

function environmentOf(flag: FeatureRecord, environment: string): FeatureEnvironment {
  const existing = flag.environments.find((candidate) => candidate.environment === environment);
  if (existing !== undefined) return existing;
  const created: FeatureEnvironment = { environment, enabled: false, strategies: [] };
  flag.environments.push(created);
  return created;
}

function record(store: Store, caller: Caller, flag: FeatureRecord, environment: string, change: { type: string; data: Record<string, unknown> | null }) {
  store.recordEvent({ ...change, ...auditOf(caller), project: flag.project, featureName: flag.name, environment, preData: null });
}

function toggle(enabled: boolean): Route {
  return route({
    method: "POST",
    pattern: `/api/admin/projects/:projectId/features/:featureName/environments/:environment/${enabled ? "on" : "off"}`,
    permission: UPDATE_FEATURE_ENVIRONMENT,
    params,
    handler: ({ params: target, caller, store }) => {
      const flag = requireFlag(store, target);
      store.change(() => {
        const state = environmentOf(flag, target.environment);
        if (enabled && state.strategies.every((strategy) => strategy.disabled)) {
          const strategy = defaultStrategy(flag.name);
          state.strategies.push(strategy);
          record(store, caller, flag, target.environment, { type: "feature-strategy-add", data: strategy });
        }
        // As the store: only a real change is an event.
        if (state.enabled === enabled) return;
        state.enabled = enabled;
        record(store, caller, flag, target.environment, { type: `feature-environment-${enabled ? "enabled" : "disabled"}`, data: null });
      });
      return { status: 200 };
    },
  });
}

export const featureEnvironmentRoutes: readonly Route[] = [toggle(true), toggle(false)];
