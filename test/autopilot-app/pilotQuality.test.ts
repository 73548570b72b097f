import { describe, expect, it } from "vitest";
import { versusBaselineTrend, versusCounterfactual, type DayTotals } from "../../src/autopilot/app/pilot/pilotStats.ts";
import { autopilotPolicy } from "../../src/autopilot/bench/autopilotPolicy.ts";
import { simulateDays, type DayResult } from "../../src/simulator/market.ts";
import { runPolicy, staticPolicy } from "../../src/simulator/policies.ts";
import { buildScenario } from "../../src/simulator/scenarios.ts";

/**
 * The pilot report's quality bars, on the simulator's daily series (the same days a scan reads,
 * here fully attributed): 30-day pilots on accounts with 90 days of history, seeds 1–20, in the
 * bench's default scenario. Running the whole product 20 times would take minutes; one pilot runs
 * end to end in pilot.test.ts.
 */
const SCENARIO = "many_weak_ads" as const;
const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

const daily = (results: readonly DayResult[]): DayTotals[] =>
  results.map((d) => ({
    date: d.date,
    spend: d.ads.reduce((s, a) => s + a.spendMinor, 0),
    conversions: d.ads.reduce((s, a) => s + a.conversions, 0),
    revenue: d.ads.reduce((s, a) => s + a.revenueMinor, 0),
  }));

describe("pilot report statistics in the simulator", () => {
  it("the leading comparison (against the same market with no changes) covers Autopilot's true effect on conversions in at least 90% of pilots", { timeout: 600_000 }, () => {
    const misses: string[] = [];
    for (const seed of SEEDS) {
      const scenario = buildScenario(SCENARIO, seed, 90);
      const unchanged = runPolicy(scenario, staticPolicy, 30);
      const piloted = runPolicy(scenario, autopilotPolicy(), 30);
      // The truth the simulator knows: expected conversions of each run's own allocations.
      const truth = piloted.expectedConversions / unchanged.expectedConversions - 1;
      const { conversions } = versusCounterfactual(daily(piloted.results), daily(unchanged.results), { seed }).estimates;
      expect(conversions.low).not.toBeNull();
      if (!(conversions.low! <= truth && truth <= conversions.high!)) misses.push(`seed ${seed}: truth ${truth.toFixed(3)}, interval ${conversions.low!.toFixed(3)}..${conversions.high!.toFixed(3)}`);
    }
    expect(misses.length, misses.join("; ")).toBeLessThanOrEqual(2);
  });

  it("an A/A pilot (Autopilot off) claims no improvement in at least 95% of pilots, by the baseline trend and against the replay", { timeout: 600_000 }, () => {
    const claims: string[] = [];
    for (const seed of SEEDS) {
      // An established account: 30 days past launch, a 90-day baseline, then 30 days with no changes.
      const days = daily(simulateDays(buildScenario(SCENARIO, seed).world, 150).days);
      const trend = versusBaselineTrend(days.slice(30, 120), days.slice(120), { seed });
      for (const metric of ["cpa", "roas", "conversions"] as const) {
        if (trend.estimates[metric].supports === "better") claims.push(`seed ${seed} ${metric}: ${trend.estimates[metric].verdict}`);
      }
      // Against the replay the A/A pilot is the replay itself: no change, and no claim of any.
      const same = versusCounterfactual(days.slice(120), days.slice(120), { seed }).estimates.cpa;
      expect(same).toMatchObject({ change: 0, supports: "none" });
    }
    expect(claims.length, claims.join("; ")).toBeLessThanOrEqual(1);
  });
});
