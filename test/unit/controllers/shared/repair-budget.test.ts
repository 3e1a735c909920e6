import { describe, expect, it } from "vitest";
import { RepairBudget } from "../../../../src/controllers/shared/repair-budget.js";

const epoch = { generation: 1, annotations: {} };
const MINUTE = 60_000;

describe("RepairBudget", () => {
  it("allows five repairs in ten minutes, then refuses with a reason naming what keeps happening and until when", () => {
    const budget = new RepairBudget();
    for (let i = 0; i < 5; i++) {
      expect(budget.check("uid", epoch, i * MINUTE).allowed).toBe(true);
      budget.record("uid", epoch, "re-issue the token (SecretEdited)", i * MINUTE);
    }
    const verdict = budget.check("uid", epoch, 5 * MINUTE);
    expect(verdict.allowed).toBe(false);
    if (verdict.allowed) return;
    expect(verdict.outcome.reason).toBe("RepairLoopDetected");
    expect(verdict.outcome.message).toContain("re-issue the token (SecretEdited) 5 times within 10m");
    expect(verdict.outcome.message).toContain(new Date(4 * MINUTE + 10 * MINUTE).toISOString());
    expect(verdict.retryAfterMs).toBe(9 * MINUTE);
  });

  it("stays refused until the window since the last repair has passed, then grants a fresh budget", () => {
    const budget = new RepairBudget();
    for (let i = 0; i < 5; i++) budget.record("uid", epoch, "x", i);
    expect(budget.check("uid", epoch, 10 * MINUTE).allowed).toBe(false);
    expect(budget.check("uid", epoch, 10 * MINUTE + 4).allowed).toBe(true);
  });

  it("forgets repairs older than the window before the budget is spent", () => {
    const budget = new RepairBudget();
    for (let i = 0; i < 4; i++) budget.record("uid", epoch, "x", i * 3 * MINUTE);
    budget.record("uid", epoch, "x", 12 * MINUTE);
    expect(budget.check("uid", epoch, 12 * MINUTE + 1).allowed).toBe(true);
  });

  it("starts over when the spec or an annotation changes", () => {
    const budget = new RepairBudget();
    for (let i = 0; i < 5; i++) budget.record("uid", epoch, "x", i);
    expect(budget.check("uid", { generation: 2, annotations: {} }, 10).allowed).toBe(true);
    for (let i = 0; i < 5; i++) budget.record("uid", epoch, "x", i);
    expect(budget.check("uid", { generation: 1, annotations: { "accounts.unleash.dev/retry": "1" } }, 10).allowed).toBe(true);
  });

  it("counts each resource on its own", () => {
    const budget = new RepairBudget();
    for (let i = 0; i < 5; i++) budget.record("a", epoch, "x", i);
    expect(budget.check("a", epoch, 10).allowed).toBe(false);
    expect(budget.check("b", epoch, 10).allowed).toBe(true);
  });
});
