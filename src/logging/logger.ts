import { pino, type DestinationStream, type Level, type Logger } from "pino";
import { scrubText, scrubValue } from "./scrub.js";

export type { Logger };

/** Field names that hold credentials wherever they appear in a log record. */
const REDACT_PATHS = [
  "token",
  "secret",
  "adminToken",
  "authorization",
  "headers.authorization",
  "*.token",
  "*.secret",
  "*.adminToken",
  "*.authorization",
  "*.headers.authorization",
  "data",
  "*.data",
  "stringData",
  "*.stringData",
];

export function createLogger(options: { level: Level; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      name: options.name ?? "unleash-accounts-operator",
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      formatters: {
        log: (record) => scrubValue(record) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === "string" ? scrubText(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: unknown) => scrubValue(err) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
