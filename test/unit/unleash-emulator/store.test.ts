import { describe, expect, it } from "vitest";
import { Clock } from "../../unleash-emulator/clock.js";
import { seedState } from "../../unleash-emulator/state.js";
import { MAX_EVENTS, Store } from "../../unleash-emulator/store.js";

describe("emulator store", () => {
  it("keeps only the newest events, numbered by a sequence that goes on", () => {
    const clock = new Clock(() => Date.parse("2030-01-01T00:00:00.000Z"));
    const store = new Store(seedState(clock.now()), () => undefined, clock);
    for (let index = 0; index <= MAX_EVENTS; index++) {
      store.recordEvent({
        type: "feature-created",
        createdBy: "admin",
        createdByUserId: -42,
        project: "default",
        featureName: `f${index}`,
        data: null,
        preData: null,
      });
    }
    expect(store.state.events).toHaveLength(MAX_EVENTS);
    expect(store.state.events[0]?.id).toBe(2);
    expect(store.state.events.at(-1)).toMatchObject({ id: MAX_EVENTS + 1, featureName: `f${MAX_EVENTS}` });
  });

  it("saves after every change", () => {
    const clock = new Clock(() => 0);
    const saved: number[] = [];
    const store = new Store(seedState(clock.now()), (state) => saved.push(state.users.length), clock);
    store.change((state) => state.users.push({ ...(state.users[0] as (typeof state.users)[number]), id: store.nextId("user"), username: "bob" }));
    expect(saved).toEqual([2]);
  });
});
