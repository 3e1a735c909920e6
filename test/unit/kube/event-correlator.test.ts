import { describe, expect, it } from "vitest";
import { EventCorrelator } from "../../../src/kube/event-correlator.js";

const event = (message: string, reason = "Rotated", objectUid = "uid-1") => ({ objectUid, type: "Normal", reason, message });

describe("EventCorrelator", () => {
  it("counts an identical repeat on the Event already sent", () => {
    const correlator = new EventCorrelator();
    expect(correlator.correlate(event("token 1"), 0)).toMatchObject({ action: "send", message: "token 1" });
    expect(correlator.correlate(event("token 1"), 1)).toMatchObject({ action: "count" });
  });

  it("combines more than ten similar events within ten minutes into one Event", () => {
    const correlator = new EventCorrelator();
    const actions = Array.from({ length: 20 }, (_, i) => correlator.correlate(event(`token ${i}`), i * 1000));
    expect(actions.slice(0, 10).every((a) => a.action === "send")).toBe(true);
    expect(actions[10]).toMatchObject({ action: "send", message: "(combined from similar events): token 10" });
    expect(actions.slice(11).every((a) => a.action === "count")).toBe(true);
  });

  it("starts over once the similar events are older than the window", () => {
    const correlator = new EventCorrelator();
    for (let i = 0; i < 12; i++) correlator.correlate(event(`token ${i}`), i);
    expect(correlator.correlate(event("token late"), 11 * 60_000)).toMatchObject({ action: "send", message: "token late" });
  });

  it("drops events of one object beyond a burst of 25, and lets one through per five minutes after", () => {
    const correlator = new EventCorrelator();
    const reasons = Array.from({ length: 30 }, (_, i) => correlator.correlate(event("m", `Reason${i}`), 0).action);
    expect(reasons.filter((a) => a === "send")).toHaveLength(25);
    expect(reasons.slice(25)).toEqual(["drop", "drop", "drop", "drop", "drop"]);
    expect(correlator.correlate(event("m", "Later"), 5 * 60_000).action).toBe("send");
    expect(correlator.correlate(event("m", "Later2"), 5 * 60_000).action).toBe("drop");
  });

  it("keeps objects apart", () => {
    const correlator = new EventCorrelator();
    for (let i = 0; i < 25; i++) correlator.correlate(event("m", `R${i}`, "a"), 0);
    expect(correlator.correlate(event("m", "R0", "b"), 0).action).toBe("send");
  });
});
