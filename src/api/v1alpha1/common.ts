import { z } from "zod";
import { DURATION_PATTERN } from "./duration.js";

export const GROUP = "accounts.unleash.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A Kubernetes object name (DNS-1123 subdomain). */
export const objectName = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/);

/** A Secret data key, as Kubernetes accepts it. */
export const secretKey = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/);

/**
 * A Go-style duration ("720h", "90m", "1h30m", "45s"): the format people know
 * from cert-manager and that CEL's duration() accepts, so the schema itself
 * can compare two durations.
 */
export const duration = z
  .string()
  .max(32)
  .regex(DURATION_PATTERN);

export const conditionStatus = z.enum(["True", "False", "Unknown"]);

export const condition = z
  .object({
    type: z.string().min(1).max(316).describe("Type of the condition: Ready, Reconciling or Stalled."),
    status: conditionStatus.describe("Status of the condition: True, False or Unknown."),
    reason: z.string().min(1).max(1024).describe("CamelCase reason for the condition's last transition."),
    message: z.string().max(32768).describe("Human-readable message with details about the transition."),
    observedGeneration: z.int().min(0).optional().describe("The .metadata.generation the condition was set for."),
    lastTransitionTime: z.string().describe("When the condition last changed its status.").meta({ format: "date-time" }),
  })
  .describe("A condition in the style of metav1.Condition.");
export type Condition = z.infer<typeof condition>;

export const conditions = z
  .array(condition)
  .max(8)
  .meta({
    description: "Conditions: Ready, plus Reconciling and Stalled (abnormal-true) as kstatus, Flux and Argo CD read them.",
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["type"],
  });

export const observedGeneration = z
  .int()
  .min(0)
  .describe("The .metadata.generation that the status reflects.");

/** A map with at most `max` keys, enforced by zod and by the CRD (maxProperties) alike. */
function bounded<T extends z.ZodRecord>(map: T, max: number, extraValidations: Array<{ rule: string; message: string }> = []) {
  return map
    .refine((value) => Object.keys(value as object).length <= max, `at most ${max} entries`)
    .meta({ maxProperties: max, ...(extraValidations.length > 0 ? { "x-kubernetes-validations": extraValidations } : {}) });
}

const labelSelectorRequirement = z.object({
  key: z.string().min(1).max(317).describe("The label key the selector applies to."),
  operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]).describe("How the key relates to the values."),
  values: z.array(z.string().max(63)).max(64).optional().describe("Values for In and NotIn; empty for Exists and DoesNotExist."),
});

export const labelSelector = z
  .object({
    matchLabels: bounded(z.record(z.string().max(317), z.string().max(63)), 64).optional().describe("Labels that must all match."),
    matchExpressions: z.array(labelSelectorRequirement).max(32).optional().describe("Requirements that must all match."),
  })
  .describe("A Kubernetes label selector; an empty selector matches everything.");
export type LabelSelector = z.infer<typeof labelSelector>;

/** Namespaces by name or by label: either part admits a namespace. */
export function namespaceSet(description: string) {
  return z
    .object({
      names: z.array(objectName.max(63)).max(1024).optional().describe("Namespaces admitted by name."),
      selector: labelSelector.optional().describe("Namespaces admitted by label; {} admits all namespaces."),
    })
    .describe(description);
}
export type NamespaceSet = z.infer<ReturnType<typeof namespaceSet>>;

/**
 * A qualified name as the API server checks label and annotation keys: an
 * optional DNS-subdomain prefix and "/", then a name of at most 63 characters.
 * Checked here because the API server would refuse the Secret only after its
 * token was created.
 */
// "[.]" rather than an escaped dot: the same text is a JavaScript regex and a CEL string literal.
const QUALIFIED_NAME = "^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";
const qualifiedNameRegex = new RegExp(QUALIFIED_NAME);
const MAX_PREFIX = 253;
const QUALIFIED_NAME_MESSAGE = "keys must be qualified names: [prefix/]name, the name at most 63 characters of letters, digits, '-', '_' and '.'";
const qualifiedName = z
  .string()
  .min(1)
  .max(317)
  .refine((key) => qualifiedNameRegex.test(key) && key.indexOf("/") <= MAX_PREFIX, QUALIFIED_NAME_MESSAGE);
const qualifiedKeysRule = {
  rule: `self.all(k, k.matches('${QUALIFIED_NAME}') && k.indexOf('/') <= ${MAX_PREFIX})`,
  message: QUALIFIED_NAME_MESSAGE,
};
const labelValue = z
  .string()
  .max(63)
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/, "must be a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");

/**
 * Bounded string maps for labels and annotations that the operator copies onto Secrets. 64 annotations of
 * at most 3,500 characters stay under the API server's 256 KiB limit with the operator's own annotations.
 */
export const labelMap = bounded(z.record(qualifiedName, labelValue), 64, [qualifiedKeysRule]);
export const annotationMap = bounded(z.record(qualifiedName, z.string().max(3500)), 64, [qualifiedKeysRule]);
