import type { V1Secret } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import {
  Annotations,
  buildSecret,
  ownershipOf,
  readSecretRecord,
  sha256,
  type SecretContent,
  type SecretOwnership,
} from "../../../../src/controllers/token/secret-record.js";
import { MANAGED_BY, MANAGED_BY_LABEL, TOKEN_LABEL } from "../../../../src/api/v1alpha1/labels.js";
import { ME } from "./fixtures.js";

const TOKEN = "user:" + "0a1b2c3d".repeat(7);
const KEY = "UNLEASH_API_TOKEN";
const held = [{ id: 6, revokeAfter: "2026-03-01T12:10:00.000Z" }];

function content(overrides: Partial<SecretContent> = {}): SecretContent {
  return {
    name: "app-token",
    namespace: ME.namespace,
    owner: { name: ME.name, namespace: ME.namespace, uid: ME.uid, kind: "ServiceAccountToken" },
    type: "Opaque",
    labels: { team: "a" },
    annotations: {
      [Annotations.tokenId]: "7",
      [Annotations.tokenHash]: sha256(TOKEN),
      [Annotations.expiresAt]: "2026-05-30T12:00:00.000Z",
      [Annotations.lifetime]: "2160h",
      [Annotations.held]: JSON.stringify(held),
      [Annotations.rotateRequest]: "r1",
    },
    data: { [KEY]: TOKEN, UNLEASH_URL: "https://unleash.example.com" },
    ...overrides,
  };
}

const written = (overrides: Partial<SecretContent> = {}) => buildSecret(content(overrides));

function withAnnotations(secret: V1Secret, annotations: Record<string, string | undefined>): V1Secret {
  const merged = { ...secret.metadata?.annotations, ...annotations };
  const kept = Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return { ...secret, metadata: { ...secret.metadata, annotations: kept } };
}

const withData = (secret: V1Secret, data: Record<string, string>): V1Secret => ({ ...secret, data });
const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

describe("ownershipOf", () => {
  it("absent when there is no Secret", () => {
    expect(ownershipOf(undefined, ME.uid)).toBe("absent");
  });

  it("owned when an ownerReference names this resource's uid", () => {
    expect(ownershipOf(written(), ME.uid)).toBe("owned");
  });

  it("unowned when the Secret has no ownerReferences at all", () => {
    expect(ownershipOf({ metadata: { name: "x" } }, ME.uid)).toBe("unowned");
    expect(ownershipOf({ metadata: { name: "x", ownerReferences: [] } }, ME.uid)).toBe("unowned");
  });

  it("foreign when something else owns it, even with the same name and kind", () => {
    expect(ownershipOf(written(), "another-uid")).toBe("foreign");
  });
});

describe("buildSecret", () => {
  it("writes the token and URL base64-encoded, with the managed label and a controller ownerReference", () => {
    const secret = written();
    expect(Buffer.from(secret.data?.[KEY] ?? "", "base64").toString("utf8")).toBe(TOKEN);
    expect(Buffer.from(secret.data?.UNLEASH_URL ?? "", "base64").toString("utf8")).toBe("https://unleash.example.com");
    expect(secret.metadata?.labels).toEqual({ team: "a", [MANAGED_BY_LABEL]: MANAGED_BY, [TOKEN_LABEL]: ME.name });
    expect(secret.metadata?.ownerReferences).toEqual([
      { apiVersion: "accounts.unleash.dev/v1alpha1", kind: "ServiceAccountToken", name: ME.name, uid: ME.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(secret.type).toBe("Opaque");
    expect(secret.metadata?.namespace).toBe(ME.namespace);
  });

  it("keeps the managed label even if the user's labels try to override it", () => {
    const secret = written({ labels: { [MANAGED_BY_LABEL]: "someone-else", [TOKEN_LABEL]: "other" } });
    expect(secret.metadata?.labels?.[MANAGED_BY_LABEL]).toBe(MANAGED_BY);
    expect(secret.metadata?.labels?.[TOKEN_LABEL]).toBe(ME.name);
  });

  it("carries a resourceVersion only for updates", () => {
    expect(buildSecret(content()).metadata).not.toHaveProperty("resourceVersion");
    expect(buildSecret(content(), "42").metadata?.resourceVersion).toBe("42");
  });

  it("never stores the token in an annotation, only its hash", () => {
    expect(JSON.stringify(written().metadata)).not.toContain(TOKEN);
  });
});

describe("readSecretRecord", () => {
  it("reads back what buildSecret wrote: intact token id, hash, held tokens, lifetime and rotate request", () => {
    expect(readSecretRecord(written(), ME.uid, KEY)).toEqual({
      ownership: "owned",
      intactTokenId: 7,
      tokenHash: sha256(TOKEN),
      tampered: false,
      held,
      lifetime: "2160h",
      rotateRequest: "r1",
    });
  });

  it("reads the token under a renamed key", () => {
    const secret = written({ data: { "api-token": TOKEN } });
    expect(readSecretRecord(secret, ME.uid, "api-token").intactTokenId).toBe(7);
    expect(readSecretRecord(secret, ME.uid, KEY).intactTokenId).toBeUndefined();
  });

  it("notices an edited token through the sha256 annotation", () => {
    const record = readSecretRecord(withData(written(), { [KEY]: base64(TOKEN + "x") }), ME.uid, KEY);
    expect(record.tampered).toBe(true);
    expect(record.intactTokenId).toBeUndefined();
    expect(record.tokenHash).toBeUndefined();
  });

  it("notices a removed token key", () => {
    const record = readSecretRecord(withData(written(), { UNLEASH_URL: base64("https://x") }), ME.uid, KEY);
    expect(record.tampered).toBe(true);
    expect(record.intactTokenId).toBeUndefined();
  });

  it("does not trust a token id that is not a number", () => {
    const record = readSecretRecord(withAnnotations(written(), { [Annotations.tokenId]: "seven" }), ME.uid, KEY);
    expect(record.intactTokenId).toBeUndefined();
    expect(record.tampered).toBe(true);
  });

  it("without a hash annotation it knows no token, but does not call it tampered", () => {
    const record = readSecretRecord(withAnnotations(written(), { [Annotations.tokenHash]: undefined }), ME.uid, KEY);
    expect(record.intactTokenId).toBeUndefined();
    expect(record.tampered).toBe(false);
  });

  it.each(["not json", "{}", '[{"id":"6"}]', '[{"id":6}]', "null"])("treats an unreadable held-tokens annotation (%s) as empty", (text) => {
    expect(readSecretRecord(withAnnotations(written(), { [Annotations.held]: text }), ME.uid, KEY).held).toEqual([]);
  });

  it.each<[string, V1Secret | undefined, SecretOwnership]>([
    ["a Secret that is absent", undefined, "absent"],
    ["a Secret owned by something else", written({ owner: { name: "x", uid: "another-uid", kind: "ServiceAccountToken" } }), "foreign"],
    ["a Secret without owner", { ...written(), metadata: { ...written().metadata, ownerReferences: [] } }, "unowned"],
  ])("reads nothing from %s, so copied annotations cannot claim tokens", (_, secret, ownership) => {
    expect(readSecretRecord(secret, ME.uid, KEY)).toEqual({ ownership, tampered: false, held: [] });
  });
});
