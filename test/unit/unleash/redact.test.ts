import { describe, expect, it } from "vitest";
import { REDACTED, redactSecrets } from "../../../src/logging/scrub.js";

const hex56 = "0123456789abcdef".repeat(4).slice(0, 56);

describe("redactSecrets", () => {
  it.each([
    ["a PAT", `user:${hex56}`],
    ["a flagged-format PAT", "user:v2_AbCdEfGhIjKlMnOpQrStUv_0123456789abcdefABCDEFghijklmnopqrstuvwx"],
    ["an all-projects admin token", `*:*.${hex56}`],
    ["a project token", `default:development.${hex56}`],
    ["a multi-project token", `[]:production.${hex56}`],
    ["a token with a hyphenated project", `my-project:pre_prod.${hex56}`],
  ])("hides %s inside a sentence", (_label, secret) => {
    const redacted = redactSecrets(`invalid token ${secret} for /api/admin`);
    expect(redacted).toBe(`invalid token ${REDACTED} for /api/admin`);
  });

  it("hides a known secret of any shape, wherever it appears", () => {
    expect(redactSecrets("token=plain-admin-secret; again plain-admin-secret", ["plain-admin-secret"])).toBe(
      `token=${REDACTED}; again ${REDACTED}`,
    );
  });

  it("leaves ordinary error text alone", () => {
    const text = "Request validation failed: body.username must be string (path /body/username, id 5a3f)";
    expect(redactSecrets(text, [""])).toBe(text);
  });
});
