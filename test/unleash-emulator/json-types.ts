// Body types with the semantics of the validator behind Unleash's routes (@wesleytodd/openapi:
// Ajv with coerceTypes and ajv-formats): a scalar of another type is converted when it can be,
// so `"rootRole": "2"` is accepted as 2 and `"username": 42` as "42".
import { z } from "zod";

function toStringValue(value: unknown): unknown {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return value === null ? "" : value;
}

function toNumberValue(value: unknown): unknown {
  if (typeof value === "boolean") return Number(value);
  if (typeof value === "string" && value !== "" && Number.isFinite(Number(value))) return Number(value);
  return value === null ? 0 : value;
}

function toBooleanValue(value: unknown): unknown {
  if (value === "true" || value === 1) return true;
  return value === "false" || value === 0 || value === null ? false : value;
}

export function jsonString<S extends z.ZodType<string>>(schema: S) {
  return z.preprocess(toStringValue, schema);
}

export function jsonInteger() {
  const integer = z.custom<number>((value) => Number.isInteger(value), { error: "must be integer" });
  return z.preprocess(toNumberValue, integer);
}

export function jsonBoolean() {
  return z.preprocess(toBooleanValue, z.boolean());
}

/** ajv-formats "date-time": an RFC 3339 date and time with a time zone. */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[t\s]\d{2}:\d{2}:\d{2}(\.\d+)?(z|[+-]\d{2}(:?\d{2})?)$/i;

export function jsonDateTime() {
  return jsonString(
    z
      .string()
      .refine((value) => RFC3339_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)), {
        error: 'must match format "date-time"',
      }),
  );
}
