import { describe, expect, it } from "vitest";
import { runGrantline } from "../support/cli.ts";

// Each run starts a process that loads the TypeScript sources; give a busy machine room.
describe("grantline autopilot bench", { timeout: 180_000 }, () => {
  it("prints one line of JSON with every policy's totals from the same start", async () => {
    const { stdout } = await runGrantline({}, "autopilot", "bench", "--seed", "4", "--days", "30", "--scenario", "small_shop", "--json");
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({ seed: 4, days: 30, cap_violations: 0 });
    expect(Object.keys(result.policies)).toEqual(["static", "rules", "autopilot", "oracle"]);
    for (const p of Object.values(result.policies) as any[]) {
      for (const key of ["spend", "conversions", "revenue", "cpa", "roas"]) expect(typeof p[key]).toBe("number");
      expect(p.cpa).toBeCloseTo(p.spend / p.conversions, 1);
      expect(p.roas).toBeCloseTo(p.revenue / p.spend, 2);
    }
    const { static: fixed, autopilot, oracle } = result.policies;
    // Every policy runs under the same daily cap (static's budgets): equal spend, up to pacing noise.
    expect(Math.abs(oracle.spend / fixed.spend - 1)).toBeLessThan(0.02);
    expect(Math.abs(autopilot.spend / fixed.spend - 1)).toBeLessThan(0.02);
    expect(autopilot.conversions).toBeGreaterThan(fixed.conversions);
    expect(oracle.expected_conversions).toBeGreaterThan(autopilot.expected_conversions);
    // What learning costs: the oracle acting only from day 3, 5 or 7 captures less the later it starts.
    const cost = result.reference.learning_cost as { from_day: number; capture: number }[];
    expect(cost.map((c) => c.from_day)).toEqual([3, 5, 7]);
    expect(cost[0]!.capture).toBeGreaterThan(cost[2]!.capture);
  });

  it("--history-days starts the run after days every policy sees", async () => {
    const { stdout } = await runGrantline({}, "autopilot", "bench", "--seed", "2", "--days", "10", "--history-days", "14", "--json");
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ seed: 2, days: 10, history_days: 14, cap_violations: 0 });
    expect(result.policies.autopilot.changes).toBeGreaterThan(0);
    // Deterministic: the same seed gives byte-identical JSON.
    const again = await runGrantline({}, "autopilot", "bench", "--seed", "2", "--days", "10", "--history-days", "14", "--json");
    expect(again.stdout).toBe(stdout);
    const failed = await runGrantline({}, "autopilot", "bench", "--seed", "1", "--days", "3", "--history-days", "-1").catch((e: { code: number; stderr: string }) => e);
    expect((failed as { stderr: string }).stderr).toMatch(/a whole number from 0 to 365/);
  });

  it("runs the default scenario without --scenario, and refuses an unknown one", async () => {
    const { stdout } = await runGrantline({}, "autopilot", "bench", "--seed", "1", "--days", "3", "--json");
    expect(JSON.parse(stdout)).toMatchObject({ seed: 1, days: 3, scenario: "many_weak_ads" });
    const failed = await runGrantline({}, "autopilot", "bench", "--seed", "1", "--days", "3", "--scenario", "nowhere").catch((e: { code: number; stderr: string }) => e);
    expect((failed as { code: number }).code).not.toBe(0);
    expect((failed as { stderr: string }).stderr).toMatch(/unknown scenario; use one of small_shop/);
  });
});
