// Schema validation errors worded like unleash-server's fromOpenApiValidationErrors
// (lib/error/bad-data-error.ts): the detail names the offending path, e.g. "/body/username".
// Unleash's validator stops at the first error (Ajv without allErrors) and checks `required`
// before property types, so the emulator reports one detail: the first missing property, if any.
import type { z } from "zod";
import { validationFailed, type ErrorDetail } from "./errors.js";

export type ValidatedPart = "/body" | "/params";

/**
 * What Ajv adds when a body schema is a `oneOf` with one branch (createApiTokenSchema): after the
 * branch's first error, the `oneOf` itself, worded by unleash-server's oneOfMessage.
 */
export const ONE_OF_DETAIL: ErrorDetail = {
  message:
    'The "/body" property must match exactly one schema in oneOf. The data you provided matches more than one option ' +
    "in the schema. These options are mutually exclusive. Please refer back to the schema and remove any excess properties.",
  path: "/body",
};

/**
 * The parsed value, or throws a 400 BadDataError whose detail names the offending path, followed
 * by `trailing` (e.g. ONE_OF_DETAIL).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  data: unknown,
  part: ValidatedPart,
  trailing: readonly ErrorDetail[] = [],
): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const { issues } = result.error;
  const first = issues.find((issue) => isMissing(issue, data)) ?? issues[0];
  throw validationFailed([...(first === undefined ? [] : [detailOf(first, data, part)]), ...trailing]);
}

function isMissing(issue: z.core.$ZodIssue, data: unknown): boolean {
  return issue.path.length > 0 && valueAt(data, issue.path) === undefined;
}

function detailOf(issue: z.core.$ZodIssue, data: unknown, part: ValidatedPart): ErrorDetail {
  const path = [part, ...issue.path.map(String)].join("/");
  const value = valueAt(data, issue.path);
  if (isMissing(issue, data)) {
    return { path, message: `The \`${path}\` property is required. It was not present on the data you sent.` };
  }
  return { path, message: `The \`${path}\` property ${complaint(issue)}. You sent ${describe(value)}.` };
}

/** Worded like the Ajv messages that Unleash quotes, e.g. "must be string". */
function complaint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return `must be ${issue.expected}`;
    case "too_small":
      return `must NOT have fewer than ${issue.minimum} characters`;
    case "too_big":
      return `must NOT have more than ${issue.maximum} characters`;
    case "invalid_value":
      return `must be equal to one of the allowed values: ${issue.values.map(String).join(", ")}`;
    case "custom":
      return issue.message;
    default:
      return lowerFirst(issue.message);
  }
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  return value === undefined ? "nothing" : JSON.stringify(value);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
