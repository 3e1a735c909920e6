import { z } from "zod";
import { annotationMap, duration, labelMap, objectName, secretKey } from "./common.js";
import { parseDuration } from "./duration.js";

/**
 * The fields and rules that every token kind shares: how long a token lives,
 * when it is rotated, how long the previous one stays valid, and the Secret it
 * is written to. Each rule exists twice, as a CEL rule the API server runs at
 * admission and as the zod check the operator runs on what it reads, so a
 * resource admitted before a rule existed (CEL ratcheting keeps it) is refused
 * with InvalidSpec before anything is written.
 */

export const MIN_LIFETIME = "2m";
/** Rotations closer together than this would be a loop in all but name. */
export const MIN_ROTATION_INTERVAL = "1m";
export const DEFAULT_GRACE_PERIOD = "10m";
export const DEFAULT_SECRET_TYPE = "Opaque";

/** Secret types whose required keys the operator does not write: the API server refuses them after a token exists. */
const RESERVED_SECRET_TYPE = /^(kubernetes\.io\/|bootstrap\.kubernetes\.io\/)/;

export function secretSpec<K extends Record<string, string>>(defaultKeys: K, describeKey: Record<keyof K, string>) {
  const keyNames = Object.keys(defaultKeys) as Array<keyof K & string>;
  const keyShape = Object.fromEntries(
    keyNames.map((key) => [key, secretKey.default(defaultKeys[key] as string).describe(describeKey[key])]),
  ) as { [P in keyof K]: z.ZodDefault<typeof secretKey> };
  const keys = z
    .object(keyShape)
    .superRefine((value, ctx) => {
      const names = Object.values(value) as string[];
      if (new Set(names).size !== names.length) ctx.addIssue({ code: "custom", message: distinctKeysMessage(keyNames) });
    })
    .meta({ "x-kubernetes-validations": [{ rule: distinctKeysRule(keyNames), message: distinctKeysMessage(keyNames) }] });
  return z
    .object({
      name: objectName.optional().describe("Name of the Secret that receives the token. Defaults to metadata.name."),
      adopt: z
        .boolean()
        .default(false)
        .describe("Take over an existing Secret of that name that has no owner. A Secret owned by anything else is never touched."),
      labels: labelMap.optional().describe("Extra labels kept on the Secret, e.g. for Reloader."),
      annotations: annotationMap.optional().describe("Extra annotations kept on the Secret."),
      keys: keys.optional().describe("Names of the keys in the Secret; each must differ from the others."),
      type: z
        .string()
        .min(1)
        .max(253)
        .regex(/^[a-zA-Z0-9._/-]+$/)
        .refine((type) => !RESERVED_SECRET_TYPE.test(type), SECRET_TYPE_MESSAGE)
        .default(DEFAULT_SECRET_TYPE)
        .describe("Type of the Secret: Opaque or a type of your own (not kubernetes.io/*, whose required keys the operator does not write). Immutable once the Secret exists.")
        .meta({ "x-kubernetes-validations": [{ rule: SECRET_TYPE_RULE, message: SECRET_TYPE_MESSAGE }] }),
    })
    .describe("Where and how the token is written.");
}

const SECRET_TYPE_RULE = "!self.startsWith('kubernetes.io/') && !self.startsWith('bootstrap.kubernetes.io/')";
const SECRET_TYPE_MESSAGE =
  "secret.type must be Opaque or a type of your own: kubernetes.io/* types require keys (tls.crt, .dockerconfigjson, ...) that the operator does not write";

function distinctKeysRule(keys: readonly string[]): string {
  const pairs = keys.flatMap((a, i) => keys.slice(i + 1).map((b) => `self.${a} != self.${b}`));
  return pairs.join(" && ");
}

function distinctKeysMessage(keys: readonly string[]): string {
  return `the key names in secret.keys (${keys.join(", ")}) must all differ: two values under one key would overwrite each other`;
}

export const rolloutRestartTarget = z
  .object({
    kind: z.enum(["Deployment", "StatefulSet", "DaemonSet"]).describe("Kind of the workload."),
    name: objectName.describe("Name of the workload in the token's namespace."),
  })
  .describe("A workload whose pods are restarted after each rotation.");
export type RolloutRestartTarget = z.infer<typeof rolloutRestartTarget>;

export const rolloutRestartTargets = z
  .array(rolloutRestartTarget)
  .max(16)
  .optional()
  .describe("Workloads in this namespace whose pod templates get a restartedAt annotation after each rotation.");

export const renewBefore = duration
  .optional()
  .describe("How long before expiry the token is rotated. Defaults to one third of the lifetime; must leave at least 1m between rotations.");

export const rotationGracePeriod = duration
  .default(DEFAULT_GRACE_PERIOD)
  .describe("How long the previous token stays valid after a rotation, for pods that read the Secret late. Must end before the next rotation.");

interface LifecycleFields {
  lifetime?: string | undefined;
  renewBefore?: string | undefined;
  rotationGracePeriod: string;
}

/** The interval between two rotations, in ms: lifetime minus renewBefore (default: a third of the lifetime). */
export function rotationIntervalMs(lifetimeMs: number, renewBeforeMs: number | undefined): number {
  return lifetimeMs - (renewBeforeMs ?? Math.floor(lifetimeMs / 3));
}

const ms = (text: string) => parseDuration(text) ?? 0;

/** The zod side of the lifecycle rules; `lifetime` may be optional (a token without expiry has no schedule). */
export function checkLifecycle(spec: LifecycleFields, ctx: z.RefinementCtx): void {
  if (spec.lifetime === undefined) return;
  const lifetime = ms(spec.lifetime);
  if (lifetime < ms(MIN_LIFETIME)) ctx.addIssue({ code: "custom", path: ["lifetime"], message: MESSAGES.lifetime });
  const renew = spec.renewBefore === undefined ? undefined : parseDuration(spec.renewBefore);
  if (spec.renewBefore !== undefined && (renew === undefined || renew >= lifetime)) {
    ctx.addIssue({ code: "custom", path: ["renewBefore"], message: MESSAGES.renewBefore });
    return;
  }
  const interval = rotationIntervalMs(lifetime, renew);
  if (renew !== undefined && interval < ms(MIN_ROTATION_INTERVAL)) {
    ctx.addIssue({ code: "custom", path: ["renewBefore"], message: MESSAGES.interval });
  }
  // The default case compares in integers, exactly as the CEL rule does.
  const grace = ms(spec.rotationGracePeriod);
  const graceEndsFirst = renew === undefined ? grace * 3 < lifetime * 2 : grace < interval;
  if (!graceEndsFirst) ctx.addIssue({ code: "custom", path: ["rotationGracePeriod"], message: MESSAGES.grace });
}

const MESSAGES = {
  lifetime: `lifetime must be at least ${MIN_LIFETIME}`,
  renewBefore: "renewBefore must be smaller than lifetime",
  interval: `lifetime - renewBefore (the time between two rotations) must be at least ${MIN_ROTATION_INTERVAL}`,
  grace:
    "rotationGracePeriod must end before the next rotation: make it shorter than lifetime - renewBefore (renewBefore defaults to a third of the lifetime), or the previous tokens pile up to Unleash's limit",
};

/** The CEL side of the same rules, for the spec object; `optionalLifetime` guards each with has(self.lifetime). */
export function lifecycleValidations(optionalLifetime: boolean): Array<{ rule: string; message: string }> {
  const guard = (rule: string) => (optionalLifetime ? `!has(self.lifetime) || (${rule})` : rule);
  const withRenew = "duration(self.rotationGracePeriod) < duration(self.lifetime) - duration(self.renewBefore)";
  const withDefault = "duration(self.rotationGracePeriod).getMilliseconds() * 3 < duration(self.lifetime).getMilliseconds() * 2";
  return [
    { rule: guard(`duration(self.lifetime) >= duration('${MIN_LIFETIME}')`), message: MESSAGES.lifetime },
    { rule: guard("!has(self.renewBefore) || duration(self.renewBefore) < duration(self.lifetime)"), message: MESSAGES.renewBefore },
    {
      rule: guard(
        `!has(self.renewBefore) || duration(self.renewBefore) >= duration(self.lifetime) || duration(self.lifetime) - duration(self.renewBefore) >= duration('${MIN_ROTATION_INTERVAL}')`,
      ),
      message: MESSAGES.interval,
    },
    {
      rule: guard(`has(self.renewBefore) ? (duration(self.renewBefore) >= duration(self.lifetime) || ${withRenew}) : ${withDefault}`),
      message: MESSAGES.grace,
    },
  ];
}
