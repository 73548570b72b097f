import type { DailyInsightInput } from "../hub/ads/insights.service.ts";
import {
  dayRng,
  expectationContext,
  initialState,
  isSiteDown,
  simulateDay,
  toInsightRow,
  type DayResult,
  type ReviewStatus,
  type RunStatus,
  type SimBudget,
  type World,
} from "./market.ts";
import { expectedOutcome, oracleFromContext } from "./oracle.ts";
import type { WorldSpec } from "./worldBuilder.ts";

/**
 * Baseline policies and the harness that runs one under a scenario. Policies see only what an
 * advertiser sees: configuration (statuses, budgets) and insights as reported so far; never the
 * true parameters. They act at the end of each day; changes take effect the next day.
 */

export interface Scenario {
  name: string;
  seed: number;
  days: number;
  /** The advertiser's target cost per purchase. */
  targetCpaMinor: number;
  world: World;
  /** The spec the world was drawn from (its generating distributions), when it was generated. */
  spec?: WorldSpec;
  /**
   * Days the account ran unchanged before the run (0 for a launch): they are simulated first, every
   * policy sees their insights (what a calibration scan reads) and only the days after them count.
   */
  historyDays?: number;
}

export interface ObservedAdSet {
  id: string;
  campaignId: string;
  accountId: string;
  status: RunStatus;
  budget: SimBudget;
}

export interface ObservedAd {
  id: string;
  adSetId: string;
  status: RunStatus;
  reviewStatus: ReviewStatus;
  /**
   * Whether the ad's landing page failed to load on the day that just ended: what an HTTP check of
   * its destination URL observes (the site's hidden conversion effects stay hidden).
   */
  destinationDown?: boolean;
}

export type ReportedRow = DailyInsightInput & { dayIndex: number; adSetId: string };

export interface Observation {
  /** The day that just ended. */
  dayIndex: number;
  targetCpaMinor: number;
  adSets: ObservedAdSet[];
  ads: ObservedAd[];
  /** Every day's rows as reported by the end of `dayIndex`. */
  rows: ReportedRow[];
}

export type PolicyChange =
  | { kind: "pause_ad"; adId: string; reason: string }
  | { kind: "set_budget"; adSetId: string; amountMinor: number; reason: string }
  | { kind: "resume_ad"; adId: string; reason: string };

export interface Policy {
  name: string;
  decide(observation: Observation): PolicyChange[];
}

/** Never changes anything. */
export const staticPolicy: Policy = { name: "static", decide: () => [] };

export interface RulesOptions {
  /** Pause an ad whose CPA is over this × target … */
  pauseCpaRatio: number;
  /** … once it has spent at least this × target. */
  pauseMinSpendRatio: number;
  /** Raise an ad set's budget when its CPA over the window is under this × target … */
  scaleCpaRatio: number;
  scaleWindowDays: number;
  /** … by this fraction. */
  scaleStep: number;
}

export const DEFAULT_RULES: RulesOptions = { pauseCpaRatio: 1.25, pauseMinSpendRatio: 2, scaleCpaRatio: 0.8, scaleWindowDays: 3, scaleStep: 0.2 };

/** A Revealbot-style default rule set, at most one change per object per day. */
export function rulesPolicy(options: RulesOptions = DEFAULT_RULES): Policy {
  return {
    name: "rules",
    decide(obs) {
      const target = obs.targetCpaMinor;
      const changes: PolicyChange[] = [];
      const adTotals = new Map<string, { spend: number; conversions: number }>();
      const setWindow = new Map<string, { spend: number; conversions: number }>();
      const windowStart = obs.dayIndex - options.scaleWindowDays + 1;
      for (const row of obs.rows) {
        const ad = adTotals.get(row.ad_id) ?? { spend: 0, conversions: 0 };
        ad.spend += row.spend;
        ad.conversions += row.conversions;
        adTotals.set(row.ad_id, ad);
        if (row.dayIndex >= windowStart) {
          const set = setWindow.get(row.adSetId) ?? { spend: 0, conversions: 0 };
          set.spend += row.spend;
          set.conversions += row.conversions;
          setWindow.set(row.adSetId, set);
        }
      }
      for (const ad of obs.ads) {
        const totals = adTotals.get(ad.id);
        if (ad.status !== "ACTIVE" || !totals || totals.spend < options.pauseMinSpendRatio * target) continue;
        const cpa = totals.conversions > 0 ? totals.spend / totals.conversions : Infinity;
        if (cpa > options.pauseCpaRatio * target) changes.push({ kind: "pause_ad", adId: ad.id, reason: `CPA ${cpa.toFixed(0)} over ${options.pauseCpaRatio}× target` });
      }
      if (obs.dayIndex + 1 >= options.scaleWindowDays) {
        for (const set of obs.adSets) {
          const window = setWindow.get(set.id);
          if (set.status !== "ACTIVE" || set.budget.kind !== "daily" || !window || window.conversions === 0) continue;
          const cpa = window.spend / window.conversions;
          if (cpa < options.scaleCpaRatio * target) {
            changes.push({
              kind: "set_budget",
              adSetId: set.id,
              amountMinor: Math.round(set.budget.amountMinor * (1 + options.scaleStep)),
              reason: `${options.scaleWindowDays}-day CPA ${cpa.toFixed(0)} under ${options.scaleCpaRatio}× target`,
            });
          }
        }
      }
      return changes;
    },
  };
}

export interface RunTotals {
  spendMinor: number;
  conversions: number;
  revenueMinor: number;
  /** Spend per conversion, minor units; null without conversions. */
  cpaMinor: number | null;
  /** Revenue over spend; null without spend. */
  roas: number | null;
}

export interface CapViolation {
  kind: "daily_overspend" | "lifetime_budget" | "account_spend_cap";
  objectId: string;
  dayIndex: number;
  spendMinor: number;
  limitMinor: number;
}

export interface RunReport {
  scenario: string;
  policy: string;
  days: number;
  /** Eventual (fully attributed) totals. */
  totals: RunTotals;
  capViolations: CapViolation[];
  changesApplied: number;
  /** Expected conversions of the run's own daily allocations, from the truth. */
  expectedConversions: number;
  /** The same, day by day. */
  expectedByDay: number[];
  /** Expected conversions of the oracle's allocation of the same daily spend per account. */
  oracleExpectedConversions: number;
  results: DayResult[];
}

function totalsOf(results: readonly DayResult[]): RunTotals {
  let spendMinor = 0;
  let conversions = 0;
  let revenueMinor = 0;
  for (const day of results)
    for (const d of day.ads) {
      spendMinor += d.spendMinor;
      conversions += d.conversions;
      revenueMinor += d.revenueMinor;
    }
  return {
    spendMinor,
    conversions,
    revenueMinor,
    cpaMinor: conversions > 0 ? spendMinor / conversions : null,
    roas: spendMinor > 0 ? revenueMinor / spendMinor : null,
  };
}

/**
 * Runs the scenario's world from its start under `policy` for `days` days (the scenario's own by
 * default). The world is copied, so the scenario can be run again under another policy with the
 * same noise.
 */
export function runPolicy(scenario: Scenario, policy: Policy, days = scenario.days): RunReport {
  const world = structuredClone(scenario.world);
  const state = initialState(world);
  const history = scenario.historyDays ?? 0;
  const seen: DayResult[] = [];
  for (let d = 0; d < history; d++) seen.push(simulateDay(world, state, d, dayRng(world, d)));
  const results: DayResult[] = [];
  const capViolations: CapViolation[] = [];
  const adSetOfAd = new Map(world.ads.map((a) => [a.id, a.adSetId]));
  const siteByUrl = new Map(world.sites.map((site) => [site.url, site]));
  const accountSpent = new Map<string, number>();
  const adSetSpent = new Map<string, number>();
  for (const day of seen)
    for (const set of day.adSets) {
      adSetSpent.set(set.adSetId, (adSetSpent.get(set.adSetId) ?? 0) + set.spendMinor);
      accountSpent.set(set.accountId, (accountSpent.get(set.accountId) ?? 0) + set.spendMinor);
    }
  let changesApplied = 0;
  let expectedConversions = 0;
  const expectedByDay: number[] = [];
  let oracleExpectedConversions = 0;

  for (let d = history; d < history + days; d++) {
    const ctx = expectationContext(world, state, d);
    const day = simulateDay(world, state, d, dayRng(world, d));
    results.push(day);
    seen.push(day);

    const spendByAd = new Float64Array(world.ads.length);
    const adIndex = new Map(world.ads.map((a, i) => [a.id, i]));
    const accountDaySpend = new Map<string, number>();
    for (const a of day.ads) {
      spendByAd[adIndex.get(a.adId)!] = a.spendMinor;
      accountDaySpend.set(a.accountId, (accountDaySpend.get(a.accountId) ?? 0) + a.spendMinor);
    }
    const expectedToday = expectedOutcome(world, ctx, spendByAd).conversions;
    expectedConversions += expectedToday;
    expectedByDay.push(expectedToday);
    for (const [accountId, spend] of accountDaySpend) oracleExpectedConversions += oracleFromContext(world, ctx, accountId, spend).expectedConversions;

    for (const set of day.adSets) {
      const total = (adSetSpent.get(set.adSetId) ?? 0) + set.spendMinor;
      adSetSpent.set(set.adSetId, total);
      const account = (accountSpent.get(set.accountId) ?? 0) + set.spendMinor;
      accountSpent.set(set.accountId, account);
      if (set.budget.kind === "daily" && set.spendMinor > Math.floor(set.budget.amountMinor * 1.25))
        capViolations.push({ kind: "daily_overspend", objectId: set.adSetId, dayIndex: d, spendMinor: set.spendMinor, limitMinor: set.budget.amountMinor });
      if (set.budget.kind === "lifetime" && total > set.budget.amountMinor)
        capViolations.push({ kind: "lifetime_budget", objectId: set.adSetId, dayIndex: d, spendMinor: total, limitMinor: set.budget.amountMinor });
    }
    for (const account of world.accounts) {
      const spent = accountSpent.get(account.id) ?? 0;
      if (account.spendCapMinor !== null && spent > account.spendCapMinor)
        capViolations.push({ kind: "account_spend_cap", objectId: account.id, dayIndex: d, spendMinor: spent, limitMinor: account.spendCapMinor });
    }

    const observation: Observation = {
      dayIndex: d,
      targetCpaMinor: scenario.targetCpaMinor,
      adSets: world.adSets.map((s) => ({
        id: s.id,
        campaignId: s.campaignId,
        accountId: world.campaigns.find((c) => c.id === s.campaignId)!.accountId,
        status: s.status,
        budget: { ...s.budget },
      })),
      ads: world.ads.map((a, i) => ({ id: a.id, adSetId: a.adSetId, status: a.status, reviewStatus: state.ads[i]!.reviewStatus, destinationDown: isSiteDown(siteByUrl.get(a.destinationUrl), d) })),
      rows: seen.flatMap((r) => r.ads.map((a) => ({ ...toInsightRow(a, d), dayIndex: r.dayIndex, adSetId: adSetOfAd.get(a.adId)! }))),
    };
    const touched = new Set<string>();
    for (const change of policy.decide(observation)) {
      const objectId = change.kind === "set_budget" ? change.adSetId : change.adId;
      if (touched.has(objectId)) continue;
      if (change.kind === "pause_ad") {
        const ad = world.ads.find((a) => a.id === change.adId);
        if (!ad || ad.status === "PAUSED") continue;
        ad.status = "PAUSED";
      } else if (change.kind === "resume_ad") {
        const ad = world.ads.find((a) => a.id === change.adId);
        if (!ad || ad.status === "ACTIVE") continue;
        ad.status = "ACTIVE";
      } else {
        const adSet = world.adSets.find((s) => s.id === change.adSetId);
        if (!adSet || change.amountMinor <= 0 || !Number.isInteger(change.amountMinor)) continue;
        adSet.budget = { ...adSet.budget, amountMinor: change.amountMinor };
      }
      touched.add(objectId);
      changesApplied++;
    }
  }
  return {
    scenario: scenario.name,
    policy: policy.name,
    days,
    totals: totalsOf(results),
    capViolations,
    changesApplied,
    expectedConversions,
    expectedByDay,
    oracleExpectedConversions,
    results,
  };
}
