import { pino, type DestinationStream, type Level, type Logger } from "pino";
import { redactSecrets } from "./scrub.js";

export type { Logger };

/** Field names that hold credentials wherever they appear in a log record. */
const REDACT_PATHS = [
  "token",
  "secret",
  "adminToken",
  "authorization",
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

/**
 * Redaction happens on the finished line, after pino has interpolated
 * messages, serialized errors and merged child bindings: whatever path a
 * token took into a record, it is caught there. Known credential fields are
 * censored before that, and SecretValue never prints in the first place.
 */
function redactingDestination(destination: DestinationStream): DestinationStream {
  return { write: (line: string) => destination.write(redactSecrets(line)) };
}

export function createLogger(options: { level: Level; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      name: options.name ?? "unleash-accounts-operator",
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    redactingDestination(options.destination ?? pino.destination({ dest: 1, sync: true })),
  );
}
