import { describe, expect, it } from "vitest";
import { runPolicy, rulesPolicy, staticPolicy, type Observation } from "./policies.ts";
import { buildScenario, SCENARIO_NAMES, scenarioReport } from "./scenarios.ts";

describe("baseline policies", () => {
  it.each(SCENARIO_NAMES)("rules never pass a cap in %s, and static changes nothing", (name) => {
    const scenario = buildScenario(name);
    const rules = runPolicy(scenario, rulesPolicy());
    expect(rules.capViolations).toEqual([]);
    const fixed = runPolicy(scenario, staticPolicy);
    expect(fixed.capViolations).toEqual([]);
    expect(fixed.changesApplied).toBe(0);
    expect(fixed.totals.spendMinor).toBeGreaterThan(0);
  });

  it("rules pause expensive ads and scale cheap ad sets, once per object per day", () => {
    const scenario = buildScenario("scaling_brand");
    const run = runPolicy(scenario, rulesPolicy());
    expect(run.changesApplied).toBeGreaterThan(0);
    const observation: Observation = {
      dayIndex: 4,
      targetCpaMinor: 1000,
      adSets: [{ id: "s1", campaignId: "c", accountId: "a", status: "ACTIVE", budget: { kind: "daily", amountMinor: 10_000 } }],
      ads: [
        { id: "bad", adSetId: "s1", status: "ACTIVE", reviewStatus: "APPROVED" },
        { id: "good", adSetId: "s1", status: "ACTIVE", reviewStatus: "APPROVED" },
      ],
      rows: [2, 3, 4].flatMap((day) => [
        { ad_id: "bad", adSetId: "s1", dayIndex: day, date: `2026-03-0${day}`, impressions: 1, reach: 1, clicks: 1, spend: 1000, conversions: 0, revenue: 0 },
        { ad_id: "good", adSetId: "s1", dayIndex: day, date: `2026-03-0${day}`, impressions: 1, reach: 1, clicks: 1, spend: 1000, conversions: 4, revenue: 0 },
      ]),
    };
    expect(rulesPolicy().decide(observation).map((c) => c.kind + ":" + (c.kind === "set_budget" ? c.amountMinor : c.adId))).toEqual([
      "pause_ad:bad",
      "set_budget:12000",
    ]);
  });

  it("runs the same world identically twice", () => {
    const scenario = buildScenario("small_shop");
    expect(JSON.stringify(runPolicy(scenario, rulesPolicy()).results)).toBe(JSON.stringify(runPolicy(scenario, rulesPolicy()).results));
  });

  it("a scenario with history runs those days first: policies see them, only the days after count", () => {
    const launch = buildScenario("seasonal_spike", 3);
    const aged = buildScenario("seasonal_spike", 3, 14);
    const firstSeen: Observation[] = [];
    const run = runPolicy(aged, { name: "watch", decide: (obs) => (firstSeen.push(obs), []) }, 10);
    // The first evening the policy sees is the run's first day, with the 14 days before it in its rows.
    expect(firstSeen[0]!.dayIndex).toBe(14);
    expect(new Set(firstSeen[0]!.rows.map((r) => r.dayIndex)).size).toBe(15);
    expect(run.results.map((d) => d.dayIndex)).toEqual(Array.from({ length: 10 }, (_, i) => 14 + i));
    // The run's days keep their calendar dates and the sale keeps its place in the run.
    expect(run.results[0]!.date).toBe(runPolicy(launch, staticPolicy, 1).results[0]!.date);
    expect(aged.world.market.events[0]).toMatchObject({ startDay: launch.world.market.events[0]!.startDay + 14 });
    expect(run.capViolations).toEqual([]);
  });

  it("history keeps lifetime budgets and spend caps at their pace, so static breaks no cap", () => {
    for (const name of ["scaling_brand", "small_shop"] as const) {
      const aged = buildScenario(name, 2, 28);
      expect(runPolicy(aged, staticPolicy).capViolations).toEqual([]);
      expect(runPolicy(aged, rulesPolicy()).capViolations).toEqual([]);
    }
  });

  it.each(SCENARIO_NAMES)("the oracle has headroom over static in %s", (name) => {
    const report = scenarioReport(name);
    expect(report.headroom).toBeGreaterThan(1);
    expect(report.oracleExpectedConversions).toBeGreaterThan(report.staticExpectedConversions);
  });
});
