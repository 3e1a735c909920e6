import { describe, expect, it } from "vitest";
import { redactSecrets } from "../../../src/logging/scrub.js";

const PAT = "user:" + "0123456789abcdef".repeat(3) + "01234567";
const PAT_V2 = "user:v2_AbC-dEf_0123456789";
const ADMIN = "*:*.964a287e1b728cb5f4f3e0120df92cb5";
const API = "default:development.4b1d2e3f4a5b6c7d8e9f";
const PROJECT_WILDCARD = "*:production.4b1d2e3f4a5b6c7d8e9f";
const API_V2 = "[]:development.v2_AbCdEfGhIjKlMnOpQrStUv_0123456789abcdefghijABCDEFGHIJ_-xyz";

describe("redactSecrets", () => {
  it.each([
    ["a PAT", PAT],
    ["a v2 PAT", PAT_V2],
    ["an admin token", ADMIN],
    ["an environment token", API],
    ["an all-projects token", PROJECT_WILDCARD],
    ["a v2 API token", API_V2],
  ])("replaces %s wherever it stands in the text", (_, token) => {
    for (const text of [token, `before ${token} after`, `"${token}"`, `(${token}),`, `${token}\n${token}`]) {
      const scrubbed = redactSecrets(text);
      expect(scrubbed).not.toContain(token);
      expect(scrubbed).toContain("[REDACTED]");
    }
  });

  it("keeps the surrounding text", () => {
    expect(redactSecrets(`created ${PAT} for app`)).toBe("created [REDACTED] for app");
  });

  it.each([
    ["authorization: Bearer opaque-value", "authorization: [REDACTED]"],
    ['"authorization":"opaque-value"', '"authorization":"[REDACTED]"'],
    ["Authorization=opaque-value next", "Authorization=[REDACTED] next"],
  ])("replaces the value of an authorization header in %j", (text, expected) => {
    expect(redactSecrets(text)).toBe(expected);
  });

  it.each([
    "user:alice logged in",
    "user:bob",
    "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    "2026-03-01T12:00:00.000Z",
    "https://unleash.example.com:4242/api/admin/service-account/7",
    "team-a/app-token [k8s prod-eu team-a/app-token uid=0d6f7c1e-1111-4a2b-9c3d-5e6f7a8b9c0d #3]",
    "http://host:8080/x.y",
    "a:b.c",
  ])("leaves %j alone", (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  it("is idempotent", () => {
    const once = redactSecrets(`a ${PAT} b ${ADMIN} c authorization: Bearer x`);
    expect(redactSecrets(once)).toBe(once);
  });
});
