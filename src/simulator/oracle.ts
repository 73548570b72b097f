import { curveImpressions, expectationContext, indexWorld, type ExpectationContext, type SimState, type World } from "./market.ts";

/**
 * The best possible allocation of one account's budget for one day, from the true parameters.
 * Within an ad set every ad pays the same CPM, so expected conversions are linear in the ads'
 * shares and all of the ad set's spend goes to its best ad; across ad sets each curve
 * k·S^b is concave, so the optimum equalizes marginal value k·b·S^(b−1) = λ, i.e.
 * S(λ) = (k·b/λ)^(1/(1−b)), with λ found by bisection so the spends add up to the budget.
 *
 * It reads the state at the start of the day (fatigue, learning, sites, review) but, being an
 * upper bound, ignores that moving budgets would itself restart learning. Spends are exact
 * (fractional minor units).
 */

export type OracleObjective = "conversions" | "revenue";

export interface OracleAllocation {
  accountId: string;
  dayIndex: number;
  budgetMinor: number;
  objective: OracleObjective;
  adSets: { adSetId: string; adId: string; spendMinor: number }[];
  /** Spend per ad, by world ad index (0 for ads given nothing). */
  spendByAd: Float64Array;
  expectedConversions: number;
  expectedRevenueMinor: number;
}

export interface ExpectedOutcome {
  conversions: number;
  revenueMinor: number;
}

/** Expected conversions and revenue of spending `spendByAd` (by world ad index) on the context's day. */
export function expectedOutcome(world: World, ctx: ExpectationContext, spendByAd: ArrayLike<number>): ExpectedOutcome {
  const index = indexWorld(world);
  let conversions = 0;
  let revenueMinor = 0;
  for (let s = 0; s < world.adSets.length; s++) {
    let total = 0;
    for (const i of index.adsOfAdSet[s]!) if (ctx.deliverable[i] === 1) total += spendByAd[i] ?? 0;
    if (total <= 0) continue;
    const perSpend = curveImpressions(world.adSets[s]!.truth, total, ctx.cpmMultiplier) / total;
    for (const i of index.adsOfAdSet[s]!) {
      if (ctx.deliverable[i] !== 1) continue;
      const impressions = perSpend * (spendByAd[i] ?? 0);
      conversions += impressions * ctx.conversionsPerImpression[i]!;
      revenueMinor += impressions * ctx.revenuePerImpression[i]!;
    }
  }
  return { conversions, revenueMinor };
}

/** The optimal allocation of `budgetMinor` across the account's ad sets and ads on `dayIndex`. */
export function oracleAllocation(
  world: World,
  state: SimState,
  accountId: string,
  budgetMinor: number,
  dayIndex: number,
  objective: OracleObjective = "conversions",
): OracleAllocation {
  return oracleFromContext(world, expectationContext(world, state, dayIndex), accountId, budgetMinor, objective, state);
}

/** As `oracleAllocation`, for a context already computed (the policy harness computes one per day). */
export function oracleFromContext(
  world: World,
  ctx: ExpectationContext,
  accountId: string,
  budgetMinor: number,
  objective: OracleObjective = "conversions",
  state?: SimState,
): OracleAllocation {
  const index = indexWorld(world);
  const accountIndex = world.accounts.findIndex((a) => a.id === accountId);
  const account = world.accounts[accountIndex];
  if (!account) throw new TypeError(`simulator world has no account ${accountId}`);
  let budget = Math.max(0, budgetMinor);
  if (account.spendCapMinor !== null && state) budget = Math.min(budget, Math.max(0, account.spendCapMinor - state.accountSpentMinor[accountIndex]!));

  const value = objective === "conversions" ? ctx.conversionsPerImpression : ctx.revenuePerImpression;
  // Per candidate ad set: its best ad and the curve k·S^b of the objective in spend.
  const candidates: { s: number; ad: number; k: number; b: number }[] = [];
  for (let s = 0; s < world.adSets.length; s++) {
    if (index.accountOfAdSet[s] !== accountIndex) continue;
    let best = -1;
    for (const i of index.adsOfAdSet[s]!) if (ctx.deliverable[i] === 1 && (best < 0 || value[i]! > value[best]!)) best = i;
    if (best < 0 || value[best]! <= 0) continue;
    const truth = world.adSets[s]!.truth;
    candidates.push({ s, ad: best, k: curveImpressions(truth, 1, ctx.cpmMultiplier) * value[best]!, b: truth.curveExponent });
  }

  const spendAt = (lambda: number) => candidates.map((c) => Math.pow((c.k * c.b) / lambda, 1 / (1 - c.b)));
  const spends = candidates.map(() => 0);
  if (candidates.length > 0 && budget > 0) {
    // Total spend falls as λ rises; bisect log λ.
    let lo = -200;
    let hi = 200;
    for (let iter = 0; iter < 200; iter++) {
      const mid = (lo + hi) / 2;
      const total = spendAt(Math.exp(mid)).reduce((x, y) => x + y, 0);
      if (total > budget) lo = mid;
      else hi = mid;
    }
    const raw = spendAt(Math.exp(hi));
    const total = raw.reduce((x, y) => x + y, 0);
    raw.forEach((v, j) => (spends[j] = total > 0 ? (v * budget) / total : 0));
  }

  const spendByAd = new Float64Array(world.ads.length);
  candidates.forEach((c, j) => (spendByAd[c.ad] = spends[j]!));
  const outcome = expectedOutcome(world, ctx, spendByAd);
  return {
    accountId,
    dayIndex: ctx.dayIndex,
    budgetMinor: budget,
    objective,
    adSets: candidates.map((c, j) => ({ adSetId: world.adSets[c.s]!.id, adId: world.ads[c.ad]!.id, spendMinor: spends[j]! })),
    spendByAd,
    expectedConversions: outcome.conversions,
    expectedRevenueMinor: outcome.revenueMinor,
  };
}
