import { describe, expect, it } from "vitest";
import { runPolicy, rulesPolicy, staticPolicy } from "../../simulator/policies.ts";
import { buildScenario, type ScenarioName } from "../../simulator/scenarios.ts";
import { autopilotPolicy } from "./autopilotPolicy.ts";
import { auditGuardrails, runAutopilotBench } from "./benchmark.ts";
import { cappedRulesPolicy } from "./steppedOracle.ts";

// Fixed seeds on which the runs are compared (deterministic: the same seed always gives the same runs).
const CASES: [ScenarioName, number][] = [
  ["small_shop", 2],
  ["small_shop", 4],
  ["seasonal_spike", 4],
  ["scaling_brand", 4],
];

describe("autopilot in the simulated market", () => {
  // The product regime (90 days scanned before acting, as the product does): more conversions than
  // static and the rules baseline, spending no more than either.
  it.each(CASES)("%s seed %i, 90 days of history: more conversions than static and rules, spending no more than either", (name, seed) => {
    const scenario = buildScenario(name, seed, 90);
    const fixed = runPolicy(scenario, staticPolicy, 30).totals;
    const rulesRun = runPolicy(scenario, rulesPolicy(), 30);
    const rules = rulesRun.totals;
    const run = runPolicy(scenario, autopilotPolicy(), 30);
    const auto = run.totals;
    expect(auto.conversions).toBeGreaterThan(fixed.conversions);
    // Against the rules under the same daily cap, in expected conversions: the value of each day's
    // allocations without the luck of the conversion draws, as the benchmark measures. (The uncapped
    // rules may spend a quarter more; scaling_brand seed 4 buys 0.01% more conversions with 27% more
    // spend than Autopilot, which keeps room under its monthly cap for the last day's over-delivery.)
    expect(run.expectedConversions).toBeGreaterThan(runPolicy(scenario, cappedRulesPolicy(), 30).expectedConversions);
    // Pacing noise moves a day's spend by a few percent around the same budgets.
    expect(auto.spendMinor).toBeLessThanOrEqual(fixed.spendMinor * 1.01);
    expect(auto.spendMinor).toBeLessThanOrEqual(rules.spendMinor * 1.01);
    expect(run.capViolations).toEqual([]);
    expect(auditGuardrails(scenario, run)).toEqual([]);
    expect(run.changesApplied).toBeGreaterThan(0);
  });

  // From launch the rules baseline may raise budgets far above static (seasonal_spike seed 4: 1.46×
  // static's spend), so its conversions are not a like-for-like bar there; static's are.
  it.each(CASES)("%s seed %i, from launch: more conversions than static at static's spend", (name, seed) => {
    const scenario = buildScenario(name, seed);
    const fixed = runPolicy(scenario, staticPolicy, 30).totals;
    const run = runPolicy(scenario, autopilotPolicy(), 30);
    expect(run.totals.conversions).toBeGreaterThan(fixed.conversions);
    expect(run.totals.spendMinor).toBeLessThanOrEqual(fixed.spendMinor * 1.01);
    expect(run.capViolations).toEqual([]);
    expect(auditGuardrails(scenario, run)).toEqual([]);
  });

  it("gives the same bench result for the same seed, and every policy spends what static spends or less", () => {
    const a = runAutopilotBench({ seed: 3, days: 12, scenario: "small_shop" });
    const b = runAutopilotBench({ seed: 3, days: 12, scenario: "small_shop" });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    // Same cap for all: pacing noise moves a day's spend by a few percent around the same budgets.
    for (const p of [a.policies.rules, a.policies.autopilot, a.policies.oracle]) expect(p.spend).toBeLessThanOrEqual(a.policies.static.spend * 1.02);
    expect(a.policies.oracle.expected_conversions).toBeGreaterThan(a.policies.static.expected_conversions);
    expect(a.capture).toBeCloseTo((a.policies.autopilot.expected_conversions - a.policies.static.expected_conversions) / (a.policies.oracle.expected_conversions - a.policies.static.expected_conversions), 1);
  });

  it("the audit catches a run that breaks the guardrails it was given", () => {
    const scenario = buildScenario("small_shop", 1);
    // Rules raise budgets 20% a day without a cap: against a cap at 80% of the starting budgets they break it.
    const rules = runPolicy(scenario, rulesPolicy({ pauseCpaRatio: 100, pauseMinSpendRatio: 100, scaleCpaRatio: 100, scaleWindowDays: 1, scaleStep: 0.5 }), 10);
    const breaches = auditGuardrails(scenario, rules, 0.8);
    expect(breaches.some((b) => b.kind === "step_limit")).toBe(true);
    expect(breaches.some((b) => b.kind === "daily_cap")).toBe(true);
  });

  it("passes the evening link checks on: ads are paused only while their page is down and turned back on once it loads", () => {
    const scenario = buildScenario("broken_landing_page", 1);
    const siteOf = new Map(scenario.world.ads.map((a) => [a.id, scenario.world.sites.find((site) => site.url === a.destinationUrl)!]));
    const downOn = (adId: string, day: number) => siteOf.get(adId)!.downWindows.some((w) => day >= w.startDay && day <= w.endDay);
    const seen: { rule: string; kind: string; adId: string; day: number }[] = [];
    runPolicy(scenario, autopilotPolicy({ onPlan: (plan, snapshot) => {
      const day = Math.round((Date.parse(`${snapshot.clock.today}T00:00:00Z`) - Date.parse(`${scenario.world.startDate}T00:00:00Z`)) / 86_400_000);
      for (const a of plan.actions) if (a.rule === "broken_link") seen.push({ rule: a.rule, kind: a.kind, adId: a.change.objectId, day });
    } }), 30);
    expect(seen.some((s) => s.kind === "pause")).toBe(true);
    expect(seen.some((s) => s.kind === "unpause")).toBe(true);
    for (const s of seen) expect(downOn(s.adId, s.day)).toBe(s.kind === "pause");
  });
});
