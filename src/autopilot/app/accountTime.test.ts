import { describe, expect, it } from "vitest";
import { accountClock, addDays, zoneOrUtc } from "./accountTime.ts";

describe("an ad account's clock", () => {
  it("reads the day and hour in the account's own zone, half-hour zones and DST included", () => {
    // 03:00 UTC on 15 June is 20:00 on 14 June in Los Angeles (PDT, UTC−7).
    expect(accountClock(Date.UTC(2026, 5, 15, 3), "America/Los_Angeles")).toEqual({ today: "2026-06-14", hour: 20 });
    // In January Los Angeles is UTC−8.
    expect(accountClock(Date.UTC(2026, 0, 15, 3), "America/Los_Angeles")).toEqual({ today: "2026-01-14", hour: 19 });
    // 20:00 UTC is 01:30 the next day in India (UTC+5:30).
    expect(accountClock(Date.UTC(2026, 5, 15, 20), "Asia/Kolkata")).toEqual({ today: "2026-06-16", hour: 1 });
    expect(accountClock(Date.UTC(2026, 5, 15, 23, 59), "UTC")).toEqual({ today: "2026-06-15", hour: 23 });
  });

  it("falls back to UTC for a missing or unknown zone, and moves dates across months and years", () => {
    expect(zoneOrUtc(undefined)).toBe("UTC");
    expect(zoneOrUtc("Not/A_Zone")).toBe("UTC");
    expect(zoneOrUtc("Europe/Berlin")).toBe("Europe/Berlin");
    expect(accountClock(Date.UTC(2026, 5, 15, 3), "Not/A_Zone")).toEqual({ today: "2026-06-15", hour: 3 });
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-06-14", -90)).toBe("2026-03-16");
  });
});
