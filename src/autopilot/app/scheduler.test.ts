import { describe, expect, it } from "vitest";
import { nextDailyAt, nextScanAt } from "./scheduler.ts";

const iso = (ms: number) => new Date(ms).toISOString();

describe("the daily slot", () => {
  it("is the next time the zone's clock shows the hour, never now itself", () => {
    expect(iso(nextDailyAt(Date.UTC(2026, 5, 15, 12), 6, "UTC"))).toBe("2026-06-16T06:00:00.000Z");
    expect(iso(nextDailyAt(Date.UTC(2026, 5, 15, 5, 59), 6, "UTC"))).toBe("2026-06-15T06:00:00.000Z");
    expect(iso(nextDailyAt(Date.UTC(2026, 5, 15, 6), 6, "UTC"))).toBe("2026-06-16T06:00:00.000Z");
  });

  it("follows the time zone, half-hour offsets and daylight-saving changes included", () => {
    // 05:30 in Kolkata (UTC+5:30): 06:00 there is 00:30 UTC.
    expect(iso(nextDailyAt(Date.UTC(2026, 5, 15, 0), 6, "Asia/Kolkata"))).toBe("2026-06-15T00:30:00.000Z");
    // Berlin moves to summer time in the night to 29 March 2026: 06:00 that morning is 04:00 UTC, not 05:00.
    expect(iso(nextDailyAt(Date.UTC(2026, 2, 28, 12), 6, "Europe/Berlin"))).toBe("2026-03-29T04:00:00.000Z");
    expect(iso(nextDailyAt(Date.UTC(2026, 2, 27, 12), 6, "Europe/Berlin"))).toBe("2026-03-28T05:00:00.000Z");
    // 23:00 in New York is already the next day in UTC; the slot is that local morning.
    expect(iso(nextDailyAt(Date.UTC(2026, 5, 16, 3), 6, "America/New_York"))).toBe("2026-06-16T10:00:00.000Z");
  });

  it("is skipped once when an off-schedule scan ran shortly before it", () => {
    const settings = { dailyHour: 6, timeZone: "UTC" };
    expect(iso(nextScanAt(settings, Date.UTC(2026, 5, 15, 4), Date.UTC(2026, 5, 15, 3, 55)))).toBe("2026-06-16T06:00:00.000Z");
    expect(iso(nextScanAt(settings, Date.UTC(2026, 5, 14, 23), Date.UTC(2026, 5, 14, 22, 55)))).toBe("2026-06-15T06:00:00.000Z");
    expect(iso(nextScanAt(settings, Date.UTC(2026, 5, 15, 4)))).toBe("2026-06-15T06:00:00.000Z");
  });
});
