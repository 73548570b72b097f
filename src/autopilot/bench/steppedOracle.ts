/**
 * The benchmark's reference policies under the autopilot's own constraints.
 *
 * - `steppedOraclePolicy`: a clairvoyant buyer. It reads the world's true parameters and the
 *   market's hidden state (learning, fatigue, the platform's split) through a shadow copy of the run,
 *   and each evening it does what an omniscient autopilot would be allowed to do: keep in every ad
 *   set the ads that bring the most over the next week (its best ad alone, or its best two or three
 *   when one alone would tire its audience; pausing the others, reviving a paused ad that has become
 *   one of them), and move the account's daily budgets toward the split that maximises expected
 *   conversions, at most ±`maxStep` per ad set per day, keeping the sum of daily budgets at the
 *   same cap (so it spends what static spends). Lifetime budgets stay as set, as for the autopilot.
 *   It runs through the same simulator as every other policy, so learning resets, fatigue and
 *   noise apply to it too. Outages and disapprovals it sees a day late, as a causal policy would at
 *   best: in the evening it knows today's, not tomorrow's.
 * - `cappedRulesPolicy`: the rules baseline under the same daily cap: its budget raises are cut
 *   so the account's daily budgets never exceed their starting sum.
 */
import { curveImpressions, dayRng, expectationContext, initialState, platformWeights, simulateDay, type ExpectationContext, type RunStatus, type SimState, type World } from "../../simulator/market.ts";
import { rulesPolicy, type Observation, type Policy, type PolicyChange, type RulesOptions, type Scenario } from "../../simulator/policies.ts";

export interface SteppedOracleOptions {
  /** Largest change of a budget per day (the autopilot's default guardrail). */
  maxStep?: number;
  /** Concentrate ad sets on their best ad (default true). */
  concentrate?: boolean;
  /** Move budget between ad sets (default true). */
  reallocate?: boolean;
  /** First day (index) on which it acts; before it, it watches like static (default 0). */
  fromDay?: number;
  /** Most ads it keeps running per ad set (default 3), when fatigue makes sharing better. */
  maxKeep?: number;
  /** Days ahead over which it weighs fatigue when choosing the ads to keep (default 7). */
  horizonDays?: number;
}

/** Budgets per ad set that maximise Σ k_j·S_j^b_j subject to Σ S_j = pool (water-filling on λ). */
export function optimalSplit(k: readonly number[], b: readonly number[], pool: number): number[] {
  const n = k.length;
  const out = new Array<number>(n).fill(0);
  if (n === 0 || pool <= 0) return out;
  const at = (logLambda: number) => {
    let total = 0;
    for (let j = 0; j < n; j++) total += k[j]! > 0 ? Math.exp((Math.log(k[j]! * b[j]!) - logLambda) / (1 - b[j]!)) : 0;
    return total;
  };
  let lo = -200;
  let hi = 200;
  for (let iter = 0; iter < 100; iter++) {
    const mid = (lo + hi) / 2;
    if (at(mid) > pool) lo = mid;
    else hi = mid;
  }
  let total = 0;
  for (let j = 0; j < n; j++) total += out[j] = k[j]! > 0 ? Math.exp((Math.log(k[j]! * b[j]!) - hi) / (1 - b[j]!)) : 0;
  if (total <= 0) return out.fill(pool / n);
  for (let j = 0; j < n; j++) out[j] = (out[j]! * pool) / total;
  return out;
}

/**
 * Steps integer budgets toward `targets` within [current·(1−step), current·(1+step)], keeping their
 * sum at `pool` (never above it) as far as the limits allow.
 */
export function stepToward(current: readonly number[], targets: readonly number[], pool: number, step: number): number[] {
  const n = current.length;
  const lo = current.map((c) => Math.max(1, Math.ceil(c * (1 - step))));
  const hi = current.map((c) => Math.max(1, Math.floor(c * (1 + step))));
  const next = current.map((c, j) => Math.min(hi[j]!, Math.max(lo[j]!, Math.round(targets[j]!))));
  for (let iter = 0; iter < 16; iter++) {
    const diff = pool - next.reduce((x, y) => x + y, 0);
    if (Math.abs(diff) < 1) break;
    const room = next.map((v, j) => (diff > 0 ? hi[j]! - v : v - lo[j]!));
    const roomSum = room.reduce((x, y) => x + y, 0);
    if (roomSum <= 0) break;
    for (let j = 0; j < n; j++) {
      const move = (diff * room[j]!) / roomSum;
      next[j] = Math.min(hi[j]!, Math.max(lo[j]!, next[j]! + (diff > 0 ? Math.floor(move) : Math.ceil(move))));
    }
  }
  // Rounding may leave the sum a few units over the pool: take them back where there is room.
  let over = next.reduce((x, y) => x + y, 0) - pool;
  for (let j = 0; j < n && over > 0; j++) {
    const take = Math.min(over, next[j]! - lo[j]!);
    next[j]! -= take;
    over -= take;
  }
  return next;
}

const normalized = (w: readonly number[]): number[] => {
  const sum = w.reduce((x, y) => x + y, 0);
  return w.map((x) => (sum > 0 ? x / sum : 1 / w.length));
};

/**
 * The keep-set that brings the most conversions per impression over the next `horizon` days: the best
 * ad alone, or the best two or three sharing the ad set (the platform splits the spend between them by
 * its own estimates), since an ad alone tires its audience faster (CTR falls with frequency). Each is
 * valued at the ad set's current daily spend, frequency growing by each ad's share of its impressions.
 */
export function bestKeepSet(world: World, state: SimState, ctx: ExpectationContext, s: number, ranked: readonly number[], maxKeep: number, horizon: number): number[] {
  const set = world.adSets[s]!;
  const budget = set.budget.kind === "daily" ? set.budget.amountMinor : set.budget.amountMinor / Math.max(1, set.budget.endDay + 1);
  const impressions = curveImpressions(set.truth, budget, ctx.cpmMultiplier);
  const audience = set.truth.audienceSize;
  let best: number[] = [ranked[0]!];
  let bestValue = -Infinity;
  for (let n = 1; n <= Math.min(maxKeep, ranked.length); n++) {
    const keep = ranked.slice(0, n);
    const shares = normalized(platformWeights(state, keep, ctx.adSetLearning[s] === 1));
    let value = 0;
    for (let t = 0; t < horizon; t++) {
      keep.forEach((i, k) => {
        const tiring = Math.exp(-world.ads[i]!.truth.fatigueRate * ((t * shares[k]! * impressions) / audience));
        value += shares[k]! * ctx.conversionsPerImpression[i]! * tiring;
      });
    }
    if (value > bestValue * (1 + 1e-9)) {
      bestValue = value;
      best = keep;
    }
  }
  return best;
}

export function steppedOraclePolicy(scenario: Scenario, options: SteppedOracleOptions = {}): Policy {
  const maxStep = options.maxStep ?? 0.2;
  const maxKeep = options.maxKeep ?? 3;
  const horizon = options.horizonDays ?? 7;
  // The shadow run: the same world, the same daily random streams and the same changes as the real
  // run, so its state is the real run's state.
  const world = structuredClone(scenario.world);
  const state = initialState(world);
  let simulated = 0;
  const accountOfCampaign = new Map(world.campaigns.map((c) => [c.id, c.accountId]));
  const adsOfSet = world.adSets.map(() => [] as number[]);
  const setIndex = new Map(world.adSets.map((s, i) => [s.id, i]));
  world.ads.forEach((a, i) => adsOfSet[setIndex.get(a.adSetId)!]!.push(i));

  return {
    name: "oracle",
    decide(obs: Observation): PolicyChange[] {
      while (simulated <= obs.dayIndex) {
        simulateDay(world, state, simulated, dayRng(world, simulated));
        simulated++;
      }
      if (obs.dayIndex < (options.fromDay ?? 0)) return [];
      const tomorrow = obs.dayIndex + 1;
      // Every ad's value tomorrow as if it were on: statuses are set aside for the context. Outages and
      // disapprovals are those of today (seen a day late, as any policy sees them at best).
      const statuses: RunStatus[] = world.ads.map((a) => a.status);
      for (const ad of world.ads) ad.status = "ACTIVE";
      const ctx = expectationContext(world, state, tomorrow, obs.dayIndex);
      world.ads.forEach((ad, i) => (ad.status = statuses[i]!));

      const changes: PolicyChange[] = [];
      // Per ad set: the ads to keep and the value per impression of the platform's split among them.
      const valuePerImpression = new Float64Array(world.adSets.length);
      for (let s = 0; s < world.adSets.length; s++) {
        const ranked = adsOfSet[s]!.filter((i) => ctx.deliverable[i] === 1).sort((x, y) => ctx.conversionsPerImpression[y]! - ctx.conversionsPerImpression[x]! || x - y);
        if (ranked.length === 0) continue;
        const keep = bestKeepSet(world, state, ctx, s, ranked, maxKeep, horizon);
        const shares = normalized(platformWeights(state, keep, ctx.adSetLearning[s] === 1));
        keep.forEach((i, k) => (valuePerImpression[s]! += shares[k]! * ctx.conversionsPerImpression[i]!));
        const kept = new Set(keep);
        for (const i of adsOfSet[s]!) {
          const ad = world.ads[i]!;
          const want: RunStatus = kept.has(i) ? "ACTIVE" : "PAUSED";
          if (options.concentrate === false || ad.status === want || ctx.deliverable[i] !== 1) continue;
          ad.status = want;
          changes.push(want === "PAUSED" ? { kind: "pause_ad", adId: ad.id, reason: "not among the ad set's best ads" } : { kind: "resume_ad", adId: ad.id, reason: "now among the ad set's best ads" });
        }
      }

      for (const account of options.reallocate === false ? [] : world.accounts) {
        const sets: number[] = [];
        for (let s = 0; s < world.adSets.length; s++) {
          const set = world.adSets[s]!;
          if (accountOfCampaign.get(set.campaignId) === account.id && set.status === "ACTIVE" && set.budget.kind === "daily") sets.push(s);
        }
        const current = sets.map((s) => world.adSets[s]!.budget.amountMinor);
        const pool = current.reduce((x, y) => x + y, 0);
        const k = sets.map((s) => curveImpressions(world.adSets[s]!.truth, 1, ctx.cpmMultiplier) * valuePerImpression[s]!);
        const b = sets.map((s) => world.adSets[s]!.truth.curveExponent);
        const next = stepToward(current, optimalSplit(k, b, pool), pool, maxStep);
        sets.forEach((s, j) => {
          const set = world.adSets[s]!;
          if (next[j] === current[j]) return;
          set.budget = { ...set.budget, amountMinor: next[j]! };
          changes.push({ kind: "set_budget", adSetId: set.id, amountMinor: next[j]!, reason: "toward the best split" });
        });
      }
      return changes;
    },
  };
}

/**
 * The rules baseline at the autopilot's spend: its raises are cut so each account's live daily
 * budgets stay within their starting sum, and budget left idle by ad sets with no ad running (all
 * paused or disapproved) is rebalanced over the live ad sets in proportion to their budgets, at
 * most +20% per ad set per day (Meta's REBALANCE_BUDGET); winners the rules raise come first.
 */
export function cappedRulesPolicy(options?: RulesOptions, maxStep = 0.2): Policy {
  const inner = rulesPolicy(options);
  const caps = new Map<string, number>();
  const pace = (s: Observation["adSets"][number]) => (s.budget.kind === "daily" ? s.budget.amountMinor : s.budget.amountMinor / (s.budget.endDay + 1));
  return {
    name: "rules",
    decide(obs: Observation): PolicyChange[] {
      for (const s of obs.adSets) if (!caps.has(s.accountId)) caps.set(s.accountId, 0);
      if ([...caps.values()].every((v) => v === 0)) for (const s of obs.adSets) caps.set(s.accountId, caps.get(s.accountId)! + pace(s));
      const proposed = inner.decide(obs);
      const paused = new Set(proposed.flatMap((c) => (c.kind === "pause_ad" ? [c.adId] : [])));
      const liveSets = new Set(obs.ads.filter((a) => a.status === "ACTIVE" && a.reviewStatus === "APPROVED" && !paused.has(a.id)).map((a) => a.adSetId));
      const live = obs.adSets.filter((s) => s.status === "ACTIVE" && liveSets.has(s.id));
      const raises = new Map<string, number>();
      for (const c of proposed) if (c.kind === "set_budget") raises.set(c.adSetId, c.amountMinor);
      const out: PolicyChange[] = proposed.filter((c) => c.kind !== "set_budget");
      for (const [accountId, cap] of caps) {
        const sets = live.filter((s) => s.accountId === accountId);
        let room = cap - sets.reduce((x, s) => x + pace(s), 0);
        const next = new Map<string, number>();
        // Winners first, then the rest in proportion to their budgets, within the step and the room.
        for (const s of sets) {
          const wanted = raises.get(s.id);
          if (wanted === undefined || s.budget.kind !== "daily" || room < 1) continue;
          const raise = Math.min(Math.floor(room), wanted - s.budget.amountMinor);
          if (raise >= 1) next.set(s.id, s.budget.amountMinor + raise);
          room -= Math.max(0, raise);
        }
        const rest = sets.filter((s) => s.budget.kind === "daily" && !next.has(s.id));
        const restTotal = rest.reduce((x, s) => x + s.budget.amountMinor, 0);
        if (room >= 1 && restTotal > 0) {
          const factor = Math.min(maxStep, room / restTotal);
          for (const s of rest) {
            const raise = Math.floor(s.budget.amountMinor * factor);
            if (raise >= 1) next.set(s.id, s.budget.amountMinor + raise);
          }
        }
        for (const [adSetId, amountMinor] of next) out.push({ kind: "set_budget", adSetId, amountMinor, reason: "rebalance within the cap" });
      }
      return out;
    },
  };
}
