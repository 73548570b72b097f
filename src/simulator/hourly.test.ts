import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HOURLY_PROFILE, hourlyRows } from "./hourly.ts";

describe("hourly rows of a simulated day", () => {
  it("add up exactly to the day, hour by hour within the daily row's own limits", () => {
    expect(HOURLY_PROFILE.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const day = fc
      .record({ impressions: fc.nat(2_000_000), clickShare: fc.double({ min: 0, max: 1, noNaN: true }), linkShare: fc.double({ min: 0, max: 1, noNaN: true }), convShare: fc.double({ min: 0, max: 1, noNaN: true }), spend: fc.nat(10_000_000), revenue: fc.nat(10_000_000) })
      .map((d) => {
        const clicks = Math.floor(d.impressions * d.clickShare);
        const link_clicks = Math.floor(clicks * d.linkShare);
        const conversions = Math.floor(link_clicks * d.convShare);
        return { ad_id: "1", date: "2026-06-14", impressions: d.impressions, reach: Math.floor(d.impressions * 0.8), clicks, link_clicks, spend: d.spend, conversions, revenue: conversions > 0 ? d.revenue : 0 };
      });
    fc.assert(
      fc.property(day, (d) => {
        const hours = hourlyRows(d);
        expect(hours.map((h) => h.hour)).toEqual([...Array(24).keys()]);
        for (const field of ["impressions", "reach", "clicks", "link_clicks", "spend", "conversions", "revenue"] as const) {
          expect(hours.reduce((sum, h) => sum + h[field]!, 0)).toBe(d[field]);
        }
        for (const h of hours) {
          expect(h.reach).toBeLessThanOrEqual(h.impressions);
          expect(h.clicks).toBeLessThanOrEqual(h.impressions);
          expect(h.link_clicks!).toBeLessThanOrEqual(h.clicks);
          expect(h.conversions).toBeLessThanOrEqual(h.link_clicks!);
        }
      }),
    );
  });

  it("gives only the hours already over for the day in progress", () => {
    const hours = hourlyRows({ ad_id: "1", date: "2026-06-15", impressions: 24_000, reach: 20_000, clicks: 240, link_clicks: 200, spend: 10_000, conversions: 4, revenue: 20_000 }, 13);
    expect(hours.map((h) => h.hour)).toEqual([...Array(13).keys()]);
    // Evenings carry more than nights.
    expect(hourlyRows({ ad_id: "1", date: "2026-06-15", impressions: 24_000, reach: 20_000, clicks: 240, link_clicks: 200, spend: 10_000, conversions: 4, revenue: 20_000 })[20]!.spend).toBeGreaterThan(hours[3]!.spend * 5);
  });
});
