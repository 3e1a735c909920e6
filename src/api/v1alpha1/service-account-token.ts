import { z } from "zod";
import { parseDuration } from "./duration.js";
import { annotationMap, conditions, duration, labelMap, objectName, observedGeneration, secretKey } from "./common.js";

const MIN_LIFETIME_MS = 2 * 60_000;

const secretSpec = z
  .object({
    name: objectName.optional().describe("Name of the Secret that receives the token. Defaults to metadata.name."),
    adopt: z
      .boolean()
      .default(false)
      .describe("Take over an existing Secret of that name that has no owner. A Secret owned by anything else is never touched."),
    labels: labelMap.optional().describe("Extra labels kept on the Secret, e.g. for Reloader."),
    annotations: annotationMap.optional().describe("Extra annotations kept on the Secret."),
    keys: z
      .object({
        token: secretKey.default("UNLEASH_API_TOKEN").describe("Key that holds the token."),
        url: secretKey.default("UNLEASH_URL").describe("Key that holds the Unleash base URL."),
      })
      .optional()
      .describe("Names of the keys in the Secret."),
    type: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-zA-Z0-9._/-]+$/)
      .default("Opaque")
      .describe("Type of the Secret. Immutable once the Secret exists."),
  })
  .describe("Where and how the token is written.");
export type TokenSecretSpec = z.infer<typeof secretSpec>;

const rolloutRestartTarget = z
  .object({
    kind: z.enum(["Deployment", "StatefulSet", "DaemonSet"]).describe("Kind of the workload."),
    name: objectName.describe("Name of the workload in the token's namespace."),
  })
  .describe("A workload whose pods are restarted after each rotation.");
export type RolloutRestartTarget = z.infer<typeof rolloutRestartTarget>;

export const serviceAccountTokenSpec = z
  .object({
    serviceAccountRef: z
      .object({ name: objectName.describe("Name of the ServiceAccount resource in the same namespace.") })
      .describe("The ServiceAccount whose token this is.")
      .meta({ "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "serviceAccountRef is immutable" }] }),
    lifetime: duration.default("2160h").describe("How long each token is valid, e.g. 720h. A change issues a new token."),
    renewBefore: duration
      .optional()
      .describe("How long before expiry the token is rotated. Defaults to one third of the lifetime; must be smaller than it."),
    rotationGracePeriod: duration
      .default("10m")
      .describe("How long the previous token stays valid after a rotation, for pods that read the Secret late."),
    description: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^\[\]\n\r]+$/)
      .optional()
      .describe("Human prefix of the token's description in Unleash; the operator appends the resource's identity."),
    secret: secretSpec.optional(),
    rolloutRestartTargets: z
      .array(rolloutRestartTarget)
      .max(16)
      .optional()
      .describe("Workloads in this namespace whose pod templates get a restartedAt annotation after each rotation."),
  })
  .superRefine((spec, ctx) => {
    // The same rules as the CRD's CEL validations below, for objects that got past the API server's.
    const lifetime = parseDuration(spec.lifetime) ?? 0;
    if (lifetime < MIN_LIFETIME_MS) ctx.addIssue({ code: "custom", path: ["lifetime"], message: "lifetime must be at least 2m" });
    const renewBefore = spec.renewBefore === undefined ? undefined : parseDuration(spec.renewBefore);
    if (spec.renewBefore !== undefined && (renewBefore === undefined || renewBefore >= lifetime)) {
      ctx.addIssue({ code: "custom", path: ["renewBefore"], message: "renewBefore must be smaller than lifetime" });
    }
  })
  .meta({
    description: "Desired state of a token of an Unleash service account.",
    "x-kubernetes-validations": [
      { rule: "duration(self.lifetime) >= duration('2m')", message: "lifetime must be at least 2m" },
      {
        rule: "!has(self.renewBefore) || duration(self.renewBefore) < duration(self.lifetime)",
        message: "renewBefore must be smaller than lifetime",
      },
    ],
  });
export type ServiceAccountTokenSpec = z.infer<typeof serviceAccountTokenSpec>;

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
