// The request bodies of Unleash Enterprise's project-access routes (the "Project access" section
// of ../shared/docs/unleash-service-account-api.md); the grant body is named as the published
// OpenAPI document names it. As for the service-account routes, the zod form is registered with the
// server's own OpenAPI validator, so a malformed body gets the server's 400 BadDataError with `details`.
import { z } from "zod";
import { registrableSchemas } from "./service-account-schemas.js";

// All three lists are required by the published schema; groups are never used here but accepted.
export const projectAddAccessSchema = z.object({
  roles: z.array(z.int()),
  groups: z.array(z.int()),
  users: z.array(z.int()),
});

export const projectRolesSchema = z.object({ roles: z.array(z.int()) });

export const projectParams = z.object({ projectId: z.string().min(1) });
export const projectUserParams = projectParams.extend({ userId: z.coerce.number().int() });

export function projectAccessOpenApiSchemas() {
  return registrableSchemas({ projectAddAccessSchema, projectRolesSchema });
}
