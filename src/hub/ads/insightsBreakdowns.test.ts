import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cellsOf, checkBreakdownCombination, splitExact, splitMeasures } from "./insightsBreakdowns.ts";

describe("splitExact", () => {
  it("always gives back the total, each cell within one of its exact share, zero-weight cells nothing", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 100, noNaN: true })), { minLength: 1, maxLength: 30 }), (total, weights) => {
        const parts = splitExact(total, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        const sum = weights.reduce((a, b) => a + b, 0);
        if (sum > 0) {
          parts.forEach((p, i) => {
            const quota = (total * weights[i]!) / sum;
            expect(p).toBeGreaterThanOrEqual(Math.floor(quota));
            expect(p).toBeLessThanOrEqual(Math.ceil(quota));
          });
        }
      }),
    );
  });
});

describe("splitMeasures", () => {
  it("conserves every measure and never gives a cell more clicks than impressions or more link clicks than clicks", () => {
    const total = fc.record({
      impressions: fc.integer({ min: 0, max: 100_000 }),
      reach: fc.integer({ min: 0, max: 100_000 }),
      clicks: fc.integer({ min: 0, max: 100_000 }),
      link_clicks: fc.integer({ min: 0, max: 100_000 }),
      spend: fc.integer({ min: 0, max: 10_000_000 }),
      conversions: fc.integer({ min: 0, max: 1000 }),
      revenue: fc.integer({ min: 0, max: 10_000_000 }),
    }).map((t) => ({ ...t, reach: Math.min(t.reach, t.impressions), clicks: Math.min(t.clicks, t.impressions), link_clicks: Math.min(t.link_clicks, t.clicks, t.impressions) }));
    const breakdowns = fc.constantFrom(["age"], ["age", "gender"], ["country", "region"], ["publisher_platform", "platform_position", "impression_device"], ["impression_device", "device_platform"]);
    fc.assert(
      fc.property(total, breakdowns, fc.integer(), fc.string(), (t, b, seed, adSet) => {
        const parts = splitMeasures(t, cellsOf(b, seed, adSet, {}));
        for (const m of ["impressions", "reach", "clicks", "link_clicks", "spend", "conversions", "revenue"] as const) {
          expect(parts.reduce((a, p) => a + p[m], 0)).toBe(t[m]);
        }
        for (const p of parts) {
          expect(p.clicks).toBeLessThanOrEqual(p.impressions);
          expect(p.reach).toBeLessThanOrEqual(p.impressions);
          expect(p.link_clicks).toBeLessThanOrEqual(p.clicks);
        }
      }),
    );
  });
});

describe("checkBreakdownCombination", () => {
  it("takes Meta's permutations, joined with action_type, action_target_id or action_destination, and nothing else", () => {
    expect(() => checkBreakdownCombination(["age", "gender"], ["action_type"])).not.toThrow();
    expect(() => checkBreakdownCombination(["publisher_platform", "platform_position"], ["action_device", "action_destination"])).not.toThrow();
    expect(() => checkBreakdownCombination([], ["action_target_id"])).not.toThrow();
    expect(() => checkBreakdownCombination(["age", "publisher_platform"], ["action_type"])).toThrow("(#100) Current combination of data breakdown columns (action_type, age, publisher_platform) is invalid");
    expect(() => checkBreakdownCombination(["country"], ["action_device"])).toThrow("(action_device, country)");
  });
});
