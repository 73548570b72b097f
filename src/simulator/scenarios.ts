import { runPolicy, rulesPolicy, staticPolicy, type RunTotals, type Scenario } from "./policies.ts";
import type { DayWindow, SimBudget, World } from "./market.ts";
import { generateWorld, type WorldSpec } from "./worldBuilder.ts";

/**
 * Named, seeded scenarios for tests and the Autopilot benchmark. Each is a world spec with a
 * seed, a length and a target CPA; `scenarioReport` runs it under the baselines and says how far
 * the oracle is above static.
 */

interface ScenarioDefinition {
  seed: number;
  days: number;
  targetCpaMinor: number;
  spec: WorldSpec;
}

const START = "2026-03-02";

const DEFINITIONS = {
  /** One account, a few ad sets with modest budgets and a spend cap. */
  small_shop: {
    seed: 101,
    days: 30,
    targetCpaMinor: 3000,
    spec: {
      startDate: START,
      accounts: 1,
      campaignsPerAccount: 1,
      adSetsPerCampaign: 3,
      adsPerAdSet: 3,
      dailyBudgetMinor: [2000, 6000],
      spendCapMinor: 300_000,
      disapprovalDailyHazard: 0.002,
    },
  },
  /** Two accounts with large budgets, some of them lifetime budgets, and strongly concave curves. */
  scaling_brand: {
    seed: 202,
    days: 30,
    targetCpaMinor: 4000,
    spec: {
      startDate: START,
      accounts: 2,
      campaignsPerAccount: 3,
      adSetsPerCampaign: 4,
      adsPerAdSet: 4,
      dailyBudgetMinor: [10_000, 50_000],
      lifetimeShare: 0.3,
      lifetimeDays: 30,
      curveExponent: [0.6, 0.75],
      disapprovalDailyHazard: 0.002,
    },
  },
  /** Many ads, most of them weak: CTR and CVR spread over an order of magnitude. */
  many_weak_ads: {
    seed: 303,
    days: 30,
    targetCpaMinor: 3000,
    spec: {
      startDate: START,
      accounts: 1,
      campaignsPerAccount: 2,
      adSetsPerCampaign: 3,
      adsPerAdSet: 12,
      dailyBudgetMinor: [5000, 15_000],
      ctr: [0.002, 0.03],
      cvr: [0.004, 0.06],
    },
  },
  /** A five-day sale in the middle: conversion rates ×2.5, CPMs ×1.4. */
  seasonal_spike: {
    seed: 404,
    days: 35,
    targetCpaMinor: 3000,
    spec: {
      startDate: START,
      accounts: 1,
      campaignsPerAccount: 2,
      adSetsPerCampaign: 3,
      adsPerAdSet: 3,
      dailyBudgetMinor: [5000, 15_000],
      events: [{ startDay: 20, endDay: 24, cvrMultiplier: 2.5, cpmMultiplier: 1.4 }],
    },
  },
  /** Destination sites that go down often, for days at a time. */
  broken_landing_page: {
    seed: 505,
    days: 30,
    targetCpaMinor: 3000,
    spec: {
      startDate: START,
      accounts: 1,
      campaignsPerAccount: 2,
      adSetsPerCampaign: 3,
      adsPerAdSet: 3,
      dailyBudgetMinor: [5000, 15_000],
      sitesPerAccount: 3,
      outageDailyHazard: 0.06,
      outageDays: [2, 5],
    },
  },
  /** Many small ad sets with weak conversion rates: most never leave learning. */
  learning_heavy: {
    seed: 606,
    days: 30,
    targetCpaMinor: 3000,
    spec: {
      startDate: START,
      accounts: 1,
      campaignsPerAccount: 3,
      adSetsPerCampaign: 5,
      adsPerAdSet: 2,
      dailyBudgetMinor: [1000, 3000],
      cvr: [0.008, 0.03],
      market: { learningEfficiency: 0.6 },
    },
  },
} satisfies Record<string, ScenarioDefinition>;

export type ScenarioName = keyof typeof DEFINITIONS;
export const SCENARIO_NAMES = Object.keys(DEFINITIONS) as ScenarioName[];

/**
 * A fresh copy of a named scenario; `seed` overrides its own. With `historyDays`, the account has
 * already run that long, unchanged, when the run starts: the world is moved that many days later
 * (its calendar, events, outages, disapprovals and lifetime budgets keep their place relative to the
 * run, and lifetime budgets and spend caps grow by what the extra days spend at the same pace).
 */
export function buildScenario(name: ScenarioName, seed?: number, historyDays = 0): Scenario {
  const definition: ScenarioDefinition = DEFINITIONS[name];
  const chosen = seed ?? definition.seed;
  const world = generateWorld(definition.spec, chosen);
  return {
    name,
    seed: chosen,
    days: definition.days,
    targetCpaMinor: definition.targetCpaMinor,
    spec: definition.spec,
    world: historyDays > 0 ? withHistory(world, historyDays) : world,
    ...(historyDays > 0 ? { historyDays } : {}),
  };
}

function withHistory(world: World, h: number): World {
  const later = <T extends DayWindow>(w: T): T => ({ ...w, startDay: w.startDay + h, endDay: w.endDay + h });
  const start = new Date(`${world.startDate}T00:00:00Z`);
  start.setUTCDate(start.getUTCDate() - h);
  const paceOf = (budget: SimBudget) => (budget.kind === "daily" ? budget.amountMinor : budget.amountMinor / (budget.endDay + 1));
  const adSets = world.adSets.map((s) =>
    s.budget.kind === "daily" ? s : { ...s, budget: { kind: "lifetime" as const, amountMinor: Math.round(paceOf(s.budget) * (s.budget.endDay + 1 + h)), endDay: s.budget.endDay + h } },
  );
  const accountOfCampaign = new Map(world.campaigns.map((c) => [c.id, c.accountId]));
  const dailyPace = new Map<string, number>();
  for (const s of world.adSets) dailyPace.set(accountOfCampaign.get(s.campaignId)!, (dailyPace.get(accountOfCampaign.get(s.campaignId)!) ?? 0) + paceOf(s.budget));
  return {
    ...world,
    startDate: start.toISOString().slice(0, 10),
    accounts: world.accounts.map((a) => (a.spendCapMinor === null ? a : { ...a, spendCapMinor: a.spendCapMinor + Math.round((dailyPace.get(a.id) ?? 0) * h) })),
    adSets,
    ads: world.ads.map((a) => (a.truth.disapprovalDay === null ? a : { ...a, truth: { ...a.truth, disapprovalDay: a.truth.disapprovalDay + h } })),
    sites: world.sites.map((site) => ({ ...site, downWindows: site.downWindows.map(later) })),
    market: { ...world.market, events: world.market.events.map(later) },
  };
}

export interface ScenarioReport {
  name: ScenarioName;
  seed: number;
  days: number;
  static: RunTotals;
  rules: RunTotals;
  /** Expected conversions of static's own allocations. */
  staticExpectedConversions: number;
  /** Expected conversions of the oracle's allocations of the same daily spend. */
  oracleExpectedConversions: number;
  /** Oracle ÷ static expected conversions over the run (noise-free, same states and spend). */
  headroom: number;
}

/** Runs the scenario under static and rules and reports the oracle's headroom over static. */
export function scenarioReport(name: ScenarioName, days?: number, seed?: number): ScenarioReport {
  const scenario = buildScenario(name, seed);
  const staticRun = runPolicy(scenario, staticPolicy, days);
  const rulesRun = runPolicy(scenario, rulesPolicy(), days);
  return {
    name,
    seed: scenario.seed,
    days: staticRun.days,
    static: staticRun.totals,
    rules: rulesRun.totals,
    staticExpectedConversions: staticRun.expectedConversions,
    oracleExpectedConversions: staticRun.oracleExpectedConversions,
    headroom: staticRun.expectedConversions > 0 ? staticRun.oracleExpectedConversions / staticRun.expectedConversions : Infinity,
  };
}
