import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reportWindows } from "./scan.service.ts";

const DAY_MS = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe("the scan's insights reports", () => {
  it("reads 90 days of 1,000 ads in four reports, and 90 days of a few ads in one", () => {
    expect(reportWindows("2026-03-17", "2026-06-14", 1000).map((w) => `${w.since}..${w.until}`)).toEqual([
      "2026-03-17..2026-04-10",
      "2026-04-11..2026-05-05",
      "2026-05-06..2026-05-30",
      "2026-05-31..2026-06-14",
    ]);
    expect(reportWindows("2026-03-17", "2026-06-14", 4)).toEqual([{ since: "2026-03-17", until: "2026-06-14", days: 90 }]);
  });

  it("covers every day once, in order, with at most 25,000 rows a report (or one day)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 20_000 }), (start, days, ads) => {
        const since = Date.UTC(2025, 0, 1) + start * DAY_MS;
        const windows = reportWindows(day(since), day(since + (days - 1) * DAY_MS), ads);
        const covered = windows.flatMap((w) => Array.from({ length: w.days }, (_, i) => day(Date.parse(`${w.since}T00:00:00Z`) + i * DAY_MS)));
        expect(covered).toEqual(Array.from({ length: days }, (_, i) => day(since + i * DAY_MS)));
        for (const w of windows) {
          expect(w.until).toBe(covered[covered.indexOf(w.since) + w.days - 1]);
          expect(w.days === 1 || w.days * ads <= 25_000).toBe(true);
        }
      }),
    );
  });
});
