import { describe, expect, it } from "vitest";
import { clusterUnleashConnectionSpec, unleashConnectionSpec } from "../../../src/api/v1alpha1/connection.js";
import { serviceAccountSpec } from "../../../src/api/v1alpha1/service-account.js";
import { serviceAccountTokenSpec } from "../../../src/api/v1alpha1/service-account-token.js";

const minimalToken = { serviceAccountRef: { name: "app" } };
const minimalAccount = { connectionRef: { kind: "ClusterUnleashConnection", name: "prod" }, rootRole: "Viewer" };
const minimalConnection = { url: "https://unleash.example.com", adminTokenSecretRef: { name: "unleash-admin" } };

describe("ServiceAccountToken spec", () => {
  it("defaults lifetime to 2160h and the grace period to 10m, and leaves renewBefore to the lifetime", () => {
    const spec = serviceAccountTokenSpec.parse(minimalToken);
    expect(spec.lifetime).toBe("2160h");
    expect(spec.rotationGracePeriod).toBe("10m");
    expect(spec.renewBefore).toBeUndefined();
  });

  it("defaults the Secret's type, adopt flag and key names when spec.secret is given", () => {
    const spec = serviceAccountTokenSpec.parse({ ...minimalToken, secret: { name: "creds", keys: {} } });
    expect(spec.secret).toEqual({ name: "creds", adopt: false, type: "Opaque", keys: { token: "UNLEASH_API_TOKEN", url: "UNLEASH_URL" } });
  });

  it.each(["720h", "90m", "1h30m", "1.5h", "2m", "120000ms"])("accepts the lifetime %s", (lifetime) => {
    expect(serviceAccountTokenSpec.safeParse({ ...minimalToken, lifetime, rotationGracePeriod: "1m" }).success).toBe(true);
  });

  it.each(["45s", "250ms", "1m59s"])("rejects the lifetime %s, shorter than 2m as the CRD's rule says", (lifetime) => {
    expect(serviceAccountTokenSpec.safeParse({ ...minimalToken, lifetime }).success).toBe(false);
  });

  it.each(["30d", "10", "h", "-1h", "1 h", "1h ", "", "1".repeat(40) + "h"])("rejects the duration %j", (lifetime) => {
    expect(serviceAccountTokenSpec.safeParse({ ...minimalToken, lifetime }).success).toBe(false);
  });

  it.each([
    ["a description with brackets", { description: "team [a]" }],
    ["a multi-line description", { description: "a\nb" }],
    ["an over-long description", { description: "x".repeat(101) }],
    ["a secret name that is not a DNS name", { secret: { name: "Bad_Name" } }],
    ["an unknown workload kind", { rolloutRestartTargets: [{ kind: "Pod", name: "web" }] }],
    ["more than 16 restart targets", { rolloutRestartTargets: Array.from({ length: 17 }, (_, i) => ({ kind: "Deployment", name: `web-${i}` })) }],
    ["a label value over 63 characters", { secret: { labels: { team: "x".repeat(64) } } }],
    ["a missing serviceAccountRef", { serviceAccountRef: undefined }],
  ])("rejects %s", (_, overrides) => {
    expect(serviceAccountTokenSpec.safeParse({ ...minimalToken, ...overrides }).success).toBe(false);
  });

  // The CRD enforces maxProperties and these CEL rules; zod only carries them as metadata. A spec that slipped
  // past the API server (an older CRD, a disabled CEL) must still be refused with a clear condition instead
  // of issuing tokens that expire at once or renewing on a silent fallback.
  it("the operator's own parse rejects more than 64 Secret labels, as the CRD does", () => {
    const labels = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, "v"]));
    expect(serviceAccountTokenSpec.safeParse({ ...minimalToken, secret: { labels } }).success).toBe(false);
  });

  it.each([
    ["lifetime below 2m", { lifetime: "1s" }],
    ["lifetime 0h", { lifetime: "0h" }],
    ["renewBefore equal to lifetime", { lifetime: "1h", renewBefore: "1h" }],
    ["renewBefore longer than lifetime", { lifetime: "1h", renewBefore: "2h" }],
  ])("the operator's own parse rejects %s, as the CRD's CEL rules do", (_, overrides) => {
    expect(serviceAccountTokenSpec.safeParse({ ...minimalToken, ...overrides }).success).toBe(false);
  });
});

describe("ServiceAccountToken spec: specs that would loop against Unleash", () => {
  const messages = (overrides: object) => {
    const parsed = serviceAccountTokenSpec.safeParse({ ...minimalToken, ...overrides });
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  };

  it("refuses the same key for the token and the URL, defaults included", () => {
    expect(messages({ secret: { keys: { token: "K", url: "K" } } }).join()).toContain("secret.keys (token, url) must all differ");
    expect(messages({ secret: { keys: { token: "UNLEASH_URL" } } }).join()).toContain("must all differ");
    expect(messages({ secret: { keys: { token: "A", url: "B" } } })).toEqual([]);
  });

  it.each([
    ["a grace period as long as the time between rotations", { lifetime: "2m", renewBefore: "1m", rotationGracePeriod: "1m" }],
    ["an hour of grace on a token rotated every 10 s", { lifetime: "2m", renewBefore: "110s", rotationGracePeriod: "1h" }],
    ["the default grace (10m) on a 2m lifetime", { lifetime: "2m" }],
    ["a grace of two thirds of the lifetime, renewBefore defaulted", { lifetime: "3h", rotationGracePeriod: "2h" }],
  ])("refuses %s: the previous tokens would pile up", (_, overrides) => {
    expect(messages(overrides).join()).toContain("rotationGracePeriod must end before the next rotation");
  });

  it("refuses rotations less than a minute apart", () => {
    expect(messages({ lifetime: "2m", renewBefore: "110s", rotationGracePeriod: "5s" }).join()).toContain("must be at least 1m");
  });

  it.each([
    ["the defaults", {}],
    ["grace just under the interval", { lifetime: "2m", renewBefore: "1m", rotationGracePeriod: "59s" }],
    ["grace just under two thirds of the lifetime", { lifetime: "3h", rotationGracePeriod: "119m" }],
  ])("accepts %s", (_, overrides) => {
    expect(messages(overrides)).toEqual([]);
  });

  it.each(["kubernetes.io/tls", "kubernetes.io/dockerconfigjson", "kubernetes.io/basic-auth", "bootstrap.kubernetes.io/token"])(
    "refuses the Secret type %s, whose required keys the operator does not write",
    (type) => {
      expect(messages({ secret: { type } }).join()).toContain("secret.type must be Opaque or a type of your own");
    },
  );

  it.each(["Opaque", "example.com/unleash-token"])("accepts the Secret type %s", (type) => {
    expect(messages({ secret: { type } })).toEqual([]);
  });

  it.each([
    ["a label value with a space", { labels: { team: "a b" } }],
    ["a label value ending in a dash", { labels: { team: "a-" } }],
    ["a label key with a space", { labels: { "my team": "a" } }],
    ["a label key whose name part is over 63 characters", { labels: { ["x".repeat(64)]: "a" } }],
    ["an annotation key with two slashes", { annotations: { "a/b/c": "v" } }],
    ["an annotation value over 3500 characters", { annotations: { note: "x".repeat(3501) } }],
  ])("refuses %s, which the API server would refuse only after the token exists", (_, secret) => {
    expect(messages({ secret })).not.toEqual([]);
  });

  it("accepts qualified label and annotation keys", () => {
    expect(messages({ secret: { labels: { "app.kubernetes.io/part-of": "checkout", team: "" }, annotations: { "reloader.stakater.com/match": "true" } } })).toEqual([]);
  });
});

describe("ServiceAccount spec", () => {
  it("defaults deletionPolicy to Delete and adoptExisting to false; username stays unset (metadata.name)", () => {
    const spec = serviceAccountSpec.parse(minimalAccount);
    expect(spec.deletionPolicy).toBe("Delete");
    expect(spec.adoptExisting).toBe(false);
    expect(spec.username).toBeUndefined();
  });

  it.each(["svc", "ci-bot", "a.b_c-d", "A1", "x".repeat(100)])("accepts the username %j", (username) => {
    expect(serviceAccountSpec.safeParse({ ...minimalAccount, username }).success).toBe(true);
  });

  it.each(["", "-bot", "bot-", "has space", "a/b", "ünïcode", "x".repeat(101), "user:abc", "a\nb"])("rejects the username %j", (username) => {
    expect(serviceAccountSpec.safeParse({ ...minimalAccount, username }).success).toBe(false);
  });

  it.each([
    ["an unknown connection kind", { connectionRef: { kind: "Connection", name: "prod" } }],
    ["a missing rootRole", { rootRole: undefined }],
    ["an empty rootRole", { rootRole: "" }],
    ["an unknown deletionPolicy", { deletionPolicy: "Retain" }],
    ["an over-long displayName", { displayName: "x".repeat(101) }],
  ])("rejects %s", (_, overrides) => {
    expect(serviceAccountSpec.safeParse({ ...minimalAccount, ...overrides }).success).toBe(false);
  });
});

describe("connection specs", () => {
  it("default the admin token key to \"token\" and keep a URL's path prefix", () => {
    const spec = unleashConnectionSpec.parse({ ...minimalConnection, url: "https://example.com/unleash" });
    expect(spec.adminTokenSecretRef).toEqual({ name: "unleash-admin", key: "token" });
    expect(spec.url).toBe("https://example.com/unleash");
    const cluster = clusterUnleashConnectionSpec.parse({ ...minimalConnection, adminTokenSecretRef: { name: "a", namespace: "ops" } });
    expect(cluster.adminTokenSecretRef.key).toBe("token");
  });

  it.each(["http://localhost:4242", "https://unleash.example.com/", "https://10.0.0.1:8443/prefix/path"])("accept the URL %s", (url) => {
    expect(unleashConnectionSpec.safeParse({ ...minimalConnection, url }).success).toBe(true);
  });

  it.each([
    ["without a scheme", "unleash.example.com"],
    ["scheme-relative", "//unleash.example.com"],
    ["with another scheme", "ftp://unleash.example.com"],
    ["without a host", "https://"],
    ["with a space", "https://exa mple.com"],
    ["with a query", "https://example.com?x=1"],
    ["with a fragment", "https://example.com/#frag"],
    ["over 2048 characters", `https://${"a".repeat(2050)}.com`],
    ["with credentials", "https://admin:secret@unleash.example.com"],
    ["with a user name", "https://admin@unleash.example.com/unleash"],
  ])("reject a URL %s", (_, url) => {
    expect(unleashConnectionSpec.safeParse({ ...minimalConnection, url }).success).toBe(false);
  });

  it("require the admin token Secret's namespace on the cluster kind only", () => {
    expect(clusterUnleashConnectionSpec.safeParse(minimalConnection).success).toBe(false);
    expect(unleashConnectionSpec.safeParse(minimalConnection).success).toBe(true);
  });

  it("bound allowedRootRoles and allowedNamespaces", () => {
    const withNamespace = { ...minimalConnection, adminTokenSecretRef: { name: "a", namespace: "ops" } };
    expect(clusterUnleashConnectionSpec.safeParse({ ...withNamespace, allowedRootRoles: Array(65).fill("Viewer") }).success).toBe(false);
    expect(clusterUnleashConnectionSpec.safeParse({ ...withNamespace, allowedNamespaces: { names: ["Team_A"] } }).success).toBe(false);
    expect(clusterUnleashConnectionSpec.safeParse({ ...withNamespace, allowedNamespaces: { selector: {} } }).success).toBe(true);
  });
});
