import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../../src/api/v1alpha1/duration.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

describe("parseDuration", () => {
  it.each([
    ["2160h", 2160 * HOUR],
    ["10m", 10 * MINUTE],
    ["45s", 45 * SECOND],
    ["250ms", 250],
    ["1h30m", 90 * MINUTE],
    ["1h30m15s", 90 * MINUTE + 15 * SECOND],
    ["1.5h", 90 * MINUTE],
    ["0.5s", 500],
    ["2m500ms", 2 * MINUTE + 500],
    ["1m1m", 2 * MINUTE],
  ])("reads %s as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "10", "h", "1d", "1w", "-1h", "+1h", "1 h", " 1h", "1h ", "1H", "1.h", ".5h", "1us", "0h", "0s", "0ms", "99999999999999999999h"])(
    "refuses %j (not a positive, representable Go duration)",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe("formatDuration", () => {
  it.each([
    [2160 * HOUR, "2160h"],
    [90 * MINUTE, "90m"],
    [45 * SECOND, "45s"],
    [1_500, "1500ms"],
  ])("writes %d ms as %s, in the largest whole unit", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([1, 999, 1_000, 61_000, 3_600_000, 7_260_000, 777_600_000])("round-trips %d ms through parseDuration", (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
