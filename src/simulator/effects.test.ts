import { describe, expect, it } from "vitest";
import { dayRng, initialState, reportedRows, simulateDay, simulateDays, truthRows, type AdDayDelivery, type DayResult, type World } from "./market.ts";
import { generateWorld, type WorldSpec } from "./worldBuilder.ts";

const base: WorldSpec = {
  startDate: "2026-03-02",
  accounts: 1,
  campaignsPerAccount: 2,
  adSetsPerCampaign: 4,
  adsPerAdSet: 3,
  dailyBudgetMinor: [20_000, 60_000],
  audienceSize: [2_000_000, 5_000_000],
  fatigueRate: [0, 0.0001],
};

function buildWorld(overrides: Partial<WorldSpec> = {}, seed = 11): World {
  return generateWorld({ ...base, ...overrides }, seed);
}

function deliveries(days: readonly DayResult[]): AdDayDelivery[] {
  return days.flatMap((d) => d.ads);
}

function rate(ds: readonly AdDayDelivery[], num: (d: AdDayDelivery) => number, den: (d: AdDayDelivery) => number): number {
  return ds.reduce((a, d) => a + num(d), 0) / ds.reduce((a, d) => a + den(d), 0);
}

const conversionRate = (ds: readonly AdDayDelivery[]) => rate(ds, (d) => d.conversions, (d) => d.linkClicks);

describe("market effects", () => {
  it("creative fatigue lowers CTR as frequency rises, by about exp(−rate × frequency)", () => {
    const world = buildWorld({ adSetsPerCampaign: 1, campaignsPerAccount: 1, adsPerAdSet: 1, dailyBudgetMinor: [5000, 5001], audienceSize: [100_000, 100_001], fatigueRate: [0.3, 0.3] });
    const ds = deliveries(simulateDays(world, 40).days);
    const early = ds.slice(0, 5);
    const late = ds.slice(-5);
    const ctr = (x: AdDayDelivery[]) => rate(x, (d) => d.linkClicks, (d) => d.impressions);
    expect(late.at(-1)!.frequencyBefore).toBeGreaterThan(early[0]!.frequencyBefore + 1);
    const predicted = Math.exp(-0.3 * (late[2]!.frequencyBefore - early[2]!.frequencyBefore));
    const observed = ctr(late) / ctr(early);
    expect(observed).toBeLessThan(1);
    expect(observed / predicted).toBeGreaterThan(0.8);
    expect(observed / predicted).toBeLessThan(1.25);
  });

  it("attribution lag: recent days are under-reported and fill in within 7 days", () => {
    const world = buildWorld();
    const { days } = simulateDays(world, 30);
    const sum = (rows: { conversions: number }[]) => rows.reduce((a, r) => a + r.conversions, 0);
    const lastDay = (rows: ReturnType<typeof truthRows>) => rows.filter((r) => r.date === days[29]!.date);
    const truth = sum(lastDay(truthRows(days)));
    const sameDay = sum(lastDay(reportedRows(days, 29)));
    expect(truth).toBeGreaterThan(50);
    // About half of a day's conversions are reported the same day.
    expect(sameDay / truth).toBeGreaterThan(0.35);
    expect(sameDay / truth).toBeLessThan(0.65);
    expect(sum(lastDay(reportedRows(days, 32)))).toBeGreaterThan(sameDay);
    expect(reportedRows(days, 29 + 7)).toEqual(truthRows(days));
    // A day a week back has settled already.
    const weekAgo = (rows: ReturnType<typeof truthRows>) => rows.filter((r) => r.date === days[22]!.date);
    expect(weekAgo(reportedRows(days, 29))).toEqual(weekAgo(truthRows(days)));
  });

  it("pacing overspends a daily budget on some days, never beyond 125%", () => {
    const world = buildWorld({ market: { pacingSigma: 0.2 } });
    const { days } = simulateDays(world, 60);
    const sets = days.flatMap((d) => d.adSets);
    for (const s of sets) expect(s.spendMinor).toBeLessThanOrEqual(Math.floor(s.budget.amountMinor * 1.25));
    expect(sets.filter((s) => s.spendMinor > s.budget.amountMinor).length).toBeGreaterThan(sets.length / 5);
    expect(sets.filter((s) => s.spendMinor === Math.floor(s.budget.amountMinor * 1.25)).length).toBeGreaterThan(0);
  });

  it("never passes the account spend cap, and spends up to it", () => {
    const world = buildWorld({ spendCapMinor: 1_000_000, accounts: 2 });
    const { days, state } = simulateDays(world, 30);
    for (const a of world.accounts) {
      let spent = 0;
      for (const day of days) {
        spent += day.adSets.filter((s) => s.accountId === a.id).reduce((x, s) => x + s.spendMinor, 0);
        expect(spent).toBeLessThanOrEqual(1_000_000);
      }
      expect(spent).toBeGreaterThan(990_000);
    }
    expect(state.accountSpentMinor.every((s) => s <= 1_000_000)).toBe(true);
  });

  it("never passes a lifetime budget, spends most of it, and stops after its end day", () => {
    const world = buildWorld({ lifetimeShare: 1, lifetimeDays: 20, market: { pacingSigma: 0.25 } });
    const { days } = simulateDays(world, 30);
    for (const adSet of world.adSets) {
      const budget = adSet.budget;
      if (budget.kind !== "lifetime") throw new Error("expected lifetime budgets");
      const spends = days.flatMap((d) => d.adSets.filter((s) => s.adSetId === adSet.id));
      const total = spends.reduce((a, s) => a + s.spendMinor, 0);
      expect(total).toBeLessThanOrEqual(budget.amountMinor);
      expect(total).toBeGreaterThan(0.85 * budget.amountMinor);
      expect(days.slice(20).flatMap((d) => d.adSets.filter((s) => s.adSetId === adSet.id))).toEqual([]);
    }
  });

  it("learning phase: worse conversion rate until about 50 conversions after launch", () => {
    const world = buildWorld({ adSetsPerCampaign: 6, dailyBudgetMinor: [3000, 40_000] });
    const { days } = simulateDays(world, 40);
    const ds = deliveries(days);
    const ratio = conversionRate(ds.filter((d) => d.learning)) / conversionRate(ds.filter((d) => !d.learning));
    expect(ratio).toBeGreaterThan(0.55);
    expect(ratio).toBeLessThan(0.85);
    const exits = days.flatMap((d) => d.events).filter((e) => e.type === "learning_exited");
    expect(exits.length).toBeGreaterThan(0);
    for (const exit of exits) {
      const before = ds.filter((d) => d.adSetId === exit.adSetId && d.dayIndex <= exit.dayIndex);
      expect(before.reduce((a, d) => a + d.conversions, 0)).toBeGreaterThanOrEqual(50);
      expect(before.filter((d) => d.dayIndex < exit.dayIndex).reduce((a, d) => a + d.conversions, 0)).toBeLessThan(50);
    }
  });

  it("a budget change over 20% restarts learning; a smaller one does not", () => {
    const world = buildWorld({ adSetsPerCampaign: 2, campaignsPerAccount: 1, dailyBudgetMinor: [80_000, 100_000] });
    const state = initialState(world);
    for (let d = 0; d < 15; d++) simulateDay(world, state, d, dayRng(world, d));
    expect(state.adSets.every((s) => !s.learning)).toBe(true);
    world.adSets[0]!.budget.amountMinor = Math.round(world.adSets[0]!.budget.amountMinor * 1.3);
    world.adSets[1]!.budget.amountMinor = Math.round(world.adSets[1]!.budget.amountMinor * 1.1);
    const day = simulateDay(world, state, 15, dayRng(world, 15));
    expect(day.events.filter((e) => e.type === "learning_reset")).toEqual([
      { type: "learning_reset", adSetId: world.adSets[0]!.id, dayIndex: 15, reason: "budget_change" },
    ]);
    expect(day.adSets.map((s) => s.learning)).toEqual([true, false]);
  });

  it("weekends convert better than mid-week", () => {
    const world = buildWorld({ market: { learningEfficiency: 1 } });
    const ds = deliveries(simulateDays(world, 56).days);
    const dow = (d: AdDayDelivery) => new Date(`${d.date}T00:00:00Z`).getUTCDay();
    const ratio = conversionRate(ds.filter((d) => dow(d) === 0 || dow(d) === 6)) / conversionRate(ds.filter((d) => dow(d) >= 2 && dow(d) <= 4));
    // Configured ratio ≈ 1.175 / 0.933 ≈ 1.26.
    expect(ratio).toBeGreaterThan(1.1);
    expect(ratio).toBeLessThan(1.45);
  });

  it("disapproved ads deliver nothing from their disapproval day", () => {
    const world = buildWorld({ disapprovalDailyHazard: 0.05 });
    const { days } = simulateDays(world, 30);
    const disapproved = days.flatMap((d) => d.events).filter((e) => e.type === "ad_disapproved");
    expect(disapproved.length).toBeGreaterThan(3);
    for (const event of disapproved) {
      const after = deliveries(days).filter((d) => d.adId === event.adId && d.dayIndex >= event.dayIndex);
      expect(after).toEqual([]);
    }
  });

  it("ads whose site is down get clicks but almost no conversions", () => {
    const world = buildWorld({ outageDailyHazard: 0.08, outageDays: [3, 6], sitesPerAccount: 2 });
    expect(world.sites.some((s) => s.downWindows.length > 0)).toBe(true);
    const ds = deliveries(simulateDays(world, 40).days);
    const down = ds.filter((d) => d.siteDown);
    const up = ds.filter((d) => !d.siteDown);
    expect(down.reduce((a, d) => a + d.linkClicks, 0)).toBeGreaterThan(1000);
    expect(conversionRate(down)).toBeLessThan(0.1 * conversionRate(up));
  });
});
