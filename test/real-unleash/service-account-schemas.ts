// The request bodies of Unleash Enterprise's service-account routes
// (../shared/docs/unleash-service-account-api.md). Written once in zod: the handlers parse
// with it, and its JSON Schema form is registered with the server's OpenAPI validator, so a
// bad body gets the server's own 400 BadDataError with `details`.
import { z } from "zod";

export const createServiceAccountSchema = z.object({
  // Empty, it would reach AccountStore's lookup, which fails on it (a 500).
  username: z.string().min(1),
  name: z.string(),
  rootRole: z.int(),
});
export type CreateServiceAccount = z.infer<typeof createServiceAccountSchema>;

// `username` cannot change; other properties are allowed and ignored, as in the published schema.
export const updateServiceAccountSchema = z.looseObject({
  name: z.string().optional(),
  rootRole: z.int().optional(),
});
export type UpdateServiceAccount = z.infer<typeof updateServiceAccountSchema>;

// Validated by the server's own createPatSchema; parsed again here only for its type.
export const createTokenSchema = z.object({
  description: z.string(),
  expiresAt: z.string(),
});
export type CreateToken = z.infer<typeof createTokenSchema>;

export const idParams = z.object({ id: z.coerce.number().int() });
export const tokenParams = idParams.extend({ tokenId: z.coerce.number().int() });

export function openApiSchemas(): Record<string, { $id: string; components: object }> {
  return registrableSchemas({ createServiceAccountSchema, updateServiceAccountSchema });
}

/** In the server's schema form (`$id` and `components`, which it strips), named as Enterprise names them. */
export function registrableSchemas(named: Record<string, z.ZodType>): Record<string, { $id: string; components: object }> {
  return Object.fromEntries(
    Object.entries(named).map(([name, schema]) => [
      name,
      {
        ...z.toJSONSchema(schema, { target: "openapi-3.0", io: "input" }),
        $id: `#/components/schemas/${name}`,
        components: {},
      },
    ]),
  );
}
