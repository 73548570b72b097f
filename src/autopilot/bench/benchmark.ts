/**
 * `grantline autopilot bench`: one scenario, from the same starting state, under static, rules,
 * autopilot and the oracle; totals per policy and the autopilot's cap violations.
 *
 * The oracle is the simulator's: on every day, the best possible split of the same account spend
 * static made, from the true parameters (noise-free expected conversions and revenue; it ignores
 * learning, so it is an upper bound no real policy reaches). Static, rules and autopilot are
 * real simulated runs; their `expected_conversions` are the same noise-free measure, so
 * `capture` = (autopilot − static) ÷ (oracle − static) in expected conversions compares like with like.
 */
import { expectationContext, dayRng, initialState, simulateDay } from "../../simulator/market.ts";
import { oracleFromContext } from "../../simulator/oracle.ts";
import { runPolicy, rulesPolicy, staticPolicy, type RunReport, type Scenario } from "../../simulator/policies.ts";
import { buildScenario, SCENARIO_NAMES, type ScenarioName } from "../../simulator/scenarios.ts";
import { autopilotPolicy, type AutopilotPolicyOptions } from "./autopilotPolicy.ts";

export const DEFAULT_BENCH_SCENARIO: ScenarioName = "many_weak_ads";

export interface PolicyTotals {
  spend: number;
  conversions: number;
  revenue: number;
  /** Spend per conversion, in currency units; null without conversions. */
  cpa: number | null;
  roas: number | null;
  /** Noise-free expected conversions of the run's own daily allocations. */
  expected_conversions: number;
  changes: number;
}

export interface BenchResult {
  seed: number;
  days: number;
  scenario: string;
  policies: { static: PolicyTotals; rules: PolicyTotals; autopilot: PolicyTotals; oracle: PolicyTotals };
  /** Autopilot's breaches: simulator caps (account spend cap, lifetime, daily overspend) and its guardrails. */
  cap_violations: number;
  /** Share of the oracle's expected-conversion gain over static that autopilot captured. */
  capture: number | null;
}

const major = (minor: number) => Math.round(minor) / 100;

function totalsOf(run: RunReport): PolicyTotals {
  const t = run.totals;
  return {
    spend: major(t.spendMinor),
    conversions: t.conversions,
    revenue: major(t.revenueMinor),
    cpa: t.cpaMinor === null ? null : Math.round(t.cpaMinor) / 100,
    roas: t.roas === null ? null : Math.round(t.roas * 1000) / 1000,
    expected_conversions: Math.round(run.expectedConversions * 10) / 10,
    changes: run.changesApplied,
  };
}

/** The oracle's split of static's daily spend per account, day by day, in expectation. */
export function oracleTotals(scenario: Scenario, days: number): PolicyTotals {
  const world = structuredClone(scenario.world);
  const state = initialState(world);
  let spend = 0;
  let conversions = 0;
  let revenue = 0;
  for (let d = 0; d < days; d++) {
    const ctx = expectationContext(world, state, d);
    const day = simulateDay(world, state, d, dayRng(world, d));
    const byAccount = new Map<string, number>();
    for (const a of day.ads) byAccount.set(a.accountId, (byAccount.get(a.accountId) ?? 0) + a.spendMinor);
    for (const [accountId, s] of byAccount) {
      const o = oracleFromContext(world, ctx, accountId, s);
      spend += s;
      conversions += o.expectedConversions;
      revenue += o.expectedRevenueMinor;
    }
  }
  return {
    spend: major(spend),
    conversions: Math.round(conversions * 10) / 10,
    revenue: major(revenue),
    cpa: conversions > 0 ? Math.round(spend / conversions) / 100 : null,
    roas: spend > 0 ? Math.round((revenue / spend) * 1000) / 1000 : null,
    expected_conversions: Math.round(conversions * 10) / 10,
    changes: 0,
  };
}

export interface GuardrailBreach {
  kind: "daily_cap" | "monthly_cap" | "step_limit";
  objectId: string;
  dayIndex: number;
  value: number;
  limit: number;
}

/**
 * An audit of a run against the guardrails the autopilot was given, from the delivered days alone:
 * each day's account spend within the daily cap plus the platform's 25% daily overspend, each
 * calendar month's spend within the monthly cap, and no ad set budget moving more than the step
 * limit from one day to the next.
 */
export function auditGuardrails(scenario: Scenario, run: RunReport, dailyCapRatio = 1, maxStep = 0.2): GuardrailBreach[] {
  const world = scenario.world;
  const breaches: GuardrailBreach[] = [];
  const accountOfCampaign = new Map(world.campaigns.map((c) => [c.id, c.accountId]));
  const dailyCap = new Map<string, number>();
  for (const s of world.adSets) {
    const account = accountOfCampaign.get(s.campaignId)!;
    const pace = s.budget.kind === "daily" ? s.budget.amountMinor : s.budget.amountMinor / (s.budget.endDay + 1);
    dailyCap.set(account, (dailyCap.get(account) ?? 0) + pace);
  }
  for (const [k, v] of dailyCap) dailyCap.set(k, Math.round(v * dailyCapRatio));
  const monthSpend = new Map<string, number>();
  const lastBudget = new Map<string, number>();
  for (const day of run.results) {
    const daySpend = new Map<string, number>();
    for (const set of day.adSets) {
      daySpend.set(set.accountId, (daySpend.get(set.accountId) ?? 0) + set.spendMinor);
      if (set.budget.kind === "daily") {
        const before = lastBudget.get(set.adSetId);
        if (before !== undefined && Math.abs(set.budget.amountMinor - before) > maxStep * before + 1)
          breaches.push({ kind: "step_limit", objectId: set.adSetId, dayIndex: day.dayIndex, value: set.budget.amountMinor, limit: before });
        lastBudget.set(set.adSetId, set.budget.amountMinor);
      }
    }
    for (const [account, spend] of daySpend) {
      const cap = dailyCap.get(account)!;
      if (spend > cap * 1.25) breaches.push({ kind: "daily_cap", objectId: account, dayIndex: day.dayIndex, value: spend, limit: cap });
      const key = `${account}:${day.date.slice(0, 7)}`;
      const month = (monthSpend.get(key) ?? 0) + spend;
      monthSpend.set(key, month);
      if (month > cap * 31) breaches.push({ kind: "monthly_cap", objectId: account, dayIndex: day.dayIndex, value: month, limit: cap * 31 });
    }
  }
  return breaches;
}

export interface BenchOptions {
  seed: number;
  days: number;
  scenario?: ScenarioName;
  autopilot?: AutopilotPolicyOptions;
}

export function runAutopilotBench(options: BenchOptions): BenchResult {
  const name = options.scenario ?? DEFAULT_BENCH_SCENARIO;
  const scenario = buildScenario(name, options.seed);
  const days = options.days;
  const staticRun = runPolicy(scenario, staticPolicy, days);
  const rulesRun = runPolicy(scenario, rulesPolicy(), days);
  const autoRun = runPolicy(scenario, autopilotPolicy(options.autopilot), days);
  const oracle = oracleTotals(scenario, days);
  const breaches = auditGuardrails(scenario, autoRun, options.autopilot?.dailyCapRatio ?? 1);
  const gain = staticRun.oracleExpectedConversions - staticRun.expectedConversions;
  return {
    seed: options.seed,
    days,
    scenario: name,
    policies: { static: totalsOf(staticRun), rules: totalsOf(rulesRun), autopilot: totalsOf(autoRun), oracle },
    cap_violations: autoRun.capViolations.length + breaches.length,
    capture: gain > 0 ? Math.round(((autoRun.expectedConversions - staticRun.expectedConversions) / gain) * 1000) / 1000 : null,
  };
}

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as string[]).includes(value);
}
