import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dayRng, expectationContext, indexWorld, initialState, simulateDay } from "./market.ts";
import { expectedOutcome, oracleAllocation } from "./oracle.ts";
import { generateWorld } from "./worldBuilder.ts";

const world = generateWorld(
  {
    startDate: "2026-03-02",
    accounts: 1,
    campaignsPerAccount: 2,
    adSetsPerCampaign: 3,
    adsPerAdSet: 3,
    dailyBudgetMinor: [3000, 30_000],
    outageDailyHazard: 0.05,
    disapprovalDailyHazard: 0.01,
  },
  21,
);
const state = initialState(world);
for (let d = 0; d < 10; d++) simulateDay(world, state, d, dayRng(world, d));
const accountId = world.accounts[0]!.id;

describe("oracle", () => {
  it("spends exactly the budget, one best ad per ad set", () => {
    const oracle = oracleAllocation(world, state, accountId, 100_000, 10);
    const total = oracle.adSets.reduce((a, s) => a + s.spendMinor, 0);
    expect(total).toBeCloseTo(100_000, 3);
    expect(new Set(oracle.adSets.map((s) => s.adSetId)).size).toBe(oracle.adSets.length);
    expect(oracle.expectedConversions).toBeGreaterThan(0);
    expect(oracle.expectedRevenueMinor).toBeGreaterThan(0);
  });

  it("no random allocation of the same total beats its expected conversions", () => {
    const ctx = expectationContext(world, state, 10);
    const n = world.ads.length;
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 500_000 }),
        fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
        (budget, weights) => {
          const sum = weights.reduce((a, b) => a + b, 0);
          fc.pre(sum > 0);
          const spend = weights.map((w) => (w / sum) * budget);
          const oracle = oracleAllocation(world, state, accountId, budget, 10);
          const random = expectedOutcome(world, ctx, spend).conversions;
          expect(random).toBeLessThanOrEqual(oracle.expectedConversions * (1 + 1e-9));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("beats small perturbations of itself (a local optimum of a concave problem)", () => {
    const ctx = expectationContext(world, state, 10);
    const oracle = oracleAllocation(world, state, accountId, 80_000, 10);
    const index = indexWorld(world);
    const funded = Array.from(oracle.spendByAd.keys()).filter((i) => oracle.spendByAd[i]! > 0);
    expect(funded.length).toBeGreaterThan(1);
    const [i, j] = funded;
    const moved = Float64Array.from(oracle.spendByAd);
    moved[i!]! -= 500;
    moved[j!]! += 500;
    expect(expectedOutcome(world, ctx, moved).conversions).toBeLessThan(oracle.expectedConversions);
    expect(index.adsOfAdSet.length).toBe(world.adSets.length);
  });
});
