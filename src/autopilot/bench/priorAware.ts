/**
 * The benchmark's causal reference: a prior-aware "P(best)" buyer. It knows how worlds are generated
 * (the ranges CTR, CVR and curve exponents are drawn from, the market's attribution lag, conversion
 * dispersion, weekday profile and learning phase) but no object's true values, and it sees exactly
 * what every other policy sees (statuses, budgets, insights as reported, the evening link check).
 * It shows what an honest learner can reach, so the gap between it and Autopilot is the engine's own.
 *
 * Each evening:
 * - per ad, an exact grid posterior of its conversion rate per click: a log-uniform prior over the
 *   generating range, and a negative-binomial likelihood (dispersion r) of each day's purchases as
 *   reported so far, their mean clicks × CVR × the weekday's factor × the learning efficiency on
 *   learning days × the share of that day's purchases reported by now (binomial thinning keeps the
 *   negative binomial with the same r). Days the ad's page was down are left out;
 * - per ad, click-through from its last 3 days of delivery (ads tire), a Beta posterior;
 * - per ad set, P(each ad is the best per impression) from 256 joint draws; every ad with P(best) ≥
 *   0.15 runs (the platform splits among them), the others pause (reversibly: a paused ad whose
 *   chance rises comes back);
 * - budgets: water-filling of the account's daily budgets over its ad sets on conversions ≈ k·S^b
 *   (b the generating range's middle, k = impressions per spend^b over the last 7 days × the expected
 *   value per impression of the ad set's leading ad × the learning efficiency if it will still be
 *   learning tomorrow), stepped at most ±20% a day with the sum kept (the same rule as the oracle).
 */
import { weekday } from "../../hub/ads/adTime.ts";
import { hashSeed, Mulberry32 } from "../../random.ts";
import type { MarketSettings } from "../../simulator/market.ts";
import type { Observation, Policy, PolicyChange, Scenario } from "../../simulator/policies.ts";
import { generatingRanges } from "../../simulator/worldBuilder.ts";
import { optimalSplit, stepToward } from "./steppedOracle.ts";

const GRID = 48;
const DRAWS = 256;
const DAY_MS = 86_400_000;

export interface PriorAwareOptions {
  /** Keep every ad whose chance of being its ad set's best is at least this. */
  keepProbability?: number;
  maxStep?: number;
}

interface AdMemory {
  /** Log-likelihood over the grid of the days whose purchases have all been reported. */
  settled: Float64Array;
  /** Days up to which `settled` holds (exclusive). */
  settledUntil: number;
  downDays: Set<number>;
  pausedByMe: boolean;
}

export function priorAwarePolicy(scenario: Scenario, options: PriorAwareOptions = {}): Policy {
  const keepP = options.keepProbability ?? 0.15;
  const maxStep = options.maxStep ?? 0.2;
  const market: MarketSettings = scenario.world.market;
  const ranges = generatingRanges(scenario.spec ?? { startDate: scenario.world.startDate, accounts: 1, campaignsPerAccount: 1, adSetsPerCampaign: 1, adsPerAdSet: 1, dailyBudgetMinor: [1, 2] });
  const b = (ranges.curveExponent[0] + ranges.curveExponent[1]) / 2;
  const logCvr = Float64Array.from({ length: GRID }, (_, g) => Math.log(ranges.cvr[0]) + ((g + 0.5) / GRID) * (Math.log(ranges.cvr[1]) - Math.log(ranges.cvr[0])));
  const cvrGrid = logCvr.map(Math.exp);
  const r = market.conversionDispersion;
  const lagDays = market.attributionLag.length;
  const completeness: number[] = [];
  let sum = 0;
  for (const p of market.attributionLag) completeness.push((sum += p));
  const memory = new Map<string, AdMemory>();
  const startBudgets = new Map<string, number>();

  const memoryOf = (adId: string): AdMemory => {
    let m = memory.get(adId);
    if (!m) memory.set(adId, (m = { settled: new Float64Array(GRID), settledUntil: 0, downDays: new Set(), pausedByMe: false }));
    return m;
  };

  return {
    name: "prior_aware",
    decide(obs: Observation): PolicyChange[] {
      const first = obs.rows[0];
      if (!first) return [];
      const startDay = Math.floor(Date.parse(`${first.date}T00:00:00Z`) / DAY_MS) - first.dayIndex;
      const rng = new Mulberry32(hashSeed(scenario.seed, "prior_aware", obs.dayIndex));
      for (const ad of obs.ads) if (ad.destinationDown) memoryOf(ad.id).downDays.add(obs.dayIndex);

      // Ad set by day: spend, impressions, purchases reported (÷ completeness) for learning and curves.
      const setDays = new Map<string, Map<number, { spend: number; impressions: number; conversions: number }>>();
      const adRows = new Map<string, Observation["rows"]>();
      for (const row of obs.rows) {
        const days = setDays.get(row.adSetId) ?? new Map();
        setDays.set(row.adSetId, days);
        const day = days.get(row.dayIndex) ?? { spend: 0, impressions: 0, conversions: 0 };
        const age = obs.dayIndex - row.dayIndex;
        day.spend += row.spend;
        day.impressions += row.impressions;
        day.conversions += row.conversions / completeness[Math.min(age, lagDays - 1)]!;
        days.set(row.dayIndex, day);
        const list = adRows.get(row.ad_id) ?? [];
        list.push(row);
        adRows.set(row.ad_id, list);
      }
      // Learning: from launch (the ad set's first day) until 50 purchases.
      const learningOn = new Map<string, Set<number>>();
      const learningTomorrow = new Map<string, boolean>();
      for (const [setId, days] of setDays) {
        const order = [...days.keys()].sort((x, y) => x - y);
        let cum = 0;
        const on = new Set<number>();
        for (const d of order) {
          if (cum < market.learningConversions) on.add(d);
          cum += days.get(d)!.conversions;
        }
        learningOn.set(setId, on);
        learningTomorrow.set(setId, cum < market.learningConversions);
      }

      const dayFactor = (d: number, setId: string) => (market.weekdayCvr[weekday(startDay + d)] ?? 1) * (learningOn.get(setId)?.has(d) ? market.learningEfficiency : 1);
      const addDay = (into: Float64Array, clicks: number, conversions: number, factor: number) => {
        if (clicks <= 0) return;
        for (let g = 0; g < GRID; g++) {
          const mu = clicks * cvrGrid[g]! * factor;
          into[g]! += conversions * Math.log(mu) - (r + conversions) * Math.log(r + mu);
        }
      };

      // Per ad: the CVR posterior over the grid (as a CDF for draws), its mean, and click-through.
      interface AdView { cdf: Float64Array; cvrMean: number; ctrMu: number; ctrSd: number }
      const views = new Map<string, AdView>();
      for (const ad of obs.ads) {
        const m = memoryOf(ad.id);
        const rows = (adRows.get(ad.id) ?? []).slice().sort((x, y) => x.dayIndex - y.dayIndex);
        // Days whose purchases are all in join the settled sum once; the recent ones are read afresh.
        const settleBefore = obs.dayIndex - lagDays + 1;
        for (const row of rows) {
          if (m.downDays.has(row.dayIndex) || row.dayIndex < m.settledUntil || row.dayIndex >= settleBefore) continue;
          addDay(m.settled, row.link_clicks ?? row.clicks, row.conversions, dayFactor(row.dayIndex, row.adSetId));
        }
        m.settledUntil = Math.max(m.settledUntil, settleBefore);
        const logPost = Float64Array.from(m.settled);
        for (const row of rows) {
          if (m.downDays.has(row.dayIndex) || row.dayIndex < settleBefore) continue;
          const age = obs.dayIndex - row.dayIndex;
          addDay(logPost, row.link_clicks ?? row.clicks, row.conversions, dayFactor(row.dayIndex, row.adSetId) * completeness[Math.min(age, lagDays - 1)]!);
        }
        let max = -Infinity;
        for (let g = 0; g < GRID; g++) max = Math.max(max, logPost[g]!);
        const cdf = new Float64Array(GRID);
        let total = 0;
        let mean = 0;
        for (let g = 0; g < GRID; g++) {
          const p = Math.exp(logPost[g]! - max);
          total += p;
          mean += p * cvrGrid[g]!;
          cdf[g] = total;
        }
        for (let g = 0; g < GRID; g++) cdf[g]! /= total;
        // Click-through over the last 3 days it delivered; before any, the prior range's middle, wide.
        let clicks = 0;
        let impressions = 0;
        for (const row of rows.slice(-3)) {
          clicks += row.link_clicks ?? row.clicks;
          impressions += row.impressions;
        }
        const a = 1 + clicks;
        const bb = 1 + Math.max(0, impressions - clicks);
        const prior = impressions < 200;
        const ctrMu = prior ? (Math.log(ranges.ctr[0]) + Math.log(ranges.ctr[1])) / 2 : Math.log(a / (a + bb));
        const ctrSd = prior ? (Math.log(ranges.ctr[1]) - Math.log(ranges.ctr[0])) / Math.sqrt(12) : Math.sqrt(Math.max(1e-12, 1 / a - 1 / (a + bb)));
        views.set(ad.id, { cdf, cvrMean: mean / total, ctrMu, ctrSd });
      }
      const drawCvr = (cdf: Float64Array) => {
        const u = rng.uniform();
        let lo = 0;
        let hi = GRID - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid]! < u) lo = mid + 1;
          else hi = mid;
        }
        return logCvr[lo]!;
      };

      const changes: PolicyChange[] = [];
      const leadValue = new Map<string, number>();
      const allDown = new Set<string>();
      for (const set of obs.adSets) {
        const members = obs.ads.filter((a) => a.adSetId === set.id && a.reviewStatus === "APPROVED");
        const working = members.filter((a) => !a.destinationDown && (a.status === "ACTIVE" || memoryOf(a.id).pausedByMe));
        if (working.length === 0) {
          if (members.some((a) => a.status === "ACTIVE")) allDown.add(set.id);
          continue;
        }
        const wins = new Float64Array(working.length);
        for (let m = 0; m < DRAWS; m++) {
          let best = 0;
          let bestValue = -Infinity;
          working.forEach((a, j) => {
            const v = views.get(a.id)!;
            const value = v.ctrMu + v.ctrSd * rng.normal() + drawCvr(v.cdf);
            if (value > bestValue) {
              bestValue = value;
              best = j;
            }
          });
          wins[best]! += 1 / DRAWS;
        }
        let top = 0;
        working.forEach((_, j) => {
          if (wins[j]! > wins[top]!) top = j;
        });
        const lead = views.get(working[top]!.id)!;
        leadValue.set(set.id, Math.exp(lead.ctrMu + (lead.ctrSd * lead.ctrSd) / 2) * lead.cvrMean);
        for (const a of members) {
          const j = working.indexOf(a);
          const keep = j >= 0 && (j === top || wins[j]! >= keepP);
          if (a.status === "ACTIVE" && !keep && working.length > 0) {
            changes.push({ kind: "pause_ad", adId: a.id, reason: a.destinationDown ? "landing page down" : `P(best) ${wins[j] ?? 0}` });
            memoryOf(a.id).pausedByMe = true;
          } else if (a.status === "PAUSED" && keep) {
            changes.push({ kind: "resume_ad", adId: a.id, reason: `P(best) ${wins[j]!}` });
            memoryOf(a.id).pausedByMe = false;
          }
        }
      }

      // Budgets: water-filling per account under the step limit, the sum of daily budgets kept.
      for (const accountId of new Set(obs.adSets.map((s) => s.accountId))) {
        const sets = obs.adSets.filter((s) => s.accountId === accountId && s.status === "ACTIVE" && s.budget.kind === "daily");
        if (!startBudgets.has(accountId)) startBudgets.set(accountId, sets.reduce((x, s) => x + s.budget.amountMinor, 0));
        const current = sets.map((s) => s.budget.amountMinor);
        const pool = Math.min(startBudgets.get(accountId)!, current.reduce((x, y) => x + y, 0));
        const k = sets.map((s) => {
          const days = setDays.get(s.id);
          const lead = leadValue.get(s.id);
          if (!days || lead === undefined) return allDown.has(s.id) ? 1e-12 : 0;
          let impressions = 0;
          let curve = 0;
          for (const [d, day] of days) {
            if (d <= obs.dayIndex - 7 || day.spend <= 0) continue;
            impressions += day.impressions;
            curve += Math.pow(day.spend, b);
          }
          if (curve <= 0) return 0;
          return (impressions / curve) * lead * (learningTomorrow.get(s.id) ? market.learningEfficiency : 1);
        });
        if (k.every((x) => x <= 0)) continue;
        const next = stepToward(current, optimalSplit(k, sets.map(() => b), pool), pool, maxStep);
        sets.forEach((s, j) => {
          if (next[j] !== current[j]) changes.push({ kind: "set_budget", adSetId: s.id, amountMinor: next[j]!, reason: "toward the best split" });
        });
      }
      return changes;
    },
  };
}
