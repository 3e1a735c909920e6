import { z } from "zod";
import { conditions, duration, objectName, observedGeneration } from "./common.js";
import { checkLifecycle, lifecycleValidations, renewBefore, rolloutRestartTargets, rotationGracePeriod, secretSpec } from "./token-lifecycle.js";

export type { RolloutRestartTarget } from "./token-lifecycle.js";

/** The Secret keys of a service-account token and their defaults: one home for both. */
export const SERVICE_ACCOUNT_TOKEN_KEYS = { token: "UNLEASH_API_TOKEN", url: "UNLEASH_URL" } as const;

const secret = secretSpec(SERVICE_ACCOUNT_TOKEN_KEYS, {
  token: "Key that holds the token.",
  url: "Key that holds the Unleash base URL.",
});
export type TokenSecretSpec = z.infer<typeof secret>;

export const serviceAccountTokenSpec = z
  .object({
    serviceAccountRef: z
      .object({ name: objectName.describe("Name of the ServiceAccount resource in the same namespace.") })
      .describe("The ServiceAccount whose token this is.")
      .meta({ "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "serviceAccountRef is immutable" }] }),
    lifetime: duration.default("2160h").describe("How long each token is valid, e.g. 720h. A change issues a new token."),
    renewBefore,
    rotationGracePeriod,
    description: z
      .string()
      .min(1)
      .max(100)
      // biome-ignore lint/complexity/noUselessEscapeInRegex: the CRD carries this pattern too, and there the bracket is escaped for Go's regexp.
      .regex(/^[^\[\]\n\r]+$/)
      .optional()
      .describe("Human prefix of the token's description in Unleash; the operator appends the resource's identity."),
    secret: secret.optional(),
    rolloutRestartTargets,
  })
  .superRefine(checkLifecycle)
  .meta({
    description: "Desired state of a token of an Unleash service account.",
    "x-kubernetes-validations": lifecycleValidations(false),
  });
export type ServiceAccountTokenSpec = z.infer<typeof serviceAccountTokenSpec>;

/** What deleting a token needs: its immutable account reference and the Secret name, read field by field (see serviceAccountFinalization). */
export const serviceAccountTokenFinalization = z.object({
  serviceAccountRef: z.object({ name: objectName }),
  secret: z.object({ name: objectName.optional().catch(undefined) }).optional().catch(undefined),
});
export type ServiceAccountTokenFinalization = z.infer<typeof serviceAccountTokenFinalization>;

const heldToken = z
  .object({
    id: z.int().describe("Id of the previous token in Unleash."),
    revokeAfter: z.string().meta({ format: "date-time" }).describe("When the previous token is revoked."),
  })
  .describe("A previous token kept valid during its grace period.");

export const serviceAccountTokenStatus = z
  .object({
    tokenId: z.int().optional().describe("Id of the current token in Unleash."),
    serial: z.int().min(0).optional().describe("How many tokens this resource has issued; part of each token's description."),
    expiresAt: z.string().optional().meta({ format: "date-time" }).describe("When the current token expires."),
    renewalTime: z.string().optional().meta({ format: "date-time" }).describe("When the current token will be rotated."),
    issuedAt: z.string().optional().meta({ format: "date-time" }).describe("When the current token was issued."),
    lastSeenAt: z
      .string()
      .optional()
      .meta({ format: "date-time" })
      .describe("Last use of the current token that Unleash recorded, followed a day at a time (so use costs at most one status write a day); unset until a use a day or more after the issue: a token nobody uses may not be needed."),
    lifetime: duration.optional().describe("The lifetime the current token was issued with."),
    secretName: z.string().max(253).optional().describe("Name of the Secret that holds the current token."),
    tokenHash: z
      .string()
      .max(128)
      .optional()
      .describe("SHA-256 of the current token, to notice an edited Secret without keeping the token."),
    previousTokens: z.array(heldToken).max(10).optional().describe("Previous tokens still in their grace period."),
    lastRotateRequest: z
      .string()
      .max(256)
      .optional()
      .describe("The value of the accounts.unleash.dev/rotate annotation handled last."),
    failedAttempts: z.int().min(0).optional().describe("Consecutive failed attempts; reset by success."),
    lastFailureTime: z.string().optional().meta({ format: "date-time" }).describe("When the last attempt failed."),
    conditions: conditions.optional(),
    observedGeneration: observedGeneration.optional(),
  })
  .describe("Observed state of the token.");
export type ServiceAccountTokenStatus = z.infer<typeof serviceAccountTokenStatus>;
