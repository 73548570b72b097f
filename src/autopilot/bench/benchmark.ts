/**
 * `grantline autopilot bench`: one scenario, from the same starting state, under static, rules,
 * autopilot and the oracle; totals per policy and the autopilot's cap violations.
 *
 * Every policy works under the same constraints, so the comparison is at equal spend: the account's
 * daily budgets may not sum above their starting total (static's own budgets), budgets move at most
 * ±20% per ad set per day, lifetime budgets stay as set, and changes made in the evening take effect
 * the next day.
 * - static: never changes anything.
 * - rules: the Revealbot-style default rule set, its raises cut to stay within the same cap.
 * - autopilot: the engine, given that cap as its daily budget cap.
 * - oracle: a clairvoyant policy under the same constraints (`steppedOraclePolicy`): it knows the
 *   true rates and the market's hidden state and steps toward the best split every day. It is run
 *   through the same simulator, so learning and fatigue apply to it as to the others.
 *
 * `capture` = (autopilot − static) ÷ (oracle − static) in expected conversions: the noise-free
 * value of each run's own daily allocations, so luck in the conversion draws does not count.
 *
 * `reference.learning_cost` is what any learner is up against: the same clairvoyant oracle, but
 * acting only from day 3, 5 or 7 (static before), as if it had needed that many days of data to
 * know what it knows. Its capture is the bar a policy would clear by learning everything perfectly
 * in that many days.
 *
 * With `historyDays`, the accounts have already run that long, unchanged, when the run starts:
 * every policy sees those days' insights (what Autopilot's calibration scan reads) and only the days
 * after them count.
 *
 * `reference.prior_aware` is the causal reference (`priorAwarePolicy`): it knows how worlds are
 * generated but no object's true values and sees what Autopilot sees; the gap to it is the engine's own.
 *
 * `reference` also keeps two figures outside the bars, for context: the per-day best split of static's
 * spend with no step limit (evaluated on static's own market state, so it is neither reachable under
 * the step limit nor a strict upper bound: concentrated spend leaves learning sooner than static's
 * does), and the rules baseline without the cap (it raises budgets without limit).
 */
import { runPolicy, rulesPolicy, staticPolicy, type RunReport, type Scenario } from "../../simulator/policies.ts";
import { cappedRulesPolicy, steppedOraclePolicy } from "./steppedOracle.ts";
import { buildScenario, SCENARIO_NAMES, type ScenarioName } from "../../simulator/scenarios.ts";
import { autopilotPolicy, type AutopilotPolicyOptions } from "./autopilotPolicy.ts";
import { priorAwarePolicy } from "./priorAware.ts";
import type { EngineSettings } from "../engine/settings.ts";

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
  /** Days the accounts ran before the run (0: a launch). */
  history_days: number;
  policies: { static: PolicyTotals; rules: PolicyTotals; autopilot: PolicyTotals; oracle: PolicyTotals };
  /** Autopilot's breaches: simulator caps (account spend cap, lifetime, daily overspend) and its guardrails. */
  cap_violations: number;
  /** Share of the oracle's expected-conversion gain over static that autopilot captured. */
  capture: number | null;
  /** Oracle ÷ static expected conversions − 1: what there is to gain over doing nothing. */
  oracle_headroom: number | null;
  /** Expected conversions per day of the run, per policy (rounded to 0.001). */
  by_day: { static: number[]; rules: number[]; autopilot: number[]; oracle: number[]; prior_aware: number[] };
  /** Context outside the bars: the step-free per-day oracle and the uncapped rules. */
  reference: {
    /** The causal prior-aware P(best) policy (`priorAwarePolicy`) and its capture. */
    prior_aware: PolicyTotals & { capture: number | null };
    /** Capture of the clairvoyant oracle when it acts only from day N (static before). */
    learning_cost: { from_day: number; capture: number | null }[];
    oracle_unstepped_expected_conversions: number;
    capture_of_unstepped: number | null;
    rules_uncapped: PolicyTotals;
  };
}

const major = (minor: number) => Math.round(minor) / 100;
const perDay = (run: RunReport) => run.expectedByDay.map((x) => Math.round(x * 1000) / 1000);

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
 * limit a day (compounded over days it did not deliver, which leave no row).
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
  const lastBudget = new Map<string, { amount: number; dayIndex: number }>();
  for (const day of run.results) {
    const daySpend = new Map<string, number>();
    for (const set of day.adSets) {
      daySpend.set(set.accountId, (daySpend.get(set.accountId) ?? 0) + set.spendMinor);
      if (set.budget.kind === "daily") {
        // Days an ad set does not deliver leave no row: across a gap of g days, g steps are allowed.
        const before = lastBudget.get(set.adSetId);
        if (before !== undefined) {
          const gap = day.dayIndex - before.dayIndex;
          const hi = before.amount * Math.pow(1 + maxStep, gap) + 1;
          const lo = before.amount * Math.pow(1 - maxStep, gap) - 1;
          if (set.budget.amountMinor > hi || set.budget.amountMinor < lo)
            breaches.push({ kind: "step_limit", objectId: set.adSetId, dayIndex: day.dayIndex, value: set.budget.amountMinor, limit: before.amount });
        }
        lastBudget.set(set.adSetId, { amount: set.budget.amountMinor, dayIndex: day.dayIndex });
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

/** Days after which the learning-cost references start acting. */
export const LEARNING_DAYS = [3, 5, 7];

export interface BenchOptions {
  seed: number;
  days: number;
  scenario?: ScenarioName;
  /** Days the accounts ran unchanged before the run, seen by every policy (0: a launch). */
  historyDays?: number;
  autopilot?: AutopilotPolicyOptions;
}

export function runAutopilotBench(options: BenchOptions): BenchResult {
  const name = options.scenario ?? DEFAULT_BENCH_SCENARIO;
  const scenario = buildScenario(name, options.seed, options.historyDays ?? 0);
  const days = options.days;
  const staticRun = runPolicy(scenario, staticPolicy, days);
  const rulesRun = runPolicy(scenario, cappedRulesPolicy(), days);
  const autoRun = runPolicy(scenario, autopilotPolicy(options.autopilot), days);
  const oracleRun = runPolicy(scenario, steppedOraclePolicy(scenario), days);
  const uncappedRules = runPolicy(scenario, rulesPolicy(), days);
  const priorAwareRun = runPolicy(scenario, priorAwarePolicy(scenario), days);
  const history = scenario.historyDays ?? 0;
  const delayed = LEARNING_DAYS.filter((n) => n < days).map((n) => ({ n, run: runPolicy(scenario, steppedOraclePolicy(scenario, { fromDay: history + n }), days) }));
  const breaches = auditGuardrails(scenario, autoRun, options.autopilot?.dailyCapRatio ?? 1);
  const share = (run: RunReport, best: number) => {
    const gain = best - staticRun.expectedConversions;
    return gain > 0 ? Math.round(((run.expectedConversions - staticRun.expectedConversions) / gain) * 1000) / 1000 : null;
  };
  return {
    seed: options.seed,
    days,
    scenario: name,
    history_days: history,
    policies: { static: totalsOf(staticRun), rules: totalsOf(rulesRun), autopilot: totalsOf(autoRun), oracle: totalsOf(oracleRun) },
    cap_violations: autoRun.capViolations.length + breaches.length,
    capture: share(autoRun, oracleRun.expectedConversions),
    oracle_headroom: staticRun.expectedConversions > 0 ? Math.round((oracleRun.expectedConversions / staticRun.expectedConversions - 1) * 1000) / 1000 : null,
    by_day: {
      static: perDay(staticRun),
      rules: perDay(rulesRun),
      autopilot: perDay(autoRun),
      oracle: perDay(oracleRun),
      prior_aware: perDay(priorAwareRun),
    },
    reference: {
      prior_aware: { ...totalsOf(priorAwareRun), capture: share(priorAwareRun, oracleRun.expectedConversions) },
      learning_cost: delayed.map(({ n, run }) => ({ from_day: n, capture: share(run, oracleRun.expectedConversions) })),
      oracle_unstepped_expected_conversions: Math.round(staticRun.oracleExpectedConversions * 10) / 10,
      capture_of_unstepped: share(autoRun, staticRun.oracleExpectedConversions),
      rules_uncapped: totalsOf(uncappedRules),
    },
  };
}

export function isScenarioName(value: string): value is ScenarioName {
  return (SCENARIO_NAMES as string[]).includes(value);
}

/** One row of an ablation: engine settings over the defaults, named for the change they take back (or make alone). */
export interface AblationVariant {
  name: string;
  settings: Partial<EngineSettings>;
}

/**
 * The engine's changes over its first version, each as the settings that take it back. Measured
 * alone (the first version plus that change) and together (the defaults, each taken back in turn).
 */
export const ENGINE_CHANGES: readonly AblationVariant[] = [
  { name: "monthly cap counts today once", settings: { legacyMonthPacing: true } },
  { name: "CVR from the whole scan (no 7-day half-life)", settings: { halfLifeDays: 7, windowDays: 28 } },
  { name: "no 25% exploration floor", settings: { explorationFloor: 0.25 } },
  { name: "ad sets valued at their best live ad", settings: { valueAtBestAd: false } },
  { name: "reversible keep-sets from day 1", settings: { keepSets: false } },
  { name: "learning-day CVR de-biased, tomorrow's learning forecast", settings: { learningEfficiency: 1 } },
  { name: "learning exit forecast: the full step for the ad set that leaves learning soonest", settings: { graduationHorizonDays: 0 } },
];

/** Every change taken back: the engine as first built. */
export const FIRST_ENGINE: Partial<EngineSettings> = Object.assign({}, ...ENGINE_CHANGES.map((c) => c.settings)) as Partial<EngineSettings>;

/** The ablation's rows: all changes, each taken back alone, none, and each alone on the first engine. */
export function ablationVariants(): AblationVariant[] {
  const alone = ENGINE_CHANGES.map((c) => ({ name: `only: ${c.name}`, settings: Object.fromEntries(Object.entries(FIRST_ENGINE).filter(([k]) => !(k in c.settings))) }));
  return [{ name: "all changes (the engine)", settings: {} }, ...ENGINE_CHANGES.map((c) => ({ name: `without: ${c.name}`, settings: c.settings })), { name: "none (the first engine)", settings: FIRST_ENGINE }, ...alone];
}

export interface AblationRun {
  seed: number;
  scenario: ScenarioName;
  /** Capture of each variant (by name) and its spend ÷ static's. */
  capture: Record<string, number | null>;
  spendRatio: Record<string, number>;
}

/** One seed of one scenario under every variant; static and the oracle run once and are shared. */
export function runAblation(options: Omit<BenchOptions, "autopilot">, variants: readonly AblationVariant[]): AblationRun {
  const name = options.scenario ?? DEFAULT_BENCH_SCENARIO;
  const scenario = buildScenario(name, options.seed, options.historyDays ?? 0);
  const staticRun = runPolicy(scenario, staticPolicy, options.days);
  const oracleRun = runPolicy(scenario, steppedOraclePolicy(scenario), options.days);
  const gain = oracleRun.expectedConversions - staticRun.expectedConversions;
  const capture: Record<string, number | null> = {};
  const spendRatio: Record<string, number> = {};
  for (const v of variants) {
    const run = runPolicy(scenario, autopilotPolicy({ settings: v.settings }), options.days);
    capture[v.name] = gain > 0 ? (run.expectedConversions - staticRun.expectedConversions) / gain : null;
    spendRatio[v.name] = run.totals.spendMinor / Math.max(1, staticRun.totals.spendMinor);
  }
  return { seed: options.seed, scenario: name, capture, spendRatio };
}
