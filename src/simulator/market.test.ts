import { describe, expect, it } from "vitest";
import { simulateDays, truthRows, reportedRows, type World } from "./market.ts";
import { generateWorld, type WorldSpec } from "./worldBuilder.ts";

const spec: WorldSpec = {
  startDate: "2026-03-02",
  accounts: 2,
  campaignsPerAccount: 2,
  adSetsPerCampaign: 3,
  adsPerAdSet: 3,
  dailyBudgetMinor: [3000, 20000],
  lifetimeShare: 0.3,
  spendCapMinor: 600_000,
  disapprovalDailyHazard: 0.01,
  outageDailyHazard: 0.03,
};

function world(seed = 1, overrides: Partial<WorldSpec> = {}): World {
  return generateWorld({ ...spec, ...overrides }, seed);
}

describe("market determinism", () => {
  it("gives byte-identical insights for the same seed over 30 days", () => {
    const a = JSON.stringify(simulateDays(world(5), 30).days);
    const b = JSON.stringify(simulateDays(world(5), 30).days);
    expect(a).toBe(b);
    expect(JSON.stringify(simulateDays(world(6), 30).days)).not.toBe(a);
  });

  it("turns every delivery into a stored-insights row", () => {
    const { days } = simulateDays(world(2), 10);
    const rows = truthRows(days);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(Number.isInteger(row.spend) && row.spend > 0).toBe(true);
      expect(row.reach).toBeLessThanOrEqual(row.impressions);
      expect(row.link_clicks).toBeLessThanOrEqual(row.clicks);
      expect(row.conversions).toBeLessThanOrEqual(row.link_clicks!);
    }
    expect(reportedRows(days, 9).length).toBe(rows.length);
  });
});
