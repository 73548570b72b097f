import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectIntradaySpike, detectSpike, mad, median } from "./anomaly.ts";

const days = (values: number[], start = Date.UTC(2026, 0, 1)) =>
  values.map((value, i) => ({ date: new Date(start + i * 86_400_000).toISOString().slice(0, 10), value }));

describe("the spend-spike detector", () => {
  it("computes median and MAD", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(mad([1, 1, 2, 2, 4, 6, 9])).toBe(1);
  });

  it.each([
    { name: "a steady account doubling its spend", history: Array(28).fill(10_000), today: 20_000, spike: true },
    { name: "ordinary noise", history: [9_800, 10_200, 10_100, 9_900, 10_000, 10_300, 9_700].flatMap((v) => [v, v, v, v]), today: 10_400, spike: false },
    { name: "a spend drop (not a spike)", history: Array(28).fill(10_000), today: 2_000, spike: false },
    { name: "a small account moving by pennies", history: Array(28).fill(100), today: 115, spike: false },
  ])("$name → spike $spike", ({ history, today, spike }) => {
    const series = days([...history, today]);
    const result = detectSpike(series, series.at(-1)!);
    expect(result.tooLittleData).toBe(false);
    expect(result.spike).toBe(spike);
  });

  it("reports too little data instead of judging", () => {
    const series = days([100, 100, 100, 5000]);
    expect(detectSpike(series, series.at(-1)!)).toMatchObject({ tooLittleData: true, spike: false });
  });

  it("follows the account's weekly pattern: a busy weekday at its usual level is not a spike", () => {
    // Saturdays (every 7th day from a Thursday start: index 2, 9, …) spend three times as much.
    const values = Array.from({ length: 35 }, (_, i) => (i % 7 === 2 ? 30_000 : 10_000));
    const series = days(values);
    const saturday = series[30]!;
    expect(new Date(`${saturday.date}T00:00:00Z`).getUTCDay()).toBe(6);
    const result = detectSpike(series, saturday);
    expect(result.weekdayFactor).toBe(3);
    expect(result.spike).toBe(false);
    // The same amount on a Tuesday is a spike.
    const tuesday = series[33]!;
    expect(detectSpike(series.map((d) => (d === tuesday ? { ...d, value: 30_000 } : d)), { ...tuesday, value: 30_000 }).spike).toBe(true);
  });

  it("is robust: one wild day in the history does not hide the next spike", () => {
    const values = [...Array(27).fill(10_000), 90_000];
    const series = days([...values, 25_000]);
    expect(detectSpike(series, series.at(-1)!).spike).toBe(true);
  });

  it("never flags a day at or below what the pattern expects, and always flags doubling a steady spend (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 14, maxLength: 40 }), fc.double({ min: 0, max: 1, noNaN: true }), (history, share) => {
        const probe = detectSpike(days([...history, 0]), days([...history, 0]).at(-1)!);
        const series = days([...history, Math.floor(probe.expected * share)]);
        expect(detectSpike(series, series.at(-1)!).spike).toBe(false);
      }),
      { seed: 6, numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 1_000_000 }), fc.integer({ min: 14, max: 40 }), fc.double({ min: 2, max: 50, noNaN: true }), (level, n, factor) => {
        const series = days([...Array(n).fill(level), Math.ceil(level * factor)]);
        expect(detectSpike(series, series.at(-1)!).spike).toBe(true);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe("spend spikes within the day", () => {
  const history = (days: number, perHour: (date: string, hour: number) => number) => {
    const rows = [];
    for (let d = days; d >= 1; d--) {
      const date = new Date(Date.UTC(2026, 5, 15) - d * 86_400_000).toISOString().slice(0, 10);
      for (let h = 0; h < 24; h++) rows.push({ date, hour: h, value: perHour(date, h) });
    }
    return rows;
  };

  it("compares the day so far with the same hours of earlier days", () => {
    const usual = history(14, (date, h) => (h < 12 ? 100 : 400) + (date.endsWith("3") ? 7 : 0));
    const calm = detectIntradaySpike([...usual, ...Array.from({ length: 10 }, (_, h) => ({ date: "2026-06-15", hour: h, value: 102 }))], "2026-06-15", 10);
    expect(calm).toMatchObject({ spike: false, tooLittleData: false, hours: 10, historyDays: 14, expected: 1000 });
    // Three times the usual morning: a spike by 10:00, long before the evening hours weigh in.
    const hot = detectIntradaySpike([...usual, ...Array.from({ length: 10 }, (_, h) => ({ date: "2026-06-15", hour: h, value: 300 }))], "2026-06-15", 10);
    expect(hot).toMatchObject({ spike: true, value: 3000, expected: 1000 });
  });

  it("counts only days with hourly data as history", () => {
    const short = history(5, () => 100);
    expect(detectIntradaySpike([...short, { date: "2026-06-15", hour: 0, value: 900 }], "2026-06-15", 1)).toMatchObject({ tooLittleData: true, spike: false, historyDays: 5 });
  });
});
