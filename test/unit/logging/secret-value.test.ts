import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SecretValue } from "../../../src/logging/secret-value.js";

const VALUE = "user:" + "c0ffee00".repeat(7);

describe("SecretValue", () => {
  const secret = new SecretValue(VALUE);

  it("gives the value only through reveal()", () => {
    expect(secret.reveal()).toBe(VALUE);
  });

  it.each([
    ["String()", () => String(secret)],
    ["a template literal", () => `${secret}`],
    ["string concatenation", () => "" + secret],
    ["JSON.stringify", () => JSON.stringify({ token: secret, list: [secret] })],
    ["util.inspect", () => inspect({ token: secret }, { depth: 5, showHidden: true })],
    ["util.format %s %o %O %j", () => format("%s %o %O %j", secret, secret, { secret }, { secret })],
    ["Object.entries", () => JSON.stringify(Object.entries(secret))],
    ["structuredClone", () => JSON.stringify(structuredClone(secret))],
  ])("prints [REDACTED] through %s", (_, print) => {
    const text = print();
    expect(text).not.toContain(VALUE);
  });

  it("says [REDACTED] where it is printed", () => {
    expect(String(secret)).toBe("[REDACTED]");
    expect(JSON.stringify(secret)).toBe('"[REDACTED]"');
    expect(inspect(secret)).toBe("[REDACTED]");
  });
});
