import type { DestinationStream, Level } from "pino";
import { describe, expect, it } from "vitest";
import { createLogger, type Logger } from "../../../src/logging/logger.js";
import { SecretValue } from "../../../src/logging/secret-value.js";

// Sentinels: each appears nowhere else, so finding one in the output is a leak.
const PAT = "user:" + "5ec7e75a".repeat(7);
const PAT_V2 = "user:v2_S3ntinelPat_AbCdEfGhIjKlMnOpQrStUvWxYz012345";
const ADMIN = "*:*." + "ad1e5ec7".repeat(8);
const API = "default:development." + "de7e5ec7".repeat(8);
const OPAQUE_BEARER = "opaque-bearer-credential-4711";
const WRAPPED = "wrapped-secret-value-0815";
const SENTINELS = [PAT, PAT_V2, ADMIN, API, OPAQUE_BEARER, WRAPPED];

const LEVELS: Level[] = ["trace", "debug", "info", "warn", "error", "fatal"];
const LEVEL_NUMBERS: Record<Level, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/** A logger at the most verbose level writing into memory. */
function capture(): { logger: Logger; output: () => string; records: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const destination: DestinationStream = { write: (chunk: string) => void chunks.push(chunk) };
  const logger = createLogger({ level: "trace", destination });
  const output = () => chunks.join("");
  return { logger, output, records: () => output().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>) };
}

function expectNoSentinel(text: string) {
  for (const sentinel of SENTINELS) expect(text, `leaked ${sentinel.slice(0, 12)}…`).not.toContain(sentinel);
}

function errorCarrying(text: string): Error {
  const err = new Error(`Unleash answered 401 for ${text}`);
  err.stack = `Error: Unleash answered 401 for ${text}\n    at call (client.ts:1:1)`;
  return err;
}

describe("createLogger redacts credentials by construction", () => {
  it.each(LEVELS)("at level %s: message, fields, nested objects, errors, headers and SecretValues", (level) => {
    const { logger, output, records } = capture();
    const log = logger[level].bind(logger);
    log({ token: PAT, adminToken: ADMIN, secret: WRAPPED, headers: { authorization: `Bearer ${OPAQUE_BEARER}` } }, `issued ${PAT} with admin ${ADMIN}`);
    log({ request: { headers: { authorization: `Bearer ${OPAQUE_BEARER}` } }, response: { body: `{"message":"bad token ${API}"}` } }, "call failed");
    log({ nested: { deeper: { list: [PAT_V2, { value: `x ${API} y` }] } }, wrapped: new SecretValue(WRAPPED) }, "nested");
    log({ err: errorCarrying(PAT) }, "request failed");
    log({ secretData: { data: { UNLEASH_API_TOKEN: Buffer.from(PAT).toString("base64") } } }, "secret");
    log(`plain message with ${PAT_V2} and ${API}`);
    log("formatted %s and %s", PAT, new SecretValue(WRAPPED));
    log({ Authorization: `Bearer ${ADMIN}` }, "upper-case header name with a real token");

    const text = output();
    expectNoSentinel(text);
    expect(text).not.toContain(Buffer.from(PAT).toString("base64"));
    expect(text).toContain("[REDACTED]");
    const lines = records();
    expect(lines).toHaveLength(8);
    for (const line of lines) expect(line.level).toBe(LEVEL_NUMBERS[level]);
  });

  it("keeps the redacted records useful: messages, error type and stack frames survive", () => {
    const { logger, records } = capture();
    logger.error({ err: errorCarrying(PAT), tokenId: 42 }, "request failed");
    const [record] = records();
    expect(record?.msg).toBe("request failed");
    expect(record?.tokenId).toBe(42);
    expect(record?.err).toMatchObject({ type: "Error", message: "Unleash answered 401 for [REDACTED]" });
    expect(String((record?.err as { stack?: unknown } | undefined)?.stack)).toContain("at call (client.ts:1:1)");
  });

  it("does not mangle ordinary text", () => {
    const { logger, records } = capture();
    const ordinary = [
      "user:alice logged in",
      "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
      "2026-03-01T12:00:00.000Z",
      "https://unleash.example.com:4242/api/admin/service-account/7/token",
      "team-a/app-token [k8s prod-eu team-a/app-token uid=0d6f7c1e-1111-4a2b-9c3d-5e6f7a8b9c0d #3]",
      "token 42 in Secret team-a/app, expires 2026-05-30T12:00:00.000Z",
      "sha256:9b74c9897bac770ffc029102a200c5de",
    ];
    logger.info({ uid: ordinary[1], at: ordinary[2], url: ordinary[3], description: ordinary[4], tokenId: 42, secretName: "app" }, ordinary.join(" | "));
    const [record] = records();
    expect(record?.msg).toBe(ordinary.join(" | "));
    expect(record).toMatchObject({ uid: ordinary[1], at: ordinary[2], url: ordinary[3], description: ordinary[4], tokenId: 42, secretName: "app" });
  });

  it("logs nothing below the configured level", () => {
    const chunks: string[] = [];
    const logger = createLogger({ level: "warn", destination: { write: (chunk: string) => void chunks.push(chunk) } });
    logger.info(`hidden ${PAT}`);
    logger.debug("hidden");
    logger.warn("shown");
    expect(chunks).toHaveLength(1);
  });

  describe("leaks found by probing other ways of logging", () => {
    it("an Error passed as the only argument does not leak through msg", () => {
      const { logger, output } = capture();
      logger.error(errorCarrying(PAT));
      expectNoSentinel(output());
    });

    it("objects interpolated with %j, %o and %O are scrubbed", () => {
      const { logger, output } = capture();
      logger.info("body %j", { message: `bad token ${PAT}` });
      logger.info("body %o", { message: `bad token ${API}` });
      logger.info("body %O", { message: `bad token ${ADMIN}` });
      expectNoSentinel(output());
    });

    it("a token nested deeply is still redacted", () => {
      const { logger, output } = capture();
      let deep: Record<string, unknown> = { value: PAT };
      for (let i = 0; i < 12; i++) deep = { level: deep };
      logger.info({ deep }, "deep");
      expectNoSentinel(output());
    });

    it("child logger bindings are scrubbed", () => {
      const { logger, output } = capture();
      logger.child({ request: `GET /api/admin/user with ${PAT}` }).info("child");
      expectNoSentinel(output());
    });

    it("a multi-project API token []:<env>.<secret> is redacted", () => {
      const multiProject = "[]:production." + "3e5ec7ab".repeat(8);
      const { logger, output } = capture();
      logger.info(`created ${multiProject}`);
      expect(output()).not.toContain(multiProject);
    });
  });
});
