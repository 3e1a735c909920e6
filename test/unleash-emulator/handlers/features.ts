// A permission-gated write, so tests can show what a token may do: unleash-server's
// createFeature (CREATE_FEATURE in the project, from the root role or a project role held there).
import { z } from "zod";
import { invalidData, nameExists, notFound } from "../errors.js";
import { jsonBoolean, jsonString } from "../json-types.js";
import { CREATE_FEATURE } from "../roles.js";
import { routeWithBody, type Route } from "../router.js";
import type { FeatureRecord } from "../state.js";
import { auditOf } from "./common.js";

const FEATURE_TYPES = ["experiment", "kill-switch", "release", "operational", "permission", "sunset"] as const;

const createBody = z.object({
  name: jsonString(z.string()),
  type: z.enum(FEATURE_TYPES).optional(),
  description: z.string().nullable().optional(),
  impressionData: jsonBoolean().optional(),
});

function featureView(feature: FeatureRecord): Record<string, unknown> {
  const { createdByUserId: _author, environments: _environments, ...visible } = feature;
  return { ...visible, stale: false, archived: false };
}

/** unleash-server routes/util nameType, a Joi schema checked in the service: its message, if invalid. */
function nameProblem(name: string): string | undefined {
  if (name === "") return '"name" is not allowed to be empty.';
  const youProvided = `You provided ${JSON.stringify(name)}.`;
  const urlFriendly = encodeURIComponent(name) === name && name !== "." && name !== "..";
  if (!urlFriendly) return `"name" must be URL friendly. ${youProvided}`;
  if (name.length > 100) return `"name" length must be less than or equal to 100 characters long. ${youProvided}`;
  return undefined;
}

const createFeature = routeWithBody({
  method: "POST",
  pattern: "/api/admin/projects/:projectId/features",
  permission: CREATE_FEATURE,
  params: z.object({ projectId: z.string() }),
  body: createBody,
  handler: ({ params, body, caller, store }) => {
    const problem = nameProblem(body.name);
    if (problem !== undefined) throw invalidData([{ message: problem }]);
    if (store.state.features.some((feature) => feature.name === body.name)) {
      throw nameExists("A flag with that name already exists");
    }
    if (store.project(params.projectId) === undefined) throw notFound(`Active project with id ${params.projectId} does not exist`);
    const feature = store.change((state) => {
      const record: FeatureRecord = {
        name: body.name,
        project: params.projectId,
        type: body.type ?? "release",
        description: body.description || null,
        impressionData: body.impressionData ?? false,
        createdAt: store.clock.now().toISOString(),
        createdByUserId: caller.userId,
        environments: [],
      };
      state.features.push(record);
      store.recordEvent({
        type: "feature-created",
        ...auditOf(caller),
        project: record.project,
        featureName: record.name,
        data: featureView(record),
        preData: null,
      });
      return record;
    });
    return { status: 201, body: featureView(feature) };
  },
});

export const featureRoutes: readonly Route[] = [createFeature];
