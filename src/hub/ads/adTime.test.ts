import { describe, expect, it } from "vitest";
import { GrantlineError } from "../../errors.ts";
import { dateOfDay, dayNumber, formatGraphTime, localDate, parseGraphTime } from "./adTime.ts";

describe("ad account times", () => {
  const la = "America/Los_Angeles";

  it("shows instants in the account's zone with its offset, across DST", () => {
    expect(formatGraphTime(Date.UTC(2026, 0, 5, 12), la)).toBe("2026-01-05T04:00:00-0800");
    expect(formatGraphTime(Date.UTC(2026, 6, 5, 12), la)).toBe("2026-07-05T05:00:00-0700");
    expect(formatGraphTime(Date.UTC(2026, 0, 5, 12), "Asia/Kolkata")).toBe("2026-01-05T17:30:00+0530");
    expect(formatGraphTime(Date.UTC(2026, 0, 5, 12), "UTC")).toBe("2026-01-05T12:00:00+0000");
  });

  it("falls back to UTC for a zone the runtime does not know", () => {
    expect(formatGraphTime(Date.UTC(2026, 0, 5, 12), "Mars/Olympus")).toBe("2026-01-05T12:00:00+0000");
  });

  it("reads ISO 8601 with an offset, Z, none (account wall clock), a date alone, and UNIX seconds", () => {
    const t = Date.UTC(2026, 0, 5, 12);
    expect(parseGraphTime("2026-01-05T04:00:00-0800", la, "start_time")).toBe(t);
    expect(parseGraphTime("2026-01-05T04:00:00-08:00", la, "start_time")).toBe(t);
    expect(parseGraphTime("2026-01-05T12:00:00Z", la, "start_time")).toBe(t);
    expect(parseGraphTime("2026-01-05T04:00:00", la, "start_time")).toBe(t);
    expect(parseGraphTime("2026-07-05T05:00", la, "start_time")).toBe(Date.UTC(2026, 6, 5, 12));
    expect(parseGraphTime("2026-01-05", la, "start_time")).toBe(Date.UTC(2026, 0, 5, 8));
    expect(parseGraphTime(t / 1000, la, "start_time")).toBe(t);
    expect(parseGraphTime(String(t / 1000), la, "start_time")).toBe(t);
    for (const bad of ["tomorrow", "2026-02-30", "2026-01-05T25:00:00Z", -5, ""]) {
      expect(() => parseGraphTime(bad, la, "start_time")).toThrow(GrantlineError);
    }
  });

  it("round-trips what it shows", () => {
    for (const t of [Date.UTC(2026, 2, 8, 9, 59), Date.UTC(2026, 2, 8, 10, 0), Date.UTC(2026, 10, 1, 8, 30), Date.UTC(2026, 10, 1, 9, 30)]) {
      expect(parseGraphTime(formatGraphTime(t, la), la, "t")).toBe(t);
    }
  });

  it("names the account's calendar day and counts days exactly", () => {
    expect(localDate(Date.UTC(2026, 0, 5, 3), la)).toBe("2026-01-04");
    expect(localDate(Date.UTC(2026, 0, 5, 3), "UTC")).toBe("2026-01-05");
    const day = dayNumber("2024-02-29");
    expect(day).toBeDefined();
    expect(dateOfDay(day! + 1)).toBe("2024-03-01");
    expect(dayNumber("2025-02-29")).toBeUndefined();
    expect(dayNumber("2025-1-01")).toBeUndefined();
  });
});
