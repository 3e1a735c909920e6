import { inspect } from "node:util";

const REDACTED = "[REDACTED]";

/**
 * A credential that cannot leak by accident: every way of turning it into text
 * (String(), template literals, JSON, util.inspect, pino) yields "[REDACTED]".
 * Only `reveal()` gives the value, and the one place that calls it writes a Secret.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
