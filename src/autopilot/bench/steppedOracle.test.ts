import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runPolicy, rulesPolicy, staticPolicy } from "../../simulator/policies.ts";
import { buildScenario } from "../../simulator/scenarios.ts";
import { auditGuardrails } from "./benchmark.ts";
import { cappedRulesPolicy, optimalSplit, stepToward, steppedOraclePolicy } from "./steppedOracle.ts";

describe("optimalSplit", () => {
  it("spends the pool and equalises marginal value k·b·S^(b−1) across ad sets", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: fc.double({ min: 1e-4, max: 10, noNaN: true }), b: fc.double({ min: 0.55, max: 0.9, noNaN: true }) }), { minLength: 1, maxLength: 8 }),
        fc.double({ min: 100, max: 1e6, noNaN: true }),
        (sets, pool) => {
          const split = optimalSplit(sets.map((s) => s.k), sets.map((s) => s.b), pool);
          expect(split.reduce((x, y) => x + y, 0)).toBeCloseTo(pool, 3);
          const marginal = split.map((spend, j) => sets[j]!.k * sets[j]!.b * Math.pow(spend, sets[j]!.b - 1));
          for (const m of marginal) expect(m / marginal[0]!).toBeCloseTo(1, 3);
        },
      ),
    );
  });
});

describe("stepToward", () => {
  it("moves each budget at most the step, never sums above the pool, and reaches a reachable target", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ current: fc.integer({ min: 100, max: 100_000 }), target: fc.double({ min: 0, max: 200_000, noNaN: true }) }), { minLength: 1, maxLength: 10 }),
        (sets) => {
          const current = sets.map((s) => s.current);
          const pool = current.reduce((x, y) => x + y, 0);
          const next = stepToward(current, sets.map((s) => s.target), pool, 0.2);
          next.forEach((v, j) => {
            expect(Number.isInteger(v)).toBe(true);
            expect(v).toBeGreaterThanOrEqual(Math.ceil(current[j]! * 0.8));
            expect(v).toBeLessThanOrEqual(Math.floor(current[j]! * 1.2));
          });
          expect(next.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(pool);
        },
      ),
    );
    // A target within one step is reached exactly.
    expect(stepToward([1000, 1000], [1100, 900], 2000, 0.2)).toEqual([1100, 900]);
  });
});

describe("the benchmark's reference policies", () => {
  it("the oracle stays within the autopilot's guardrails, spends what static spends and converts more", () => {
    for (const [name, seed] of [["many_weak_ads", 2], ["scaling_brand", 1]] as const) {
      const scenario = buildScenario(name, seed);
      const fixed = runPolicy(scenario, staticPolicy, 20);
      const oracle = runPolicy(scenario, steppedOraclePolicy(scenario), 20);
      expect(auditGuardrails(scenario, oracle)).toEqual([]);
      expect(oracle.capViolations).toEqual([]);
      expect(oracle.changesApplied).toBeGreaterThan(0);
      expect(Math.abs(oracle.totals.spendMinor / fixed.totals.spendMinor - 1)).toBeLessThan(0.03);
      expect(oracle.expectedConversions).toBeGreaterThan(fixed.expectedConversions * 1.1);
    }
  });

  it("the oracle's shadow stays in step with the real run: every change it makes is valid against what the run shows", () => {
    const scenario = buildScenario("broken_landing_page", 5);
    const oracle = steppedOraclePolicy(scenario);
    let emitted = 0;
    const mismatches: string[] = [];
    const run = runPolicy(scenario, {
      name: "oracle",
      decide: (obs) => {
        const changes = oracle.decide(obs);
        const sets = new Map(obs.adSets.map((s) => [s.id, s]));
        const ads = new Map(obs.ads.map((a) => [a.id, a]));
        for (const c of changes) {
          if (c.kind === "set_budget") {
            const before = sets.get(c.adSetId)!.budget.amountMinor;
            if (c.amountMinor === before || c.amountMinor > before * 1.2 || c.amountMinor < before * 0.8) mismatches.push(`${obs.dayIndex} ${c.adSetId} ${before}→${c.amountMinor}`);
          } else if (ads.get(c.adId)!.status !== (c.kind === "pause_ad" ? "ACTIVE" : "PAUSED")) mismatches.push(`${obs.dayIndex} ${c.kind} ${c.adId}`);
        }
        emitted += changes.length;
        return changes;
      },
    }, 20);
    expect(mismatches).toEqual([]);
    // The run applied every change: none was a no-op or invalid against the real world.
    expect(run.changesApplied).toBe(emitted);
    expect(emitted).toBeGreaterThan(0);
  });

  it("the oracle acting from day N leaves the first N evenings to static, then gains; later starts gain less", () => {
    const scenario = buildScenario("many_weak_ads", 4);
    const fixed = runPolicy(scenario, staticPolicy, 20);
    const runs = [0, 3, 7].map((fromDay) => runPolicy(scenario, steppedOraclePolicy(scenario, { fromDay }), 20));
    // Nothing changes before its first evening, so its first days are static's, draw for draw.
    expect(JSON.stringify(runs[2]!.results.slice(0, 8))).toBe(JSON.stringify(fixed.results.slice(0, 8)));
    expect(JSON.stringify(runs[2]!.results.slice(0, 9))).not.toBe(JSON.stringify(fixed.results.slice(0, 9)));
    const gains = runs.map((r) => r.expectedConversions - fixed.expectedConversions);
    expect(gains[2]!).toBeGreaterThan(0);
    expect(gains[0]!).toBeGreaterThan(gains[1]!);
    expect(gains[1]!).toBeGreaterThan(gains[2]!);
  });

  it("capped rules never raise an account's daily budgets above their starting sum, where plain rules do", () => {
    const scenario = buildScenario("many_weak_ads", 1);
    const capped = runPolicy(scenario, cappedRulesPolicy(), 20);
    const plain = runPolicy(scenario, rulesPolicy(), 20);
    expect(auditGuardrails(scenario, capped)).toEqual([]);
    expect(auditGuardrails(scenario, plain).some((b) => b.kind === "daily_cap")).toBe(true);
    expect(capped.changesApplied).toBeGreaterThan(0);
  });
});
