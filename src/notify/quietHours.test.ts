import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatQuietSpan, isQuiet, localMinutes, parseQuietSpan, quietEndsAt } from "./quietHours.ts";

describe("quiet hours", () => {
  const paris = { start: 22 * 60, end: 7 * 60, timeZone: "Europe/Paris" };

  it("reads local time in the channel's time zone", () => {
    // 2026-01-05 21:30 UTC is 22:30 in Paris (UTC+1 in winter).
    expect(localMinutes(Date.UTC(2026, 0, 5, 21, 30), "Europe/Paris")).toBe(22 * 60 + 30);
    expect(isQuiet(Date.UTC(2026, 0, 5, 21, 30), paris)).toBe(true);
    expect(isQuiet(Date.UTC(2026, 0, 5, 12, 0), paris)).toBe(false);
  });

  it("ends a span that wraps midnight at the local end time", () => {
    expect(quietEndsAt(Date.UTC(2026, 0, 5, 21, 30), paris)).toBe(Date.UTC(2026, 0, 6, 6, 0));
    expect(quietEndsAt(Date.UTC(2026, 0, 5, 12, 0), paris)).toBe(Date.UTC(2026, 0, 5, 12, 0));
  });

  it("accounts for a daylight-saving change inside the quiet span", () => {
    // Night of 28-29 March 2026 in Paris: clocks go from 02:00 to 03:00; 07:00 local is 05:00 UTC.
    expect(quietEndsAt(Date.UTC(2026, 2, 28, 22, 0), paris)).toBe(Date.UTC(2026, 2, 29, 5, 0));
  });

  it("always lands on a non-quiet instant no earlier than the start, within a day", () => {
    const zones = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney"];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
        fc.integer({ min: 0, max: 1439 }),
        fc.integer({ min: 1, max: 1439 }),
        fc.constantFrom(...zones),
        (at, start, length, timeZone) => {
          const quiet = { start, end: (start + length) % 1440, timeZone };
          const ends = quietEndsAt(at, quiet);
          expect(ends).toBeGreaterThanOrEqual(at - 60_000);
          expect(ends - at).toBeLessThanOrEqual(25 * 60 * 60_000);
          expect(isQuiet(ends, quiet)).toBe(false);
        },
      ),
      { seed: 7, numRuns: 300 },
    );
  });

  it("parses and prints spans", () => {
    expect(parseQuietSpan("22:00-07:30")).toEqual({ start: 1320, end: 450 });
    expect(parseQuietSpan("25:00-07:00")).toBeUndefined();
    expect(parseQuietSpan("07:00-07:00")).toBeUndefined();
    expect(formatQuietSpan(1320, 450)).toBe("22:00-07:30");
  });
});
