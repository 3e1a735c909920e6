import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { condition } from "../../../src/api/v1alpha1/common.js";
import {
  parseClusterConnection,
  parseConnection,
  parseServiceAccount,
  parseServiceAccountToken,
} from "../../../src/api/v1alpha1/resources.js";
import { specErrorMessage } from "../../../src/controllers/shared/report.js";
import { planToken } from "../../../src/controllers/token/plan.js";
import { ABSENT, HOUR, ME, NOW, observation, ownedSecret, tokenOf } from "../controllers/token/fixtures.js";
import { validTokenSpec } from "./arbitraries.js";

const RUNS = { seed: 42, numRuns: 2000 };
const MESSAGE_LIMIT = condition.shape.message.maxLength ?? 32_768;

const parsers = { parseClusterConnection, parseConnection, parseServiceAccount, parseServiceAccountToken };
const metadata = { name: "app", namespace: "team-a", uid: ME.uid, generation: 1 };

/** Values that a person or a broken tool might put anywhere. */
const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: "binary", maxLength: 50 }),
  fc.constantFrom("", " ", "x".repeat(5000), "__proto__", "constructor", "-", "A", "0", "1e3", "https://", "user:" + "a".repeat(56), "\u0000", "ä/ö"),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 5 }),
);

type Field = <T>(valid: fc.Arbitrary<T>) => fc.Arbitrary<unknown>;
/** A field that is usually valid, sometimes hostile, sometimes missing. */
const field: Field = (valid) => fc.option(fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostile, weight: 1 }), { nil: undefined, freq: 6 });
const name = fc.constantFrom("app", "prod", "a.b-c", "x".repeat(253));
const duration = fc.constantFrom("2m", "10m", "90m", "1h30m", "720h", "2160h", "0s", "1.5h", "30s");
const mapKey = fc.oneof({ arbitrary: fc.constantFrom("team", "app.kubernetes.io/part-of", "a.b/c_d", "x".repeat(63)), weight: 4 }, fc.string({ minLength: 1, maxLength: 20 }));
const mapValue = fc.oneof({ arbitrary: fc.constantFrom("", "a", "checkout", "x".repeat(63)), weight: 4 }, fc.string({ maxLength: 70 }));
const stringMap = fc.dictionary(mapKey, mapValue, { maxKeys: 70 });

const tokenSpecOf = (field: Field) => fc.record(
  {
    serviceAccountRef: fc.oneof(fc.record({ name: field(name) }), field(fc.record({ name: field(name) }))),
    lifetime: field(duration),
    renewBefore: field(duration),
    rotationGracePeriod: field(duration),
    description: field(fc.string({ maxLength: 120 })),
    secret: field(
      fc.record(
        {
          name: field(name),
          adopt: field(fc.boolean()),
          labels: field(stringMap),
          annotations: field(stringMap),
          keys: field(fc.record({ token: field(fc.constantFrom("token", "A_B.c")), url: field(fc.constantFrom("url", "x y")) }, { requiredKeys: [] })),
          type: field(fc.constantFrom("Opaque", "example.com/token", "kubernetes.io/basic-auth", "bad type")),
        },
        { requiredKeys: [] },
      ),
    ),
    rolloutRestartTargets: field(fc.array(fc.record({ kind: field(fc.constantFrom("Deployment", "StatefulSet", "DaemonSet", "Pod")), name: field(name) }), { maxLength: 18 })),
  },
  { requiredKeys: [] },
);
const nearValidTokenSpec = tokenSpecOf(field);
const nearValidAccountSpec = fc.record(
  {
    connectionRef: field(fc.record({ kind: field(fc.constantFrom("ClusterUnleashConnection", "UnleashConnection", "Other")), name: field(name) })),
    username: field(fc.constantFrom("svc", "ci-bot", "-bad", "has space", "x".repeat(101))),
    displayName: field(fc.string({ maxLength: 120 })),
    rootRole: field(fc.constantFrom("Viewer", "Editor", "Admin", "custom role")),
    deletionPolicy: field(fc.constantFrom("Delete", "Orphan", "Retain")),
    adoptExisting: field(fc.boolean()),
  },
  { requiredKeys: [] },
);

const nearValidConnectionSpec = fc.record(
  {
    url: field(fc.constantFrom("https://unleash.example.com", "http://localhost:4242/prefix", "unleash.example.com", "ftp://x")),
    adminTokenSecretRef: field(fc.record({ name: field(name), key: field(fc.constantFrom("token", "bad key")), namespace: field(name) }, { requiredKeys: [] })),
    caSecretRef: field(fc.record({ name: field(name), key: field(fc.constantFrom("ca.crt")), namespace: field(name) }, { requiredKeys: [] })),
    allowedRootRoles: field(fc.array(fc.constantFrom("Viewer", "Editor", ""), { maxLength: 70 })),
    allowedNamespaces: field(
      fc.record(
        {
          names: field(fc.array(fc.constantFrom("team-a", "Team_B", "x".repeat(64)), { maxLength: 5 })),
          selector: field(fc.record({ matchLabels: field(stringMap) }, { requiredKeys: [] })),
        },
        { requiredKeys: [] },
      ),
    ),
  },
  { requiredKeys: [] },
);

const anySpec = fc.oneof(fc.anything(), fc.jsonValue(), nearValidTokenSpec, nearValidAccountSpec, nearValidConnectionSpec);
const anyStatus = fc.oneof(fc.constant({}), fc.anything(), fc.jsonValue());

describe.each(Object.entries(parsers))("%s", (_, parse) => {
  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything(), (raw) => {
        parse(raw);
      }),
      RUNS,
    );
  });

  it("keeps every resource with valid metadata, and turns a bad spec into issues a condition can show", () => {
    fc.assert(
      fc.property(anySpec, anyStatus, (spec, status) => {
        const resource = parse({ apiVersion: "accounts.unleash.dev/v1alpha1", metadata, spec, status });
        expect(resource).toBeDefined();
        if (!resource) return;
        expect(resource.metadata.uid).toBe(ME.uid);
        expect(typeof resource.status).toBe("object");
        if (!resource.spec.success) {
          expect(resource.spec.error.issues.length).toBeGreaterThan(0);
          expect(specErrorMessage(resource.spec.error.issues)).toMatch(/^spec is invalid: \S/);
        }
      }),
      RUNS,
    );
  });

  // The API server does not add a status to a resource that was just created.
  it("keeps a freshly created resource that has no status yet", () => {
    const fresh = parse({ apiVersion: "accounts.unleash.dev/v1alpha1", metadata, spec: {} });
    expect(fresh).toBeDefined();
  });
});

describe("specs that parse drive the token plan without crashing", () => {
  it("plans every valid ServiceAccountToken spec in every Secret situation", () => {
    const situations = [
      observation(),
      observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [tokenOf(7, 1, NOW + 2000 * HOUR)] }),
      observation({ lastSerial: 1, secret: ownedSecret(7, { lifetime: "1m" }), rotateRequest: "now", accountTokens: [tokenOf(7, 1, NOW + 60_000)] }),
      observation({ lastSerial: 3, secret: ABSENT, accountTokens: [tokenOf(7, 3, NOW - HOUR)] }),
    ];
    let planned = 0;
    fc.assert(
      fc.property(fc.oneof(nearValidTokenSpec, validTokenSpec), (raw) => {
        const resource = parseServiceAccountToken({ metadata, spec: raw, status: {} });
        if (!resource?.spec.success) return;
        planned++;
        for (const situation of situations) {
          const plan = planToken({ ...situation, spec: resource.spec.data });
          expect(plan.issue !== undefined || plan.current !== undefined || plan.tokenLimitReached !== undefined).toBe(true);
          if (plan.issue) expect(Number.isNaN(plan.issue.expiresAt.getTime())).toBe(false);
        }
      }),
      RUNS,
    );
    expect(planned, "the generator must produce valid specs too").toBeGreaterThan(RUNS.numRuns / 20);
  });
});

describe("the InvalidSpec condition for hostile input", () => {
  // The CRD cannot bound map keys, so this spec reaches the operator; zod then reports every key,
  // and a condition message over the CRD's maxLength makes the API server refuse the status write.
  it("fits in a condition message for a spec the CRD accepts (64 labels and annotations with long keys)", () => {
    const longKeys = (prefix: string) => Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`${prefix}${i}-${"k".repeat(1000)}`, "v"]));
    const resource = parseServiceAccountToken({
      metadata,
      status: {},
      spec: { serviceAccountRef: { name: "app" }, secret: { labels: longKeys("l"), annotations: longKeys("a") } },
    });
    expect(resource?.spec.success).toBe(false);
    if (resource?.spec.success !== false) return;
    expect(specErrorMessage(resource.spec.error.issues).length).toBeLessThanOrEqual(MESSAGE_LIMIT);
  });
});
