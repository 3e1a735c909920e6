import { describe, expect, it } from "vitest";
import { parseTokenDescription } from "../../../../src/controllers/token/description.js";
import { planToken, renewBeforeMs, type TokenPlan } from "../../../../src/controllers/token/plan.js";
import type { SecretRecord } from "../../../../src/controllers/token/secret-record.js";
import {
  ABSENT,
  HOUR,
  humanToken,
  iso,
  ME,
  MINUTE,
  NOW,
  observation,
  OTHER_CLUSTER,
  OTHER_RESOURCE,
  ownedSecret,
  tokenOf,
  tokenSpec,
} from "./fixtures.js";

const FRESH = NOW + 2000 * HOUR;
/** With the default lifetime of 2160h, a token is renewed 720h before it expires. */
const RENEW_BEFORE = 720 * HOUR;

const revoked = (plan: TokenPlan) => [...plan.revokeFirst, ...plan.revokeAfter];

describe("planToken: issuing", () => {
  it("issues the first token with serial 1, expiring after the lifetime, and revokes nothing", () => {
    const plan = planToken(observation());
    expect(plan.issue?.reason).toBe("Initial");
    expect(plan.issue?.serial).toBe(1);
    expect(plan.issue?.expiresAt.getTime()).toBe(NOW + 2160 * HOUR);
    expect(parseTokenDescription(plan.issue?.description ?? "")).toEqual({ ...ME, serial: 1 });
    expect(revoked(plan)).toEqual([]);
    expect(plan.held).toEqual([]);
    expect(plan.current).toBeUndefined();
  });

  it("puts the human prefix in front of the identity marker", () => {
    const plan = planToken(observation({ spec: tokenSpec({ description: "checkout service" }) }));
    expect(plan.issue?.description).toMatch(/^checkout service \[k8s /);
    expect(parseTokenDescription(plan.issue?.description ?? "")?.uid).toBe(ME.uid);
  });

  it("issues the first token into an adopted Secret that holds no token of ours", () => {
    const plan = planToken(observation({ secret: { ownership: "owned", tampered: false, held: [] } }));
    expect(plan.issue?.reason).toBe("Initial");
  });

  it("uses the lifetime from the spec", () => {
    const plan = planToken(observation({ spec: tokenSpec({ lifetime: "1h30m" }) }));
    expect(plan.issue?.expiresAt.getTime()).toBe(NOW + 90 * MINUTE);
    expect(plan.lifetimeMs).toBe(90 * MINUTE);
  });
});

describe("planToken: steady state", () => {
  it("does nothing while the current token is valid and not due for renewal", () => {
    const current = tokenOf(7, 1, FRESH);
    const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [current] }));
    expect(plan.issue).toBeUndefined();
    expect(plan.current).toEqual(current);
    expect(revoked(plan)).toEqual([]);
    expect(plan.held).toEqual([]);
    expect(plan.tokenLimitReached).toBeUndefined();
  });

  it("keeps held tokens whose grace period has not ended", () => {
    const held = [{ id: 6, revokeAfter: iso(NOW + MINUTE) }];
    const plan = planToken(
      observation({ lastSerial: 2, secret: ownedSecret(7, { held }), accountTokens: [tokenOf(6, 1, FRESH), tokenOf(7, 2, FRESH)] }),
    );
    expect(plan.issue).toBeUndefined();
    expect(plan.held).toEqual(held);
    expect(revoked(plan)).toEqual([]);
  });

  it("revokes a held token once its revokeAfter has passed, and stops holding it", () => {
    const held = [{ id: 6, revokeAfter: iso(NOW) }];
    const plan = planToken(
      observation({ lastSerial: 2, secret: ownedSecret(7, { held }), accountTokens: [tokenOf(6, 1, FRESH), tokenOf(7, 2, FRESH)] }),
    );
    expect(plan.issue).toBeUndefined();
    expect(plan.revokeAfter).toEqual([6]);
    expect(plan.revokeFirst).toEqual([]);
    expect(plan.held).toEqual([]);
    expect(plan.current?.id).toBe(7);
  });

  it("forgets a held token that is already gone from Unleash", () => {
    const held = [{ id: 6, revokeAfter: iso(NOW + MINUTE) }];
    const plan = planToken(observation({ lastSerial: 2, secret: ownedSecret(7, { held }), accountTokens: [tokenOf(7, 2, FRESH)] }));
    expect(plan.held).toEqual([]);
    expect(revoked(plan)).toEqual([]);
  });
});

describe("planToken: renewal and rotation", () => {
  const dueAt = (expiresAt: number) =>
    planToken(observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [tokenOf(7, 1, expiresAt)] }));

  it("defaults renewBefore to a third of the lifetime", () => {
    expect(renewBeforeMs(tokenSpec(), 2160 * HOUR)).toBe(RENEW_BEFORE);
    expect(dueAt(NOW + RENEW_BEFORE).renewBeforeMs).toBe(RENEW_BEFORE);
  });

  it("renews exactly at expiresAt - renewBefore, not a millisecond before", () => {
    expect(dueAt(NOW + RENEW_BEFORE + 1).issue).toBeUndefined();
    expect(dueAt(NOW + RENEW_BEFORE).issue?.reason).toBe("Renewal");
  });

  it("holds the previous token for the grace period instead of revoking it", () => {
    const plan = dueAt(NOW + RENEW_BEFORE);
    expect(plan.held).toEqual([{ id: 7, revokeAfter: iso(NOW + 10 * MINUTE) }]);
    expect(revoked(plan)).not.toContain(7);
    expect(plan.issue?.serial).toBe(2);
  });

  it("honours an explicit renewBefore and grace period", () => {
    const spec = tokenSpec({ lifetime: "10h", renewBefore: "2h", rotationGracePeriod: "30m" });
    const observe = (expiresAt: number) =>
      planToken(observation({ spec, lastSerial: 1, secret: ownedSecret(7, { lifetime: "10h" }), accountTokens: [tokenOf(7, 1, expiresAt)] }));
    expect(observe(NOW + 2 * HOUR + 1).issue).toBeUndefined();
    const plan = observe(NOW + 2 * HOUR);
    expect(plan.issue?.reason).toBe("Renewal");
    expect(plan.renewBeforeMs).toBe(2 * HOUR);
    expect(plan.held).toEqual([{ id: 7, revokeAfter: iso(NOW + 30 * MINUTE) }]);
  });

  it("falls back to a third of the lifetime when renewBefore is not smaller than it (a spec no schema checked)", () => {
    expect(renewBeforeMs({ ...tokenSpec({ lifetime: "3h" }), renewBefore: "3h" }, 3 * HOUR)).toBe(HOUR);
    expect(renewBeforeMs({ ...tokenSpec({ lifetime: "3h" }), renewBefore: "5h" }, 3 * HOUR)).toBe(HOUR);
  });

  it("rotates once for a new value of the rotate annotation, and not again for the same value", () => {
    const tokens = [tokenOf(7, 1, FRESH)];
    const requested = planToken(observation({ lastSerial: 1, rotateRequest: "2026-03-01", secret: ownedSecret(7), accountTokens: tokens }));
    expect(requested.issue?.reason).toBe("RotationRequested");
    expect(requested.held.map((h) => h.id)).toEqual([7]);

    const handled = planToken(
      observation({ lastSerial: 1, rotateRequest: "2026-03-01", secret: ownedSecret(7, { rotateRequest: "2026-03-01" }), accountTokens: tokens }),
    );
    expect(handled.issue).toBeUndefined();

    const next = planToken(
      observation({ lastSerial: 1, rotateRequest: "again", secret: ownedSecret(7, { rotateRequest: "2026-03-01" }), accountTokens: tokens }),
    );
    expect(next.issue?.reason).toBe("RotationRequested");
  });

  it("rotates into a renamed Secret with a grace period, holding the token of the Secret named before", () => {
    const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(7), secretRenamed: true, accountTokens: [tokenOf(7, 1, FRESH)] }));
    expect(plan.issue?.reason).toBe("SecretRenamed");
    expect(plan.held).toEqual([{ id: 7, revokeAfter: iso(NOW + 10 * MINUTE) }]);
    expect(plan.revokeAfter).toEqual([]);
  });

  it("does not rotate when the annotation is absent or removed", () => {
    const plan = planToken(
      observation({ lastSerial: 1, rotateRequest: undefined, secret: ownedSecret(7, { rotateRequest: "old" }), accountTokens: [tokenOf(7, 1, FRESH)] }),
    );
    expect(plan.issue).toBeUndefined();
  });

  it("rotates when spec.lifetime differs from the lifetime the token was issued with", () => {
    const plan = planToken(
      observation({ spec: tokenSpec({ lifetime: "720h" }), lastSerial: 1, secret: ownedSecret(7, { lifetime: "2160h" }), accountTokens: [tokenOf(7, 1, FRESH)] }),
    );
    expect(plan.issue?.reason).toBe("LifetimeChanged");
    expect(plan.issue?.expiresAt.getTime()).toBe(NOW + 720 * HOUR);
    expect(plan.held.map((h) => h.id)).toEqual([7]);
  });
});

describe("planToken: repairs", () => {
  it("re-issues when the Secret was deleted, and revokes the old token at once (nobody can read it any more)", () => {
    const plan = planToken(observation({ lastSerial: 3, secret: ABSENT, accountTokens: [tokenOf(7, 3, FRESH)] }));
    expect(plan.issue?.reason).toBe("SecretMissing");
    expect(plan.issue?.serial).toBe(4);
    expect(plan.revokeAfter).toEqual([7]);
    expect(plan.held).toEqual([]);
  });

  it("re-issues when the token in the Secret was edited or removed", () => {
    const tampered: SecretRecord = { ownership: "owned", tampered: true, held: [], lifetime: "2160h" };
    const plan = planToken(observation({ lastSerial: 1, secret: tampered, accountTokens: [tokenOf(7, 1, FRESH)] }));
    expect(plan.issue?.reason).toBe("SecretEdited");
    expect(plan.revokeAfter).toEqual([7]);
    expect(plan.held).toEqual([]);
  });

  it("re-issues when the Secret lost its tracking annotations after tokens were issued", () => {
    const plan = planToken(observation({ lastSerial: 2, secret: { ownership: "owned", tampered: false, held: [] } }));
    expect(plan.issue?.reason).toBe("SecretEdited");
  });

  it("re-issues when the token was revoked in Unleash", () => {
    const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [] }));
    expect(plan.issue?.reason).toBe("TokenRevoked");
    expect(revoked(plan)).toEqual([]);
  });

  it("re-issues an expired token and revokes it rather than holding it", () => {
    for (const expiresAt of [NOW, NOW - HOUR]) {
      const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [tokenOf(7, 1, expiresAt)] }));
      expect(plan.issue?.reason).toBe("TokenExpired");
      expect(plan.current).toBeUndefined();
      expect(plan.revokeAfter).toEqual([7]);
      expect(plan.held).toEqual([]);
    }
  });
});

describe("planToken: whose tokens it touches", () => {
  const foreign = [
    tokenOf(20, 1, FRESH, OTHER_CLUSTER),
    tokenOf(21, 1, FRESH, OTHER_RESOURCE),
    humanToken(22, FRESH),
    humanToken(23, FRESH, `copied ${tokenOf(1, 1, FRESH).description} by hand`),
    tokenOf(24, 1, NOW - HOUR, OTHER_CLUSTER),
    tokenOf(25, 9, NOW - HOUR, OTHER_RESOURCE),
  ];
  const foreignIds = foreign.map((t) => t.id);

  it("revokes stray tokens of this resource (same cluster and uid) that are neither current nor held", () => {
    const plan = planToken(
      observation({ lastSerial: 3, secret: ownedSecret(7), accountTokens: [tokenOf(5, 1, FRESH), tokenOf(6, 2, NOW - HOUR), tokenOf(7, 3, FRESH)] }),
    );
    expect(plan.issue).toBeUndefined();
    expect(plan.revokeAfter.sort()).toEqual([5, 6]);
  });

  it("never revokes tokens of another cluster, another resource, or a person, whatever else happens", () => {
    const scenarios = [
      observation({ accountTokens: foreign }),
      observation({ lastSerial: 3, accountTokens: [...foreign, tokenOf(7, 3, FRESH)] }),
      observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [...foreign, tokenOf(7, 1, NOW)] }),
      observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: [...foreign, tokenOf(7, 1, NOW + RENEW_BEFORE)] }),
      observation({ lastSerial: 1, secret: ownedSecret(7, { held: foreignIds.map((id) => ({ id, revokeAfter: iso(NOW - HOUR) })) }), accountTokens: [...foreign, tokenOf(7, 1, FRESH)] }),
      observation({ lastSerial: 1, secret: ownedSecret(21), accountTokens: foreign }),
    ];
    for (const scenario of scenarios) {
      const plan = planToken(scenario);
      expect(revoked(plan).filter((id) => foreignIds.includes(id))).toEqual([]);
      expect(plan.held.filter((h) => foreignIds.includes(h.id))).toEqual([]);
    }
  });

  it("does not adopt another resource's token that a copied Secret points at", () => {
    const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(21), accountTokens: foreign }));
    expect(plan.current).toBeUndefined();
    expect(plan.issue?.reason).toBe("TokenRevoked");
  });
});

describe("planToken: serials and descriptions", () => {
  it("takes the serial past both the status and every token of ours still in Unleash", () => {
    expect(planToken(observation({ lastSerial: 5, accountTokens: [tokenOf(3, 9, FRESH)] })).issue?.serial).toBe(10);
    expect(planToken(observation({ lastSerial: 12, accountTokens: [tokenOf(3, 9, FRESH)] })).issue?.serial).toBe(13);
  });

  it("ignores serials of other clusters and resources", () => {
    const plan = planToken(observation({ lastSerial: 2, accountTokens: [tokenOf(3, 40, FRESH, OTHER_CLUSTER), tokenOf(4, 50, FRESH, OTHER_RESOURCE)] }));
    expect(plan.issue?.serial).toBe(3);
  });

  it("never reuses a description that the account already holds", () => {
    const tokens = [tokenOf(1, 1, NOW + RENEW_BEFORE), tokenOf(2, 2, FRESH, OTHER_CLUSTER), tokenOf(3, 2, FRESH, OTHER_RESOURCE)];
    const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(1), accountTokens: tokens }));
    expect(plan.issue).toBeDefined();
    expect(tokens.map((t) => t.description)).not.toContain(plan.issue?.description);
  });
});

describe("planToken: Unleash's limit of 10 tokens per account", () => {
  const othersTokens = (count: number, firstId = 100) => Array.from({ length: count }, (_, i) => tokenOf(firstId + i, 1, FRESH, { ...OTHER_RESOURCE, uid: `abc-${i}` }));

  it("revokes after issuing while there is room", () => {
    const plan = planToken(observation({ lastSerial: 2, secret: ABSENT, accountTokens: [tokenOf(7, 2, FRESH), ...othersTokens(3)] }));
    expect(plan.issue).toBeDefined();
    expect(plan.revokeFirst).toEqual([]);
    expect(plan.revokeAfter).toEqual([7]);
  });

  it("revokes first when the account is full and revoking makes room", () => {
    const tokens = [tokenOf(6, 1, FRESH), tokenOf(7, 2, NOW + RENEW_BEFORE), ...othersTokens(8)];
    const plan = planToken(observation({ lastSerial: 2, secret: ownedSecret(7), accountTokens: tokens }));
    expect(plan.issue?.reason).toBe("Renewal");
    expect(plan.revokeFirst).toEqual([6]);
    expect(plan.revokeAfter).toEqual([]);
    expect(plan.held.map((h) => h.id)).toEqual([7]);
    expect(tokens.length - plan.revokeFirst.length + 1).toBeLessThanOrEqual(10);
  });

  it("revokes a held token whose grace period ended first, to make room for a repair", () => {
    const tokens = [tokenOf(6, 1, FRESH), ...othersTokens(9)];
    const plan = planToken(observation({ lastSerial: 2, secret: ownedSecret(7, { held: [{ id: 6, revokeAfter: iso(NOW - 1) }] }), accountTokens: tokens }));
    expect(plan.issue?.reason).toBe("TokenRevoked");
    expect(plan.revokeFirst).toEqual([6]);
  });

  it("reports TokenLimitReached and keeps the current token when other resources fill the account", () => {
    const tokens = [tokenOf(7, 1, NOW + RENEW_BEFORE), ...othersTokens(9)];
    const plan = planToken(observation({ lastSerial: 1, secret: ownedSecret(7), accountTokens: tokens }));
    expect(plan.issue).toBeUndefined();
    expect(plan.tokenLimitReached).toMatch(/10 tokens/);
    expect(plan.current?.id).toBe(7);
    expect(revoked(plan)).toEqual([]);
    expect(plan.held).toEqual([]);
  });

  it("counts tokens held in their grace period, and keeps holding them when the limit is reached", () => {
    const held = [{ id: 6, revokeAfter: iso(NOW + MINUTE) }];
    const tokens = [tokenOf(6, 1, FRESH), tokenOf(7, 2, NOW + RENEW_BEFORE), ...othersTokens(8)];
    const plan = planToken(observation({ lastSerial: 2, secret: ownedSecret(7, { held }), accountTokens: tokens }));
    expect(plan.issue).toBeUndefined();
    expect(plan.tokenLimitReached).toBeDefined();
    expect(plan.held).toEqual(held);
    expect(revoked(plan)).toEqual([]);
  });

  it("reports TokenLimitReached without a current token when it cannot repair one", () => {
    const plan = planToken(observation({ lastSerial: 1, secret: ABSENT, accountTokens: othersTokens(10) }));
    expect(plan.issue).toBeUndefined();
    expect(plan.current).toBeUndefined();
    expect(plan.tokenLimitReached).toBeDefined();
  });

  it("still revokes its own strays when the limit is reached", () => {
    const tokens = [tokenOf(5, 1, NOW - HOUR), tokenOf(7, 2, NOW + RENEW_BEFORE), ...othersTokens(9)];
    const plan = planToken(observation({ lastSerial: 2, secret: ownedSecret(7), accountTokens: tokens }));
    expect(plan.tokenLimitReached).toBeDefined();
    expect(revoked(plan)).toEqual([5]);
    expect(plan.current?.id).toBe(7);
  });
});

describe("planToken: a corrupted held-tokens annotation (anyone who can edit the Secret can write it)", () => {
  it("a held entry naming the current token does not get the current token revoked", () => {
    const plan = planToken(
      observation({ lastSerial: 2, secret: ownedSecret(7, { held: [{ id: 7, revokeAfter: iso(NOW - HOUR) }] }), accountTokens: [tokenOf(7, 2, FRESH)] }),
    );
    expect(plan.issue).toBeUndefined();
    expect(plan.current?.id).toBe(7);
    expect(revoked(plan)).not.toContain(7);
  });

  it("a token listed twice as held is revoked once", () => {
    const held = [
      { id: 6, revokeAfter: iso(NOW - HOUR) },
      { id: 6, revokeAfter: iso(NOW - MINUTE) },
    ];
    const plan = planToken(observation({ lastSerial: 2, secret: ownedSecret(7, { held }), accountTokens: [tokenOf(6, 1, FRESH), tokenOf(7, 2, FRESH)] }));
    expect(revoked(plan)).toEqual([6]);
  });

  it("an unreadable revokeAfter does not keep a token forever", () => {
    const plan = planToken(
      observation({ lastSerial: 2, secret: ownedSecret(7, { held: [{ id: 6, revokeAfter: "soon" }] }), accountTokens: [tokenOf(6, 1, FRESH), tokenOf(7, 2, FRESH)] }),
    );
    expect(revoked(plan)).toEqual([6]);
    expect(plan.current?.id).toBe(7);
  });
});
