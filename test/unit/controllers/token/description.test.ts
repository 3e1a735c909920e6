import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { objectName } from "../../../../src/api/v1alpha1/common.js";
import { parseTokenDescription, tokenDescription, type TokenIdentity } from "../../../../src/controllers/token/description.js";
import { ME } from "./fixtures.js";

const identity: TokenIdentity = { ...ME, serial: 4 };

describe("token descriptions", () => {
  it("name the resource and carry the cluster, uid and serial", () => {
    expect(tokenDescription(undefined, identity)).toBe(`team-a/app-token [k8s prod-eu team-a/app-token uid=${ME.uid} #4]`);
    expect(tokenDescription("checkout", identity)).toBe(`checkout [k8s prod-eu team-a/app-token uid=${ME.uid} #4]`);
  });

  it("round-trip for the identities the operator writes", () => {
    const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    const arbitraryIdentity = fc.record({
      // --cluster-name accepts exactly this alphabet; the default is the kube-system namespace's UID.
      cluster: fc.oneof(fc.stringMatching(/^[A-Za-z0-9._-]{1,63}$/), fc.uuid()),
      namespace: dnsLabel,
      name: fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,100}[a-z0-9])?$/).filter((n) => objectName.safeParse(n).success),
      uid: fc.uuid(),
      serial: fc.integer({ min: 0, max: 999_999_999 }),
    });
    // The spec allows any prefix without brackets or line breaks.
    const prefix = fc.option(fc.string({ minLength: 1, maxLength: 100 }).filter((p) => /^[^[\]\n\r]+$/.test(p)), { nil: undefined });
    fc.assert(
      fc.property(arbitraryIdentity, prefix, (id, human) => {
        expect(parseTokenDescription(tokenDescription(human, id))).toEqual(id);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  it.each([
    ["a person's description", "laptop token of alice"],
    ["an empty description", ""],
    ["a marker that is not at the end", `[k8s prod-eu team-a/app uid=${ME.uid} #4] copied`],
    ["a marker without a serial", `x [k8s prod-eu team-a/app uid=${ME.uid}]`],
    ["a marker with a non-hex uid", "x [k8s prod-eu team-a/app uid=not-a-uid #4]"],
    ["a marker with an upper-case namespace", `x [k8s prod-eu Team-A/app uid=${ME.uid} #4]`],
    ["a marker without a namespace", `x [k8s prod-eu app uid=${ME.uid} #4]`],
    ["a marker from another tool", `x [argo prod-eu team-a/app uid=${ME.uid} #4]`],
    ["a marker with an over-long serial", `x [k8s prod-eu team-a/app uid=${ME.uid} #1234567890]`],
  ])("are not recognised in %s", (_, description) => {
    expect(parseTokenDescription(description)).toBeUndefined();
  });
});
