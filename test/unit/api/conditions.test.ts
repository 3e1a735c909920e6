import { describe, expect, it } from "vitest";
import { conditions as conditionsSchema, type Condition } from "../../../src/api/v1alpha1/common.js";
import {
  allReasons,
  progressing,
  ProgressingReasons,
  ready,
  ReadyReasons,
  stalled,
  StalledReasons,
  type Outcome,
} from "../../../src/api/v1alpha1/conditions.js";
import { conditionsFor, findCondition, isReady } from "../../../src/kube/conditions.js";

const T0 = new Date("2026-01-01T00:00:00.000Z");
const T1 = new Date("2026-01-01T00:05:00.000Z");
const T2 = new Date("2026-01-01T00:10:00.000Z");

const byType = (list: readonly Condition[]) => Object.fromEntries(list.map((c) => [c.type, c]));

const outcomes: Array<[string, Outcome]> = [
  ["Ready", ready("all good")],
  ["Progressing", progressing("UnleashUnavailable", "Unleash is down; retrying")],
  ["Stalled", stalled("RootRoleNotFound", "role Ops does not exist")],
];

describe("condition reasons", () => {
  it("are unique across Ready, progressing and stalled, so a reason alone says which state it is", () => {
    expect(new Set(allReasons).size).toBe(allReasons.length);
  });

  it("are CamelCase as metav1.Condition requires", () => {
    for (const reason of allReasons) expect(reason).toMatch(/^[A-Z][A-Za-z0-9]*$/);
  });

  it("include the reasons the issues name", () => {
    expect(allReasons).toEqual(
      expect.arrayContaining(["ConnectionNotAllowed", "RootRoleNotAllowed", "SecretConflict", "TokenLimitReached", "UsernameTaken", "AdminTokenRejected"]),
    );
  });

  it("helpers build outcomes of the matching state", () => {
    expect(ready("m")).toEqual({ state: "Ready", reason: ReadyReasons.Ready, message: "m" });
    expect(ready("m", "ConnectionReady").reason).toBe("ConnectionReady");
    expect(progressing(ProgressingReasons.RateLimited, "m")).toEqual({ state: "Progressing", reason: "RateLimited", message: "m" });
    expect(stalled(StalledReasons.InvalidSpec, "m")).toEqual({ state: "Stalled", reason: "InvalidSpec", message: "m" });
  });
});

describe("conditionsFor", () => {
  it.each(outcomes)("always sets Ready, Reconciling and Stalled, valid for the CRD's schema (%s)", (_, outcome) => {
    const list = conditionsFor(outcome, 3, undefined, T0);
    expect(list.map((c) => c.type).sort()).toEqual(["Ready", "Reconciling", "Stalled"]);
    expect(conditionsSchema.safeParse(list).success).toBe(true);
    for (const condition of list) {
      expect(condition.observedGeneration).toBe(3);
      expect(condition.lastTransitionTime).toBe(T0.toISOString());
      expect(condition.reason).toMatch(/^[A-Z][A-Za-z0-9]*$/);
    }
  });

  it("Ready outcome: Ready=True and both abnormal-true conditions False (kstatus Current)", () => {
    const c = byType(conditionsFor(ready("token 5 in Secret app"), 1, undefined, T0));
    expect([c.Ready?.status, c.Reconciling?.status, c.Stalled?.status]).toEqual(["True", "False", "False"]);
    expect(c.Ready?.message).toBe("token 5 in Secret app");
  });

  it("Progressing outcome: Reconciling=True and Ready=False with the reason (kstatus InProgress)", () => {
    const c = byType(conditionsFor(progressing("UnleashUnavailable", "Unleash is down"), 1, undefined, T0));
    expect([c.Ready?.status, c.Reconciling?.status, c.Stalled?.status]).toEqual(["False", "True", "False"]);
    expect(c.Ready?.reason).toBe("UnleashUnavailable");
    expect(c.Reconciling?.reason).toBe("UnleashUnavailable");
    expect(c.Reconciling?.message).toBe("Unleash is down");
  });

  it("Stalled outcome: Stalled=True, Reconciling=False and Ready=False with the reason (kstatus Failed)", () => {
    const c = byType(conditionsFor(stalled("UsernameTaken", "alice is a person"), 1, undefined, T0));
    expect([c.Ready?.status, c.Reconciling?.status, c.Stalled?.status]).toEqual(["False", "False", "True"]);
    expect(c.Ready?.reason).toBe("UsernameTaken");
    expect(c.Stalled?.reason).toBe("UsernameTaken");
    expect(c.Stalled?.message).toBe("alice is a person");
  });

  it("keeps lastTransitionTime while a status stays, and moves it only for conditions whose status changes", () => {
    const first = conditionsFor(progressing("Reconciling", "creating"), 1, undefined, T0);
    const same = byType(conditionsFor(progressing("RateLimited", "slow down"), 2, first, T1));
    expect(same.Reconciling?.lastTransitionTime).toBe(T0.toISOString());
    expect(same.Ready?.lastTransitionTime).toBe(T0.toISOString());
    expect(same.Ready?.reason).toBe("RateLimited");
    expect(same.Ready?.observedGeneration).toBe(2);

    const nowReady = byType(conditionsFor(ready("done"), 2, Object.values(same), T2));
    expect(nowReady.Ready?.lastTransitionTime).toBe(T2.toISOString());
    expect(nowReady.Reconciling?.lastTransitionTime).toBe(T2.toISOString());
    expect(nowReady.Stalled?.lastTransitionTime).toBe(T0.toISOString());
  });

  it("treats a previous condition it does not know the status of as a transition", () => {
    const previous: Condition[] = [{ type: "Ready", status: "Unknown", reason: "Init", message: "", lastTransitionTime: T0.toISOString() }];
    const c = byType(conditionsFor(ready("done"), 1, previous, T1));
    expect(c.Ready?.lastTransitionTime).toBe(T1.toISOString());
  });

  it("omits observedGeneration when the generation is unknown", () => {
    for (const condition of conditionsFor(ready("ok"), undefined, undefined, T0)) expect(condition).not.toHaveProperty("observedGeneration");
  });

  it("isReady and findCondition read what conditionsFor wrote", () => {
    expect(isReady(conditionsFor(ready("ok"), 1, undefined, T0))).toBe(true);
    expect(isReady(conditionsFor(stalled("InvalidSpec", "bad"), 1, undefined, T0))).toBe(false);
    expect(isReady(undefined)).toBe(false);
    expect(findCondition(conditionsFor(ready("ok"), 1, undefined, T0), "Stalled")?.status).toBe("False");
  });
});
