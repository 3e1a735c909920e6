import { ApiException } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { stalled, StalledReasons } from "../../../../src/api/v1alpha1/conditions.js";
import { outcomeForError, StalledError } from "../../../../src/controllers/shared/outcomes.js";
import {
  UnleashBadRequestError,
  UnleashConflictError,
  UnleashError,
  UnleashNotFoundError,
  UnleashProtocolError,
  UnleashRateLimitedError,
  UnleashTooManyTokensError,
  UnleashTransientError,
  UnleashUnauthorizedError,
} from "../../../../src/unleash/errors.js";

const route = "POST /api/admin/service-account/{id}/token";
const PAT = "user:" + "9f8e7d6c".repeat(7);

describe("outcomeForError", () => {
  it("passes a StalledError's outcome through and does not retry", () => {
    const outcome = stalled("RootRoleNotFound", "role Ops does not exist in Unleash");
    expect(outcomeForError(new StalledError(outcome))).toEqual({ outcome, retry: false });
  });

  it("401: AdminTokenRejected, stalled, saying the token is unknown or expired", () => {
    const { outcome, retry } = outcomeForError(new UnleashUnauthorizedError({ status: 401, route, kind: "unauthenticated", message: "no" }));
    expect(outcome).toMatchObject({ state: "Stalled", reason: "AdminTokenRejected" });
    expect(outcome.message).toMatch(/unknown or expired \(401\)/);
    expect(outcome.message).toMatch(/admin token Secret/);
    expect(retry).toBe(false);
  });

  it("403: AdminTokenRejected, stalled, saying the token lacks ADMIN", () => {
    const { outcome, retry } = outcomeForError(new UnleashUnauthorizedError({ status: 403, route, kind: "forbidden", message: "no" }));
    expect(outcome).toMatchObject({ state: "Stalled", reason: "AdminTokenRejected" });
    expect(outcome.message).toMatch(/ADMIN permission \(403\)/);
    expect(retry).toBe(false);
  });

  it.each(["DEPTH_ZERO_SELF_SIGNED_CERT", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_HAS_EXPIRED"])(
    "TLS failure %s: CertificateInvalid, stalled, pointing at caSecretRef",
    (causeCode) => {
      const err = new UnleashTransientError({ route, causeCode, transport: "tls", message: `TLS certificate verification failed for ${route} (${causeCode})` });
      const { outcome, retry } = outcomeForError(err);
      expect(outcome).toMatchObject({ state: "Stalled", reason: "CertificateInvalid" });
      expect(outcome.message).toMatch(/certificate/i);
      expect(outcome.message).toContain("caSecretRef");
      expect(retry).toBe(false);
    },
  );

  it.each([
    ["connection refused", new UnleashTransientError({ route, causeCode: "ECONNREFUSED", message: "Unleash is unreachable (ECONNREFUSED)" })],
    ["a timeout", new UnleashTransientError({ route, causeCode: "UND_ERR_HEADERS_TIMEOUT", message: "Unleash did not answer within 10000 ms" })],
    ["a 503", new UnleashTransientError({ status: 503, route, message: "Unleash failed to answer (503)" })],
  ])("%s: UnleashUnavailable, progressing, retried with backoff", (_, err) => {
    const { outcome, retry } = outcomeForError(err);
    expect(outcome).toMatchObject({ state: "Progressing", reason: "UnleashUnavailable" });
    expect(outcome.message).toContain(err.message);
    expect(retry).toBe(true);
  });

  it("429: RateLimited, progressing, retried", () => {
    const { outcome, retry } = outcomeForError(new UnleashRateLimitedError({ status: 429, route, retryAfterMs: 5000, message: "slow down" }));
    expect(outcome).toMatchObject({ state: "Progressing", reason: "RateLimited" });
    expect(outcome.message).toContain(route);
    expect(retry).toBe(true);
  });

  it("400: UnleashRejected, stalled, with Unleash's explanation", () => {
    const err = new UnleashBadRequestError({ status: 400, route, details: [{ message: "expiresAt must be in the future" }], message: "Unleash rejected the request: bad expiresAt" });
    const { outcome, retry } = outcomeForError(err);
    expect(outcome).toMatchObject({ state: "Stalled", reason: "UnleashRejected" });
    expect(outcome.message).toContain("bad expiresAt");
    expect(retry).toBe(false);
  });

  it("a body that is not the Admin API's: UnleashRejected, stalled", () => {
    const { outcome, retry } = outcomeForError(new UnleashProtocolError({ status: 200, route, message: "expected JSON, got an HTML page" }));
    expect(outcome).toMatchObject({ state: "Stalled", reason: "UnleashRejected" });
    expect(retry).toBe(false);
  });

  it.each([
    ["404", new UnleashNotFoundError({ status: 404, route, message: "no such object" })],
    ["409", new UnleashConflictError({ status: 409, route, message: "conflict" })],
    ["a redirect", new UnleashError({ status: 302, route, message: "Unleash redirected the request" })],
  ])("another Unleash failure (%s) that reaches it is retried, with the route in the message", (_, err) => {
    const { outcome, retry } = outcomeForError(err);
    expect(outcome.state).toBe("Progressing");
    expect(outcome.message).toContain(route);
    expect(retry).toBe(true);
  });

  it("an account at Unleash's token limit reports TokenLimitReached, not UnleashUnavailable", () => {
    const { outcome } = outcomeForError(new UnleashTooManyTokensError({ status: 403, route, message: "The service account already has the maximum number of tokens" }));
    expect(outcome.reason).toBe(StalledReasons.TokenLimitReached);
  });

  it("a Kubernetes API failure: KubernetesError with the API server's message, retried", () => {
    const body = JSON.stringify({ kind: "Status", message: 'secrets "app" is forbidden: User "op" cannot update resource "secrets"', reason: "Forbidden" });
    const { outcome, retry } = outcomeForError(new ApiException(403, "Forbidden", body, {}));
    expect(outcome).toMatchObject({ state: "Progressing", reason: "KubernetesError" });
    expect(outcome.message).toContain("cannot update resource");
    expect(outcome.message).toContain("403");
    expect(retry).toBe(true);
  });

  it.each([
    ["an Error", new TypeError("boom")],
    ["a thrown string", "boom"],
  ])("anything else (%s): Reconciling with the message, retried", (_, err) => {
    const { outcome, retry } = outcomeForError(err);
    expect(outcome).toMatchObject({ state: "Progressing", reason: "Reconciling" });
    expect(outcome.message).toContain("boom");
    expect(retry).toBe(true);
  });

  describe("never puts a token into status or events", () => {
    it("Unleash errors are redacted when they are made", () => {
      for (const err of [
        new UnleashTransientError({ status: 502, route, message: `proxy echoed Authorization ${PAT}` }),
        new UnleashBadRequestError({ status: 400, route, details: [], message: `bad token ${PAT}` }),
      ]) {
        expect(outcomeForError(err).outcome.message).not.toContain(PAT);
      }
    });

    it("an unexpected Error whose message carries a token", () => {
      expect(outcomeForError(new Error(`write failed for ${PAT}`)).outcome.message).not.toContain(PAT);
    });

    it("a Kubernetes API error whose message echoes a token", () => {
      const body = JSON.stringify({ kind: "Status", message: `Secret "app" is invalid: data: value ${PAT} too long` });
      expect(outcomeForError(new ApiException(422, "Unprocessable", body, {})).outcome.message).not.toContain(PAT);
    });
  });
});
