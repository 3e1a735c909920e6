// Arbitraries of valid specs, shared by the parser fuzz tests and the reconcilers' idempotence property.
import fc from "fast-check";

/** A field that is valid or missing. */
const tame = <T>(valid: fc.Arbitrary<T>) => fc.option(valid, { nil: undefined, freq: 6 });
const name = fc.constantFrom("app", "prod", "a.b-c", "x".repeat(253));

/** A lifetime, renewBefore and grace period that fit together (or are left to their defaults). */
export const schedule = fc.constantFrom(
  {},
  { lifetime: "2m", rotationGracePeriod: "30s" },
  { lifetime: "720h", renewBefore: "240h" },
  { lifetime: "90m", renewBefore: "30m", rotationGracePeriod: "10m" },
  { lifetime: "1.5h", rotationGracePeriod: "0s" },
);

/** Specs that always parse: every field valid or missing, the durations fitting together. */
export const validTokenSpec = fc
  .tuple(
    fc.record(
      {
        description: tame(fc.constantFrom("checkout", "x".repeat(100))),
        secret: tame(
          fc.record(
            {
              name: tame(name),
              adopt: tame(fc.boolean()),
              labels: tame(fc.dictionary(fc.constantFrom("team", "app.kubernetes.io/part-of"), fc.constantFrom("", "a", "x".repeat(63)))),
              keys: tame(fc.record({ token: tame(fc.constantFrom("token", "A_B.c")), url: tame(fc.constantFrom("url", "U")) }, { requiredKeys: [] })),
              type: tame(fc.constantFrom("Opaque", "example.com/token")),
            },
            { requiredKeys: [] },
          ),
        ),
        rolloutRestartTargets: tame(fc.array(fc.record({ kind: fc.constantFrom("Deployment", "StatefulSet", "DaemonSet"), name }), { maxLength: 16 })),
      },
      { requiredKeys: [] },
    ),
    schedule,
  )
  .map(([spec, times]) => ({ serviceAccountRef: { name: "app" }, ...spec, ...times }));


/** ServiceAccount specs that always parse, on the connection "unleash". */
export const validAccountSpec = fc.record(
  {
    displayName: tame(fc.constantFrom("App", "x".repeat(100))),
    rootRole: fc.constantFrom("Viewer", "Editor", "Admin", "editor"),
    deletionPolicy: tame(fc.constantFrom("Delete", "Orphan")),
    adoptExisting: tame(fc.boolean()),
    // "ghost" does not exist in Unleash: the account stays ProjectNotFound, its tokens work.
    projects: tame(
      fc.constantFrom([], [{ project: "default", roles: ["Member"] }], [{ project: "default", roles: ["owner", "Member"] }], [{ project: "ghost", roles: ["Member"] }]),
    ),
  },
  { requiredKeys: ["rootRole"] },
).map((spec) => ({ connectionRef: { kind: "UnleashConnection", name: "unleash" }, ...spec }));
