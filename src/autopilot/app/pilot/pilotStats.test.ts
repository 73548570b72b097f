import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Mulberry32 } from "../../../random.ts";
import { addDays } from "../accountTime.ts";
import { blockIndices, blockLength, differenceInDifferences, judge, t975, versusBaselineTrend, versusCounterfactual, type DayTotals } from "./pilotStats.ts";

/** Days from `from` with a weekday pattern, a trend and Poisson-like noise from a seeded stream. */
function series(from: string, n: number, options: { level: number; trendPerDay?: number; seed: number; scale?: number; startIndex?: number }): DayTotals[] {
  const rng = new Mulberry32(options.seed);
  const weekday = [0.8, 1.1, 1.05, 1, 1, 0.95, 1.1];
  return Array.from({ length: n }, (_, i) => {
    const t = (options.startIndex ?? 0) + i;
    const mean = options.level * weekday[t % 7]! * Math.exp((options.trendPerDay ?? 0) * t) * (options.scale ?? 1);
    const conversions = Math.max(0, Math.round(mean + Math.sqrt(mean) * (rng.uniform() + rng.uniform() + rng.uniform() - 1.5) * 2));
    return { date: addDays(from, i), spend: Math.round(100_000 * weekday[t % 7]!), conversions, revenue: conversions * 6000 };
  });
}

describe("pilot statistics", () => {
  it("states a change only when the whole interval is on its side", () => {
    expect(judge("cpa", -0.18, [-0.26, -0.09])).toEqual({ supports: "better", verdict: "CPA 18% lower, 95% interval 9%–26%." });
    expect(judge("cpa", -0.04, [-0.13, 0.06])).toEqual({ supports: "none", verdict: "CPA 4% lower, but the 95% interval −6% to 13% includes no change." });
    expect(judge("conversions", 0.3, [0.1, 0.5])).toMatchObject({ supports: "better" });
    expect(judge("roas", -0.3, [-0.5, -0.1])).toMatchObject({ supports: "worse" });
    expect(judge("spend", 0.2, [0.1, 0.3])).toMatchObject({ supports: "changed" });
    expect(judge("cpa", null, null)).toMatchObject({ supports: "none" });
    expect(judge("cpa", -0.5, null)).toMatchObject({ supports: "none", verdict: expect.stringMatching(/too little data/) });
    // Property: an interval that includes no change never yields a claim, and the verdict says so.
    fc.assert(
      fc.property(fc.constantFrom("cpa", "roas", "conversions", "spend" as const), fc.double({ min: -0.99, max: 3, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (metric, change, below, above) => {
        const result = judge(metric, change, [-below, above]);
        expect(result.supports).toBe("none");
        expect(result.verdict).toMatch(/includes no change/);
      }),
    );
  });

  it("resamples whole blocks of days, a week long from 28 days on", () => {
    expect([blockLength(5), blockLength(14), blockLength(27), blockLength(28), blockLength(90)]).toEqual([2, 3, 3, 7, 7]);
    const idx = blockIndices(30, new Mulberry32(3));
    expect(idx).toHaveLength(30);
    expect(idx.every((i) => i >= 0 && i < 30)).toBe(true);
    expect(idx.slice(0, 7).every((v, k) => k === 0 || v === (idx[k - 1]! + 1) % 30)).toBe(true);
    expect([t975(1), t975(3), t975(30), t975(1000)].map((t) => t.toFixed(2))).toEqual(["12.71", "3.18", "2.04", "1.96"]);
  });

  it("against a counterfactual: no difference is no change, the same seed gives the same report, a real lift is found", () => {
    const days = series("2026-03-01", 30, { level: 40, seed: 1 });
    const same = versusCounterfactual(days, days, { seed: 9 });
    expect(same.estimates.cpa).toMatchObject({ change: 0, low: 0, high: 0, supports: "none" });
    const lifted = series("2026-03-01", 30, { level: 40, seed: 2, scale: 1.5 });
    const a = versusCounterfactual(lifted, days, { seed: 9 });
    expect(a).toEqual(versusCounterfactual(lifted, days, { seed: 9 }));
    expect(a.estimates.conversions.change!).toBeGreaterThan(0.3);
    expect(a.estimates.conversions.low!).toBeLessThan(0.5);
    expect(a.estimates.conversions.high!).toBeGreaterThan(0.5);
    expect(a.estimates.conversions.supports).toBe("better");
    expect(a.estimates.cpa.supports).toBe("better");
    expect(a.estimates.spend).toMatchObject({ change: 0, supports: "none" });
    expect(() => versusCounterfactual(days, days.slice(1), { seed: 1 })).toThrow(RangeError);
  });

  it("projects the baseline's weekday pattern and trend: a steady account shows no change, a 30% lift shows", () => {
    const all = series("2026-01-01", 120, { level: 30, trendPerDay: 0.003, seed: 5 });
    const steady = versusBaselineTrend(all.slice(0, 90), all.slice(90), { seed: 1 });
    expect(steady.estimates.conversions.supports).toBe("none");
    expect(steady.estimates.conversions.low!).toBeLessThan(0);
    expect(steady.estimates.conversions.high!).toBeGreaterThan(0);
    const lifted = series(all[90]!.date, 30, { level: 30, trendPerDay: 0.003, seed: 6, scale: 1.3, startIndex: 90 });
    const lift = versusBaselineTrend(all.slice(0, 90), lifted, { seed: 1 });
    expect(lift.estimates.conversions.supports).toBe("better");
    expect(lift.estimates.conversions.low!).toBeLessThan(0.3);
    expect(lift.estimates.conversions.high!).toBeGreaterThan(0.3);
    expect(() => versusBaselineTrend(all.slice(0, 10), all.slice(90), { seed: 1 })).toThrow(RangeError);
  });

  it("difference in differences: a market-wide rise in both groups is no change; a rise in the pilot only is", () => {
    const opts = (seed: number, scale = 1) => ({ level: 40, seed, scale });
    const groups = (pilotScale: number, holdoutScale: number) => ({
      pilotBaseline: series("2026-01-01", 60, opts(1)),
      holdoutBaseline: series("2026-01-01", 60, opts(2)),
      pilotPeriod: series("2026-03-02", 30, opts(3, pilotScale)),
      holdoutPeriod: series("2026-03-02", 30, opts(4, holdoutScale)),
    });
    const market = differenceInDifferences(groups(1.4, 1.4), { seed: 2 });
    expect(market.estimates.conversions.supports).toBe("none");
    const lift = differenceInDifferences(groups(1.6, 1.1), { seed: 2 });
    expect(lift.estimates.conversions.supports).toBe("better");
    expect(lift.estimates.conversions.change!).toBeGreaterThan(0.3);
  });
});
