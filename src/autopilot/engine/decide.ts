/**
 * Decisions from a calibration: which ads to pause or revive, how to move budget between ad sets,
 * which creatives look tired. Every action carries its change, a plain-language reason, the
 * evidence and the expected effect. Limits are respected here where they shape the decision (steps,
 * cooldowns, caps); the final guardrail check re-verifies all of them independently.
 */
import { dayNumber, spendOfTargets, type AdCalibration, type AdSetCalibration, type Calibration } from "./calibration.ts";
import { creativeTests, type CreativeTest } from "./creativeTests.ts";
import { chance, conversionsText, countText, cpaText, money, pct } from "./explain.ts";
import { budgetChangesLastHour, budgetDayAgo, historyByObject, inCooldown, objectAllowed } from "./history.ts";
import { betaMean, gammaCdf, gammaInterval80, gammaMean, logBetaMoments, normalCdf, probBetaLess, probGammaLess, sampleGamma, type BetaPosterior, type Rng } from "./stats.ts";
import type { EngineSettings } from "./settings.ts";
import type { AccountSnapshot, ActionKind, ActionRecord, Evidence, ProposedAction } from "./types.ts";

const HOUR_MS = 3_600_000;

interface Context {
  snapshot: AccountSnapshot;
  cal: Calibration;
  rng: Rng;
  history: Map<string, ActionRecord[]>;
  allowedObjects: ReadonlySet<string>;
  currency: string;
  missWhat: string;
  /** New creatives in test and recent spend shares; empty when no ad carries its created date. */
  tests: Map<string, CreativeTest>;
}

/** Whether guardrails and capabilities let the engine propose `kind` on `objectId` at all. */
function mayAct(ctx: Context, kind: ActionKind, objectId: string): boolean {
  const { guardrails, capabilities } = ctx.snapshot;
  if (!guardrails.allowedActions.includes(kind) || !capabilities.actions.includes(kind)) return false;
  if (!objectAllowed(ctx.snapshot, objectId, ctx.allowedObjects)) return false;
  return kind === "notify" || !inCooldown(ctx.history.get(objectId), ctx.snapshot.clock.now, guardrails.cooldownMinutes);
}

function evidenceOf(t: { spendMinor: number; conversions: number; conversionsLagAdjusted: number; revenueMinor: number }, windowDays: number, probability: number | null, probabilityOf: string | null): Evidence {
  return {
    windowDays,
    spendMinor: Math.round(t.spendMinor),
    conversions: t.conversions,
    conversionsLagAdjusted: Math.round(t.conversionsLagAdjusted * 10) / 10,
    revenueMinor: Math.round(t.revenueMinor),
    cpaMinor: t.conversionsLagAdjusted > 0 ? Math.round(t.spendMinor / t.conversionsLagAdjusted) : null,
    roas: t.spendMinor > 0 ? Math.round((t.revenueMinor / t.spendMinor) * 100) / 100 : null,
    probability: probability === null ? null : Math.round(probability * 1000) / 1000,
    probabilityOf,
  };
}

/** P(the object misses the advertiser's target), from its rate posterior; null without a target. */
function probMissesTarget(ctx: Context, rate: AdCalibration["rate"], revenuePerConversion: number): { p: number; what: string } | null {
  const g = ctx.snapshot.guardrails;
  if (g.targetCpaMinor !== null) return { p: gammaCdf(rate, 1 / g.targetCpaMinor), what: ctx.missWhat };
  if (g.targetRoas !== null && revenuePerConversion > 0) return { p: gammaCdf(rate, g.targetRoas / revenuePerConversion), what: ctx.missWhat };
  return null;
}

/** What missing the target means, in words; formatted once per plan. */
function missWhatOf(snapshot: AccountSnapshot): string {
  const g = snapshot.guardrails;
  if (g.targetCpaMinor !== null) return `CPA over the ${cpaText(g.targetCpaMinor, snapshot.currency)} target`;
  return `ROAS under the ${g.targetRoas} target`;
}

/** Spend an object needs before it is judged: a few target CPAs (or their ROAS equivalent). */
function judgeSpend(ctx: Context, s = ctx.cal.settings.minJudgeSpendTargets): number {
  return spendOfTargets(ctx.snapshot, ctx.cal, s);
}

/** What the ad rules decided so far: actions, and the ads they pause or turn back on. */
interface AdMoves {
  actions: ProposedAction[];
  pausedAds: Set<string>;
  revivedAds: Set<string>;
}

/** One ad set as the ad rules see it: its ads, those running, those whose pages work, and its best. */
interface AdSetRound {
  set: AdSetCalibration;
  members: AdCalibration[];
  /** Running ads whose landing page works. */
  deliverable: AdCalibration[];
  /** How many running ads stay running; never paused below one. */
  remaining: number;
  /** Each deliverable ad's quality (log CTR × CVR), its best's index (−1: none) and the best ad. */
  quality: { mu: number; v: number }[];
  bestJ: number;
  best: AdCalibration | null;
}

/**
 * Ads to pause or turn back on, ad set by ad set (when the engine does not keep sets): pause ads
 * whose landing page is down (`pauseBrokenLinks`), pause ads over target or worse than the ad set's
 * best (`pauseLosers`), turn back on ads paused for a page that loads again (`unpauseFixedLinks`),
 * revive ads judged too early (`reviveJudgedTooEarly`), and rotate in a paused ad when the best has
 * tired (`rotateTiredBest`).
 */
function pauseAndReviveAds(ctx: Context): AdMoves {
  const { cal } = ctx;
  const moves: AdMoves = { actions: [], pausedAds: new Set(), revivedAds: new Set() };
  for (const set of cal.adSets) {
    if (set.status === "insufficient_data") continue;
    const round = adSetRound(ctx, set);
    pauseBrokenLinks(ctx, round, moves);
    pauseLosers(ctx, round, moves);
    unpauseFixedLinks(ctx, round, moves);
    reviveJudgedTooEarly(ctx, round, moves);
    rotateTiredBest(ctx, round, moves);
  }
  return moves;
}

/**
 * Ads of one ad set share its auction, so they differ per dollar by click-through rate × conversion
 * rate: clicks pin the first down long before conversions pin down the second. The best is the ad
 * with the highest posterior median of CTR × CVR among those whose page works.
 */
function adSetRound(ctx: Context, set: AdSetCalibration): AdSetRound {
  const members = set.adIndexes.map((i) => ctx.cal.ads[i]!);
  const running = members.filter((a) => a.deliverable);
  const deliverable = running.filter((a) => !linkDown(a));
  const quality = deliverable.map(currentQuality);
  let bestJ = -1;
  for (let j = 0; j < deliverable.length; j++) if (bestJ < 0 || quality[j]!.mu > quality[bestJ]!.mu) bestJ = j;
  return { set, members, deliverable, remaining: deliverable.length === 0 ? 0 : running.length, quality, bestJ, best: bestJ >= 0 ? deliverable[bestJ]! : null };
}

/**
 * Ads whose landing page is down make nothing: pause them while a sibling's page works (it takes
 * their spend), and turn them back on once the page is up. When every page is down, the budget step
 * moves the money elsewhere and no ad is judged.
 */
function pauseBrokenLinks(ctx: Context, round: AdSetRound, moves: AdMoves): void {
  if (round.deliverable.length === 0) return;
  for (const a of round.members) {
    if (!a.deliverable || !linkDown(a) || !mayAct(ctx, "pause", a.ad.id)) continue;
    moves.actions.push(brokenLinkPause(ctx, a));
    moves.pausedAds.add(a.ad.id);
    round.remaining--;
  }
}

/**
 * Each ad against the ad set's best: P(it converts worse per impression). Worst first, and never the
 * ad set's best ad: a paused ad's spend goes to its siblings, which only helps when they are better.
 * An ad is paused when it is over target and likely worse than the best (`pause_over_target`), or
 * very likely worse whatever the target (`pause_loser`).
 */
function pauseLosers(ctx: Context, round: AdSetRound, moves: AdMoves): void {
  const { cal, snapshot, currency } = ctx;
  const { set, deliverable, quality, bestJ, best } = round;
  if (!best) return;
  const minSpend = judgeSpend(ctx);
  const minCompareSpend = judgeSpend(ctx, cal.settings.minCompareSpendTargets);
  const target = snapshot.guardrails.targetCpaMinor;
  const worseThanBest = (j: number) => (j === bestJ ? 0 : normalCdf((quality[bestJ]!.mu - quality[j]!.mu) / Math.sqrt(quality[j]!.v + quality[bestJ]!.v)));
  const order = deliverable.map((_, j) => j).sort((x, y) => quality[x]!.mu - quality[y]!.mu);
  for (const j of order) {
    const a = deliverable[j]!;
    if (round.remaining <= 1) break;
    if (a === best) continue;
    if (a.window.spendMinor < minCompareSpend || set.activeDays < cal.settings.minCompareDays || !mayAct(ctx, "pause", a.ad.id)) continue;
    const pWorse = worseThanBest(j);
    const miss = probMissesTarget(ctx, a.rate, set.revenuePerConversionMinor);
    const observed = a.window.conversionsLagAdjusted > 0 ? a.window.spendMinor / a.window.conversionsLagAdjusted : Infinity;
    // Over target, and likely worse than the sibling that would take its spend (pausing the ad set's best
    // ad would hand its spend to worse ones).
    if (miss && miss.p >= cal.settings.pauseProbability && a.window.spendMinor >= minSpend && pWorse >= cal.settings.overTargetWorseProbability) {
      const over = target !== null && Number.isFinite(observed) ? `its CPA ${cpaText(observed, currency)} is ${pct(observed / target - 1)} over your ${cpaText(target, currency)} target` : `it is likely ${miss.what}`;
      moves.actions.push(pauseAction(ctx, a, "pause_over_target", `Paused '${a.ad.name}': ${over} over ${cal.settings.windowDays} days (${money(a.window.spendMinor, currency)} spent, ${conversionsText(a.window.conversionsLagAdjusted)} counting late ones); ${chance(miss.p)} chance it stays ${miss.what}, and its spend goes to '${best.ad.name}', which converts better`, evidenceOf(a.window, cal.settings.windowDays, miss.p, miss.what)));
      moves.pausedAds.add(a.ad.id);
      round.remaining--;
      continue;
    }
    if (pWorse >= cal.settings.loserProbability) {
      const ratio = Math.exp(quality[j]!.mu - quality[bestJ]!.mu);
      moves.actions.push(
        pauseAction(ctx, a, "pause_loser", `Paused '${a.ad.name}': it brings about ${pct(1 - ratio)} fewer conversions per impression than '${best.ad.name}' in the same ad set (click-through ${pctText(betaMean(a.ctr))} against ${pctText(betaMean(best.ctr))}, ${chance(pWorse)} chance it is worse), so its share of the budget goes to the better ad`, evidenceOf(a.window, cal.settings.windowDays, pWorse, "converting worse per impression than the ad set's best ad")),
      );
      moves.pausedAds.add(a.ad.id);
      round.remaining--;
    }
  }
}

/** Pausing an ad whose landing page did not load at the last link check. */
function brokenLinkPause(ctx: Context, a: AdCalibration): ProposedAction {
  return pauseAction(ctx, a, "broken_link", `Paused '${a.ad.name}': its landing page did not load at the last link check, so its clicks cannot convert; its spend goes to the ad set's ads whose pages work, and it is turned back on when its page loads again`, evidenceOf(a.window, ctx.cal.settings.windowDays, null, null));
}

/** A paused, approved ad's last status change, when the engine made it to pause the ad; else undefined. */
function lastEnginePause(ctx: Context, a: AdCalibration): ActionRecord | undefined {
  if (a.ad.status !== "PAUSED" || a.ad.reviewStatus !== "APPROVED") return undefined;
  const last = lastStatusChange(ctx.history, a);
  return isEnginePause(last) ? last : undefined;
}

/** Turn back on ads the engine paused while their landing page was down, now that it loads. */
function unpauseFixedLinks(ctx: Context, round: AdSetRound, moves: AdMoves): void {
  for (const a of round.members) {
    if (!a.ad.linkCheck || linkDown(a) || !lastEnginePause(ctx, a) || !mayAct(ctx, "unpause", a.ad.id) || !wasPausedForLink(ctx, a)) continue;
    moves.actions.push(unpauseAction(ctx, a, "broken_link", `Turned '${a.ad.name}' back on: it was paused because its landing page was down, and the page loads again`, null, null));
    moves.revivedAds.add(a.ad.id);
  }
}

/**
 * Revive ads the engine paused when late conversions show they were judged too early. Late
 * conversions arrive within the attribution window (7 days) of the clicks before the pause; past
 * that, a changed estimate only means the old days left the window.
 */
function reviveJudgedTooEarly(ctx: Context, round: AdSetRound, moves: AdMoves): void {
  const { cal, snapshot, currency } = ctx;
  const { set, quality, bestJ, best } = round;
  for (const a of round.members) {
    if (moves.revivedAds.has(a.ad.id) || linkDown(a)) continue;
    const lastPause = lastEnginePause(ctx, a);
    if (!lastPause) continue;
    const sincePause = snapshot.clock.now - lastPause.at;
    if (sincePause < cal.settings.reviveAfterHours * HOUR_MS || sincePause > (cal.settings.attributionLag.length + 1) * 24 * HOUR_MS) continue;
    if (!mayAct(ctx, "unpause", a.ad.id)) continue;
    const miss = probMissesTarget(ctx, a.rate, set.revenuePerConversionMinor);
    if (!miss || miss.p >= cal.settings.reviveProbability) continue;
    const stillLoser = best && best !== a ? probGammaLess(a.rate, best.rate) : 0;
    const q = paused(a);
    const worse = bestJ >= 0 && best !== a ? normalCdf((quality[bestJ]!.mu - q.mu) / Math.sqrt(q.v + quality[bestJ]!.v)) : 0;
    if (stillLoser >= 0.7 || worse >= 0.7) continue;
    const cpa = a.window.conversionsLagAdjusted > 0 ? a.window.spendMinor / a.window.conversionsLagAdjusted : Infinity;
    moves.actions.push(
      unpauseAction(ctx, a, "revive", `Turned '${a.ad.name}' back on: late conversions arrived after it was paused; it now has ${conversionsText(a.window.conversionsLagAdjusted)} on ${money(a.window.spendMinor, currency)} (CPA ${cpaText(cpa, currency)}), and only a ${chance(miss.p)} chance of ${miss.what}`, miss.p, miss.what),
    );
    moves.revivedAds.add(a.ad.id);
  }
}

/**
 * Rotate: when the running best ad has tired (its recent click-through fell) below an ad the engine
 * paused earlier, whose audience has not seen it since, turn that one back on; the pause rule
 * retires the tired ad once the fresh one shows it converts better.
 */
function rotateTiredBest(ctx: Context, round: AdSetRound, moves: AdMoves): void {
  const { cal, snapshot } = ctx;
  const { best, bestJ, quality } = round;
  if (!best || moves.pausedAds.has(best.ad.id) || bestJ < 0) return;
  const now = quality[bestJ]!;
  let pick: { a: AdCalibration; p: number } | null = null;
  for (const a of round.members) {
    if (moves.revivedAds.has(a.ad.id) || linkDown(a)) continue;
    const lastPause = lastEnginePause(ctx, a);
    if (!lastPause) continue;
    if (snapshot.clock.now - lastPause.at < cal.settings.reviveAfterHours * HOUR_MS) continue;
    const q = paused(a);
    const p = normalCdf((q.mu - now.mu) / Math.sqrt(q.v + now.v));
    if (p >= cal.settings.rotateProbability && (!pick || p > pick.p) && mayAct(ctx, "unpause", a.ad.id)) pick = { a, p };
  }
  if (!pick || !best.recentCtr || !best.earlierCtr) return;
  const a = pick.a;
  moves.actions.push(
    unpauseAction(ctx, a, "revive", `Turned '${a.ad.name}' back on to rotate creatives: '${best.ad.name}' has tired (click-through ${pctText(betaMean(best.earlierCtr))} a week ago, ${pctText(betaMean(best.recentCtr))} over the last 3 days), and '${a.ad.name}' converted better per impression before it was paused (${chance(pick.p)} chance it is better now)`, pick.p, "converting better per impression than the ad set's tired best ad"),
  );
  moves.revivedAds.add(a.ad.id);
}

/** Draws behind each ad set's P(best). */
const KEEP_DRAWS = 128;

/** The ad's last status change in the history, if any. */
function lastStatusChange(history: ReadonlyMap<string, ActionRecord[]>, a: AdCalibration): ActionRecord | undefined {
  return history.get(a.ad.id)?.filter((r) => r.field === "status").at(-1);
}

const isEnginePause = (r: ActionRecord | undefined): r is ActionRecord => r !== undefined && r.by === "autopilot" && r.newValue === "PAUSED";

/** Whether the engine's own last status change of the ad paused it. */
export function pausedByEngine(history: ReadonlyMap<string, ActionRecord[]>, a: AdCalibration): boolean {
  return isEnginePause(lastStatusChange(history, a));
}

/**
 * Log CTR × CVR of an ad as it would deliver tomorrow: click-through over its last 3 days of delivery
 * (a running ad's audience tires; a paused one's keeps the tiredness it had), its prior-pooled
 * click-through when it has too few impressions, and its conversion rate pooled toward the account's.
 */
export function adQuality(a: AdCalibration): { mu: number; v: number } {
  const c = logBetaMoments(qualityCtr(a));
  const v = logBetaMoments(a.cvrPooled);
  return { mu: c.mu + v.mu, v: c.v + v.v };
}

/** Each ad's posterior chance of being the best per impression, from its log CTR × CVR (normal, mean mu, variance v). */
export function chancesOfBest(q: readonly { mu: number; v: number }[], rng: Rng): Float64Array {
  const wins = new Float64Array(q.length);
  const sd = q.map((x) => Math.sqrt(x.v));
  for (let m = 0; m < KEEP_DRAWS; m++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let j = 0; j < q.length; j++) {
      const value = q[j]!.mu + sd[j]! * rng.normal();
      if (value > bestValue) {
        bestValue = value;
        best = j;
      }
    }
    wins[best]! += 1 / KEEP_DRAWS;
  }
  return wins;
}

/**
 * Reversible keep-sets. In each ad set every candidate (its running ads whose page works, and the ads
 * the engine paused earlier that could run again) gets its posterior chance of being the best per
 * impression; those at `keepProbability` or above run and the platform splits the budget among them,
 * the others pause. Nothing is final: a paused ad whose chance rises again (its rival tires, or the
 * rival's conversions disappoint) comes back. An ad set never loses all its running ads in one plan.
 */
function keepSets(ctx: Context): AdMoves {
  const { cal } = ctx;
  const actions: ProposedAction[] = [];
  const pausedAds = new Set<string>();
  const revivedAds = new Set<string>();
  for (const set of cal.adSets) {
    const members = set.adIndexes.map((i) => cal.ads[i]!);
    const running = members.filter((a) => a.deliverable);
    const working = running.filter((a) => !linkDown(a));
    const broken = running.filter(linkDown);
    const revivedBefore = revivedAds.size;
    const candidates = [...working];
    for (const a of members) {
      if (a.ad.status !== "PAUSED" || a.ad.reviewStatus !== "APPROVED" || linkDown(a) || !pausedByEngine(ctx.history, a) || !mayAct(ctx, "unpause", a.ad.id)) continue;
      // Paused only because its page was down: back on the day the page loads, to be judged again on its own.
      if (wasPausedForLink(ctx, a)) {
        actions.push(unpauseAction(ctx, a, "broken_link", `Turned '${a.ad.name}' back on: it was paused because its landing page was down, and the page loads again`, null, null));
        revivedAds.add(a.ad.id);
      } else candidates.push(a);
    }
    pickKeepSet(ctx, candidates, broken, actions, pausedAds, revivedAds);
    // Pages down: pause those ads while an ad whose page works runs tomorrow (one running, or one this
    // plan turns back on); with every page down the budget step moves the money.
    if (working.length === 0 && revivedAds.size === revivedBefore) continue;
    for (const a of broken) {
      if (!mayAct(ctx, "pause", a.ad.id)) continue;
      actions.push(brokenLinkPause(ctx, a));
      pausedAds.add(a.ad.id);
    }
  }
  return { actions, pausedAds, revivedAds };
}

/**
 * One ad set's keep-set among its candidates (ads whose pages work: running, or paused by the engine
 * and able to come back). With one candidate there is nothing to compare; it comes back only when it
 * is paused and every running ad's page is down, since it is then the ad set's only working ad.
 */
function pickKeepSet(ctx: Context, candidates: AdCalibration[], broken: readonly AdCalibration[], actions: ProposedAction[], pausedAds: Set<string>, revivedAds: Set<string>): void {
  const { cal, rng } = ctx;
  const keepP = cal.settings.keepProbability;
  if (candidates.length === 1) {
    const only = candidates[0]!;
    if (only.ad.status === "PAUSED" && broken.length > 0) {
      actions.push(unpauseAction(ctx, only, "revive", `Turned '${only.ad.name}' back on: the landing page of '${broken[0]!.ad.name}' did not load at the last link check, and '${only.ad.name}' is the ad set's ad whose page works`, null, null));
      revivedAds.add(only.ad.id);
    }
    return;
  }
  if (candidates.length === 0) return;
  const q = candidates.map(adQuality);
  const wins = chancesOfBest(q, rng);
  let top = 0;
  for (let j = 1; j < candidates.length; j++) if (wins[j]! > wins[top]! || (wins[j] === wins[top] && q[j]!.mu > q[top]!.mu)) top = j;
  const keep = candidates.map((_, j) => j === top || wins[j]! >= keepP);
  // Never leave the ad set without a running ad for a night: keep its best running ad until a revived one has run.
  const keepsRunning = candidates.some((a, j) => keep[j] && a.ad.status === "ACTIVE");
  let bestRunning = -1;
  if (!keepsRunning) for (let j = 0; j < candidates.length; j++) if (candidates[j]!.ad.status === "ACTIVE" && (bestRunning < 0 || q[j]!.mu > q[bestRunning]!.mu)) bestRunning = j;
  const leader = candidates[top]!;
  for (let j = 0; j < candidates.length; j++) {
    const a = candidates[j]!;
    const test = ctx.tests.get(a.ad.id);
    if (a.ad.status === "ACTIVE" && !keep[j] && j !== bestRunning && test?.inTest) {
      // A new creative in test runs until it has its evidence, unless it takes more of the ad set's spend than a test may.
      if (test.share3 > cal.settings.creativeTestMaxShare && mayAct(ctx, "pause", a.ad.id)) {
        actions.push(pauseAction(ctx, a, "creative_test_cap", `Paused '${a.ad.name}': it took ${pct(test.share3)} of the ad set's spend in its test over the last 3 days, above the ${pct(cal.settings.creativeTestMaxShare)} a test may take, with a ${chance(wins[j]!)} chance of being the best ad (against '${leader.ad.name}', after ${countText(a.clicksSeen, "click")} and ${countText(a.conversionsSeen, "purchase")}); it comes back if the evidence turns`, evidenceOf(a.window, cal.settings.windowDays, wins[j]!, "being the ad set's best ad per impression")));
        pausedAds.add(a.ad.id);
      }
    } else if (a.ad.status === "ACTIVE" && !keep[j] && j !== bestRunning && mayAct(ctx, "pause", a.ad.id)) {
      const ratio = Math.exp(q[j]!.mu - q[top]!.mu);
      const worse = normalCdf((q[top]!.mu - q[j]!.mu) / Math.sqrt(q[top]!.v + q[j]!.v));
      actions.push(
        pauseAction(
          ctx,
          a,
          "pause_loser",
          `Paused '${a.ad.name}': it converts ${ratio.toFixed(2)}× as well per impression as '${leader.ad.name}' with ${chance(worse)} confidence after ${countText(a.clicksSeen, "click")} and ${countText(a.conversionsSeen, "purchase")} (click-through ${pctText(ctrMean(a))} against ${pctText(ctrMean(leader))}, purchases per click ${pctText(betaMean(a.cvrPooled))} against ${pctText(betaMean(leader.cvrPooled))}); it has a ${chance(wins[j]!)} chance of being the ad set's best, under the ${chance(keepP)} it takes to keep running. Its spend goes to '${leader.ad.name}', and it comes back if the evidence turns`,
          evidenceOf(a.window, cal.settings.windowDays, worse, `converting worse per impression than '${leader.ad.name}'`),
        ),
      );
      pausedAds.add(a.ad.id);
    } else if (a.ad.status === "PAUSED" && keep[j]) {
      const why =
        j === top
          ? `it is now the ad set's likely best per impression (${chance(wins[j]!)} chance; click-through ${pctText(ctrMean(a))}, purchases per click ${pctText(betaMean(a.cvrPooled))} after ${countText(a.clicksSeen, "click")} and ${countText(a.conversionsSeen, "purchase")})`
          : `it has a ${chance(wins[j]!)} chance of being the ad set's best per impression against '${leader.ad.name}' (click-through ${pctText(ctrMean(a))} against ${pctText(ctrMean(leader))}), enough to earn delivery again`;
      actions.push(unpauseAction(ctx, a, "revive", `Turned '${a.ad.name}' back on: ${why}`, wins[j]!, "being the ad set's best ad per impression"));
      revivedAds.add(a.ad.id);
    }
  }
}

function wasPausedForLink(ctx: Context, a: AdCalibration): boolean {
  const last = lastStatusChange(ctx.history, a);
  if (!last || !a.ad.linkCheck) return false;
  const pausedOn = new Date((ctx.cal.today - Math.floor((ctx.snapshot.clock.now - last.at) / (24 * HOUR_MS))) * 24 * HOUR_MS).toISOString().slice(0, 10);
  return a.ad.linkCheck.downDates.includes(pausedOn);
}

function unpauseAction(ctx: Context, a: AdCalibration, rule: "broken_link" | "revive", reason: string, probability: number | null, probabilityOf: string | null): ProposedAction {
  return {
    key: `unpause:${a.ad.id}`,
    kind: "unpause",
    rule,
    change: { objectType: "ad", objectId: a.ad.id, field: "status", oldValue: "PAUSED", newValue: "ACTIVE" },
    reason,
    evidence: evidenceOf(a.window, ctx.cal.settings.windowDays, probability, probabilityOf),
    expectedEffect: null,
  };
}

/** The click-through posterior behind an ad's quality: its last 3 days of delivery when they had enough impressions. */
export const qualityCtr = (a: AdCalibration): BetaPosterior => (a.lastCtr && a.lastCtr.alpha + a.lastCtr.beta > 500 ? a.lastCtr : a.ctr);

const ctrMean = (a: AdCalibration): number => betaMean(qualityCtr(a));

/** Whether the caller's latest link check found the ad's landing page down. */
export const linkDown = (a: AdCalibration): boolean => a.ad.linkCheck?.down === true;

/** Log CTR × CVR of a running ad, on its last 3 days' click-through when they had enough impressions (ads tire). */
function currentQuality(a: AdCalibration): { mu: number; v: number } {
  const recent = a.recentCtr && a.recentCtr.alpha + a.recentCtr.beta > 500 ? a.recentCtr : a.ctr;
  const c = logBetaMoments(recent);
  const v = logBetaMoments(a.cvr);
  return { mu: c.mu + v.mu, v: c.v + v.v };
}

/**
 * Log CTR × CVR of a paused ad, on the lowest click-through it showed (the window's, the week before
 * the last 3 days, the last 3 days): it may have tired before it was paused, and does not recover.
 */
function paused(a: AdCalibration): { mu: number; v: number } {
  let ctr = a.ctr;
  for (const other of [a.earlierCtr, a.recentCtr]) if (other && other.alpha + other.beta > 500 && betaMean(other) < betaMean(ctr)) ctr = other;
  const c = logBetaMoments(ctr);
  const v = logBetaMoments(a.cvr);
  return { mu: c.mu + v.mu, v: c.v + v.v };
}

function pauseAction(ctx: Context, a: AdCalibration, rule: "pause_over_target" | "pause_loser" | "broken_link" | "creative_test_cap", reason: string, evidence: Evidence): ProposedAction {
  const dailySpend = a.last7.spendMinor / 7;
  const lost = dailySpend * gammaMean(a.rate);
  const r = gammaInterval80(a.rate);
  return {
    key: `pause:${a.ad.id}`,
    kind: "pause",
    rule,
    change: { objectType: "ad", objectId: a.ad.id, field: "status", oldValue: "ACTIVE", newValue: "PAUSED" },
    reason,
    evidence,
    // Its spend moves to its siblings; the effect shown is what the paused ad itself was bringing in.
    expectedEffect: { conversionsPerDay: -round(lost), conversionsPerDayLow: -round(dailySpend * r.high), conversionsPerDayHigh: -round(dailySpend * r.low), spendPerDayMinor: 0 },
  };
}

const round = (x: number) => Math.round(x * 100) / 100;
const pctText = (x: number) => `${(x * 100).toFixed(2)}%`;

interface BudgetSlot {
  set: AdSetCalibration;
  current: number;
  lo: number;
  hi: number;
  target: number;
  next: number;
  /** The ad set's curve going forward, or null to fall back on its conversions alone. */
  curve: LogCurve | null;
  /** Log of the factor its curve is scaled by (landing pages down), 0 when none. */
  logPenalty: number;
}

/** Log-normal approximation of an ad set's curve coefficient k (conversions/day ≈ k·spend^b): mean and variance of log k. */
interface LogCurve {
  mu: number;
  v: number;
}

/**
 * An ad set's curve k going forward, from what it is made of: impressions per spend^b (its auction,
 * measured over the last 7 days and precise), × the click-through rate of its live ads (last 7 days;
 * clicks are plentiful, and recent days show fatigue), × their conversion rate per click (over the
 * window, lag-adjusted, pooled toward the account's: empirical Bayes worth `priorStrength`
 * conversions). Ads paused or about to be are left out, so an ad set that just lost its weak ads is
 * judged by the ones it keeps. Null when the ad set has no recent delivery to measure.
 */
function liveCurve(cal: Calibration, s: number, isLive: (a: AdCalibration) => boolean, accountCvr: number): LogCurve | null {
  const set = cal.adSets[s]!;
  const b = cal.settings.spendElasticity;
  const days = cal.adSetDailySpend[s]!;
  let curveSpend = 0;
  for (let age = 0; age < 7 && age < days.length; age++) if (days[age]! > 0) curveSpend += Math.pow(days[age]!, b);
  let impressions7 = 0;
  let liveImpressions = 0;
  let liveClicks = 0;
  let windowClicks = 0;
  let windowConversions = 0;
  for (const i of set.adIndexes) {
    const a = cal.ads[i]!;
    impressions7 += a.last7.impressions;
    if (!isLive(a)) continue;
    // Click-through over the last 3 days (ads tire as their audience sees them again).
    if (a.recentCtr) {
      liveImpressions += a.recentCtr.alpha + a.recentCtr.beta - 2;
      liveClicks += a.recentCtr.alpha - 1;
    }
    windowClicks += a.window.clickExposure;
    windowConversions += Math.min(a.window.clickExposure, a.window.conversions);
  }
  if (curveSpend <= 0 || impressions7 <= 0) return null;
  const learningFactor = set.learningTomorrow ? Math.log(cal.settings.learningEfficiency) : 0;
  if (cal.settings.valueAtBestAd) {
    // What the platform will deliver on: the ad set's best live ad per impression.
    let best: { mu: number; v: number } | null = null;
    for (const i of set.adIndexes) {
      const a = cal.ads[i]!;
      if (!isLive(a) || a.ctr.alpha + a.ctr.beta <= 0) continue;
      const q = adQuality(a);
      if (!best || q.mu > best.mu) best = q;
    }
    if (!best) return null;
    return { mu: Math.log(impressions7 / curveSpend) + best.mu + learningFactor, v: best.v };
  }
  if (liveImpressions <= 0) return null;
  const phi = 1 + windowConversions / 28 / cal.settings.dispersion;
  const k0 = cal.settings.priorStrength;
  const ctr = logBetaMoments({ alpha: 1 + liveClicks, beta: 1 + Math.max(0, liveImpressions - liveClicks) });
  const cvr = logBetaMoments({ alpha: k0 + windowConversions / phi, beta: k0 / Math.max(1e-6, accountCvr) - k0 + Math.max(0, windowClicks - windowConversions) / phi });
  return { mu: Math.log(impressions7 / curveSpend) + ctr.mu + cvr.mu + learningFactor, v: ctr.v + cvr.v };
}

/** Sum of the account's daily budgets that will spend: active ad sets in active campaigns with an active ad. */
export function activeDailyBudget(snapshot: AccountSnapshot, today: number, pausedAds: ReadonlySet<string>, revivedAds: ReadonlySet<string>, overrides?: ReadonlyMap<string, number>): number {
  const campaignActive = new Set(snapshot.campaigns.filter((c) => c.status === "ACTIVE").map((c) => c.id));
  const liveSets = new Set<string>();
  for (const ad of snapshot.ads) {
    const active = (ad.status === "ACTIVE" && !pausedAds.has(ad.id)) || revivedAds.has(ad.id);
    if (active && ad.reviewStatus === "APPROVED") liveSets.add(ad.adSetId);
  }
  let total = 0;
  for (const s of snapshot.adSets) {
    if (s.status !== "ACTIVE" || !campaignActive.has(s.campaignId) || !liveSets.has(s.id)) continue;
    total += dailyPace(s.budget, today, overrides?.get(s.id), hoursLeftToday(snapshot));
  }
  return total;
}

/** Share of today still to come at the snapshot's hour (the current hour counts as spent). */
export function hoursLeftToday(snapshot: AccountSnapshot): number {
  return Math.max(0, 23 - snapshot.clock.hour) / 24;
}

/**
 * A budget's daily pace, as the caps count it: a daily budget itself; a lifetime budget at its
 * planned pace (the amount over its schedule's days, what the advertiser set per day), never more
 * than what is left, and nothing once its schedule is over. Without a start date, the remainder
 * over the days left: the remainder is after today's spend so far, so today counts only for its
 * hours still to come (as for the monthly cap), and counting it whole would understate the pace.
 * Counting the planned pace keeps the daily budgets within the cap as a lifetime budget catches up
 * near its end, instead of trimming them every evening as the remainder's pace rises.
 */
export function dailyPace(budget: AccountSnapshot["adSets"][number]["budget"], today: number, override?: number, todayLeft = 1): number {
  if (budget.kind === "daily") return override ?? budget.amountMinor;
  const end = dayNumber(budget.endDate);
  const daysLeft = end - today + todayLeft;
  if (daysLeft <= 0) return 0;
  const remaining = Math.max(0, budget.amountMinor - budget.spentMinor);
  if (budget.startDate !== undefined) return Math.min(remaining, budget.amountMinor / Math.max(1, end - dayNumber(budget.startDate) + 1));
  return remaining / Math.max(1, daysLeft);
}

/** Days left in the calendar month, today included. */
export function monthDaysLeft(today: string): number {
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return daysInMonth - d + 1;
}

/**
 * The largest daily budget sum the monthly cap allows from now on: what is left of the month's cap
 * (month-to-date spend includes today's so far) spread over the days still to come, today counting
 * only for its hours not yet spent (the current hour counts as spent). On the month's last evening
 * the budgets set now govern next month, which starts with its whole cap, spread evenly.
 */
export function monthlyDailyLimit(snapshot: AccountSnapshot, monthlyCapMinor: number, legacy = false): number {
  const today = snapshot.clock.today;
  // The old rule, kept for comparisons: today counted as a whole day still to come although its spend is in.
  if (legacy) return (monthlyCapMinor - monthToDateSpend(snapshot)) / monthDaysLeft(today);
  const [y, m, d] = today.split("-").map(Number) as [number, number, number];
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const rest = daysInMonth - d + hoursLeftToday(snapshot);
  // In the month's last week, room for one day's over-delivery: a hard cap must hold on what is delivered, not only on budgets.
  const room = daysInMonth - d < MONTH_END_DAYS ? overDelivery(snapshot) - 1 : 0;
  const thisMonth = rest > 0 ? (monthlyCapMinor - monthToDateSpend(snapshot)) / (rest + room) : Infinity;
  if (daysInMonth - d >= 1) return thisMonth;
  const daysInNextMonth = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Math.min(thisMonth, monthlyCapMinor / daysInNextMonth);
}

/** Days before the month's end from which the monthly cap keeps room for a day's over-delivery. */
const MONTH_END_DAYS = 7;
/** Meta may deliver up to 25% over a daily budget on a day (and evens it out over the days after). */
const MAX_OVER_DELIVERY = 1.25;

/**
 * How far over its budgets the account's delivery runs on a day, from what it has shown: its largest
 * day's spend over the mean of its last 14 days, between 1 and Meta's 1.25. Budgets that move within
 * the total keep the account's daily spend near it, so the spread left is the platform's pacing.
 */
export function overDelivery(snapshot: AccountSnapshot): number {
  const byDate = new Map<string, number>();
  for (const row of snapshot.insights) byDate.set(row.date, (byDate.get(row.date) ?? 0) + row.spendMinor);
  const days = [...byDate.entries()].filter(([date]) => date <= snapshot.clock.today).sort(([x], [y]) => (x < y ? -1 : 1)).slice(-14).map(([, spend]) => spend);
  const mean = days.reduce((x, y) => x + y, 0) / Math.max(1, days.length);
  if (days.length < 2 || mean <= 0) return MAX_OVER_DELIVERY;
  return Math.min(MAX_OVER_DELIVERY, Math.max(1, Math.max(...days) / mean));
}

export function monthToDateSpend(snapshot: AccountSnapshot): number {
  if (snapshot.monthToDateSpendMinor !== undefined) return snapshot.monthToDateSpendMinor;
  // Dates are YYYY-MM-DD: the month's rows are those from its first day to today, compared as strings.
  const first = `${snapshot.clock.today.slice(0, 7)}-01`;
  const today = snapshot.clock.today;
  let total = 0;
  for (const row of snapshot.insights) if (row.date >= first && row.date <= today) total += row.spendMinor;
  return total;
}

type BudgetRule = "reallocate" | "scale_winner" | "cap_trim";

/**
 * Moves budget between ad sets, step by step: the ad sets whose daily budget may move and how far
 * (`budgetSlots`), the total they share under the caps (`budgetTotal`), each one's share from its
 * curve (`thompsonShares`) and the ad set that takes the full step to leave learning
 * (`learningExit`), the split of the total within each one's limits (`splitBudget`), and one action
 * per budget that moved (`budgetActions`).
 */
function reallocateBudgets(ctx: Context, pausedAds: ReadonlySet<string>, revivedAds: ReadonlySet<string>): ProposedAction[] {
  const isLive = (a: AdCalibration) => (a.deliverable && !pausedAds.has(a.ad.id)) || revivedAds.has(a.ad.id);
  const slots = budgetSlots(ctx, isLive);
  if (slots.length === 0) return [];
  const { total, rule } = budgetTotal(ctx, slots, pausedAds, revivedAds);
  const share = thompsonShares(ctx, slots);
  const settings = ctx.cal.settings;
  const exit = settings.graduationHorizonDays > 0 ? learningExit(slots, share, total, settings, ctx.snapshot.guardrails.maxChangePerStep) : null;
  const graduate = exit ? slots[exit.j]! : null;
  splitBudget(ctx, slots, share, total, rule, graduate);
  return budgetActions(ctx, slots, rule, graduate, exit);
}

/**
 * The ad sets whose daily budget may move: active, in an active campaign, with a live ad, enough
 * conversions to judge, and the guardrails' leave (action allowed, no cooldown, under the hourly
 * count). Each may move within ±step of its budget a day ago, never crossing back past the current
 * value's side.
 */
function budgetSlots(ctx: Context, isLive: (a: AdCalibration) => boolean): BudgetSlot[] {
  const { cal, snapshot } = ctx;
  const g = snapshot.guardrails;
  const settings = cal.settings;
  const now = snapshot.clock.now;
  const step = g.maxChangePerStep;
  let accountClicks = 0;
  let accountConversions = 0;
  for (const a of cal.ads) {
    accountClicks += a.window.clickExposure;
    accountConversions += Math.min(a.window.clickExposure, a.window.conversions);
  }
  const accountCvr = (accountConversions + 1) / (accountClicks + 50);
  const slots: BudgetSlot[] = [];
  for (const set of cal.adSets) {
    const s = set.adSet;
    if (s.status !== "ACTIVE" || !set.campaignActive || s.budget.kind !== "daily") continue;
    let live = false;
    let pageUp = false;
    for (const i of set.adIndexes) {
      if (!isLive(cal.ads[i]!)) continue;
      live = true;
      if (!linkDown(cal.ads[i]!)) pageUp = true;
    }
    // With keep-sets, ad sets are valued from their first day (click-through is known after one; the
    // conversion rate leans on the account's until its own arrives); otherwise after a target CPA of spend.
    // It still needs its own click-through measured: a thousand impressions in the last week.
    const tooEarly = set.status === "insufficient_data" && (!settings.keepSets || set.last7.impressions < 1000);
    if (!live || tooEarly || set.window.conversionsLagAdjusted < settings.minBudgetConversions || !mayAct(ctx, "change_budget", s.id)) continue;
    const records = ctx.history.get(s.id);
    if (budgetChangesLastHour(records, now) >= g.maxBudgetChangesPerHour) continue;
    const current = s.budget.amountMinor;
    const ref = budgetDayAgo(records, now, current);
    const lo = Math.max(1, Math.ceil(ref * (1 - step)));
    const hi = Math.floor(ref * (1 + step));
    const curve = liveCurve(cal, cal.adSetIndex.get(s.id)!, isLive, accountCvr);
    // Every live ad's landing page down: the ad set converts a small share of what it would.
    slots.push({ set, current, lo: Math.min(lo, current), hi: Math.max(hi, current), target: current, next: current, curve, logPenalty: pageUp ? 0 : Math.log(settings.brokenLinkEfficiency) });
  }
  return slots;
}

/**
 * The total the slots share: what they have now; less when the daily budget cap or the month's
 * projected spend is exceeded (`cap_trim`); more when there is room under the caps and some ad set is
 * very likely under target (`scale_winner`, up to what those winners may take in one step).
 */
function budgetTotal(ctx: Context, slots: readonly BudgetSlot[], pausedAds: ReadonlySet<string>, revivedAds: ReadonlySet<string>): { total: number; rule: BudgetRule } {
  const { cal, snapshot } = ctx;
  const g = snapshot.guardrails;
  const settings = cal.settings;
  const currentTotal = slots.reduce((x, s) => x + s.current, 0);
  const others = activeDailyBudget(snapshot, cal.today, pausedAds, revivedAds) - currentTotal;
  let capRoom = Infinity;
  if (g.dailyBudgetCapMinor !== null) capRoom = Math.min(capRoom, g.dailyBudgetCapMinor - others - currentTotal);
  if (g.monthlyBudgetCapMinor !== null) {
    capRoom = Math.min(capRoom, Math.floor(monthlyDailyLimit(snapshot, g.monthlyBudgetCapMinor, settings.legacyMonthPacing)) - others - currentTotal);
  }
  if (capRoom < 0) return { total: Math.max(slots.reduce((x, s) => x + s.lo, 0), currentTotal + capRoom), rule: "cap_trim" };
  if (capRoom > 0 && Number.isFinite(capRoom) && g.allowedActions.includes("change_budget")) {
    let winnersRoom = 0;
    for (const slot of slots) {
      const miss = probMissesTarget(ctx, slot.set.rate, slot.set.revenuePerConversionMinor);
      if (miss && 1 - miss.p >= settings.scaleProbability && slot.set.status === "ok") winnersRoom += slot.hi - slot.current;
    }
    if (winnersRoom > 0) return { total: currentTotal + Math.min(capRoom, winnersRoom), rule: "scale_winner" };
  }
  return { total: currentTotal, rule: "reallocate" };
}

/**
 * Each slot's share of the total by Thompson sampling: each draw of the curves' k gives an optimal
 * split ∝ k^(1/(1−b)); the shares are the average split over the draws.
 */
function thompsonShares(ctx: Context, slots: readonly BudgetSlot[]): Float64Array {
  const { rng } = ctx;
  const settings = ctx.cal.settings;
  const n = slots.length;
  const share = new Float64Array(n);
  const exponent = 1 / (1 - settings.spendElasticity);
  const draws = new Float64Array(n);
  // Posteriors precomputed: log k ~ Normal(mu, sd²) per slot (sd < 0 marks a Gamma posterior, drawn as such).
  const mu = new Float64Array(n);
  const sd = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const c = slots[j]!.curve;
    mu[j] = c ? c.mu + slots[j]!.logPenalty : 0;
    sd[j] = c ? Math.sqrt(c.v) : -1;
  }
  for (let m = 0; m < settings.thompsonSamples; m++) {
    let max = 0;
    for (let j = 0; j < n; j++) {
      draws[j] = (sd[j]! >= 0 ? mu[j]! + sd[j]! * rng.normal() : Math.log(Math.max(1e-300, sampleGamma(rng, slots[j]!.set.curve))) + slots[j]!.logPenalty) * exponent;
      if (j === 0 || draws[j]! > max) max = draws[j]!;
    }
    let sum = 0;
    for (let j = 0; j < n; j++) sum += draws[j] = Math.exp(draws[j]! - max);
    for (let j = 0; j < n; j++) share[j]! += draws[j]! / sum / settings.thompsonSamples;
  }
  return share;
}

/**
 * Sets each slot's `target` and `next`: the graduating ad set (if any) takes its full step, the
 * others share what is left by their shares above an exploration floor, each stepping toward its
 * target within its limits (a move inside the dead band is none). Then the sum is fixed to the total
 * by moving the slots that have room, in proportion to their room.
 */
function splitBudget(ctx: Context, slots: BudgetSlot[], share: Float64Array, total: number, rule: BudgetRule, graduate: BudgetSlot | null): void {
  const settings = ctx.cal.settings;
  const n = slots.length;
  const floor = settings.explorationFloor / n;
  let floorSum = 0;
  for (let j = 0; j < n; j++) floorSum += Math.max(share[j]!, floor);
  const graduateIndex = graduate ? slots.indexOf(graduate) : -1;
  const restWeight = graduate ? floorSum - Math.max(share[graduateIndex]!, floor) : floorSum;
  const rest = graduate ? Math.max(0, total - graduate.hi) : total;
  for (let j = 0; j < n; j++) {
    const slot = slots[j]!;
    if (slot === graduate) {
      slot.target = slot.next = slot.hi;
      continue;
    }
    slot.target = restWeight > 0 ? (Math.max(share[j]!, floor) / restWeight) * rest : 0;
    if (Math.abs(slot.target - slot.current) < settings.deadBand * slot.current) slot.lo = slot.hi = slot.current;
    slot.next = Math.min(slot.hi, Math.max(slot.lo, Math.round(slot.target)));
  }
  for (let iter = 0; iter < 8; iter++) {
    const diff = total - slots.reduce((x, s) => x + s.next, 0);
    if (Math.abs(diff) < 1) break;
    // An ad set given the full step to leave learning keeps it while the others can make room.
    const room = slots.map((s) => (diff > 0 ? s.hi - s.next : s === graduate ? 0 : s.next - s.lo));
    const roomSum = room.reduce((x, y) => x + y, 0);
    if (roomSum <= 0) break;
    slots.forEach((s, j) => {
      const move = (diff * room[j]!) / roomSum;
      s.next = Math.min(s.hi, Math.max(s.lo, diff > 0 ? s.next + Math.floor(move) : s.next + Math.ceil(move)));
    });
  }
  // Integer rounding may leave the sum a few units over: take them from the largest raise.
  let over = slots.reduce((x, s) => x + s.next, 0) - Math.max(total, 0);
  if (rule !== "reallocate" || over > 0) {
    for (const s of [...slots].sort((x, y) => y.next - y.current - (x.next - x.current))) {
      if (over <= 0) break;
      const take = Math.min(over, s.next - s.lo);
      s.next -= take;
      over -= take;
    }
  }
}

/** One `change_budget` action per slot whose budget moved, with its reason in words, evidence and expected effect. */
function budgetActions(ctx: Context, slots: readonly BudgetSlot[], rule: BudgetRule, graduate: BudgetSlot | null, exit: { days: number; gain: number } | null): ProposedAction[] {
  const { cal, snapshot, currency } = ctx;
  const settings = cal.settings;
  const b = settings.spendElasticity;
  const step = snapshot.guardrails.maxChangePerStep;
  const actions: ProposedAction[] = [];
  const target = snapshot.guardrails.targetCpaMinor;
  const accCpa = 1 / gammaMean(cal.accountRate);
  for (const slot of slots) {
    if (slot.next === slot.current) continue;
    const set = slot.set;
    const up = slot.next > slot.current;
    const t = set.last7;
    const cpa = t.conversionsLagAdjusted > 0 ? t.spendMinor / t.conversionsLagAdjusted : Infinity;
    let why: string;
    if (target !== null && Number.isFinite(cpa)) {
      why = `its CPA ${cpaText(cpa, currency)} is ${pct(cpa / target - 1)} ${cpa <= target ? "under" : "over"} your ${cpaText(target, currency)} target over 7 days, ${conversionsText(t.conversionsLagAdjusted)}`;
    } else {
      why = `it converts at ${cpaText(cpa, currency)} per conversion over 7 days (${conversionsText(t.conversionsLagAdjusted)}) against ${cpaText(accCpa, currency)} for the account`;
    }
    const prefix = up ? "Raised" : "Lowered";
    const tail =
      rule === "cap_trim" && !up
        ? "; the account's budgets were above your cap"
        : slot === graduate && up && exit
          ? `; it gets the full ${pct(step)} step to leave Meta's learning phase: ${Math.round(set.conversionsSinceLaunch)} of ${settings.learningConversions} conversions since launch, about ${exit.days} more day${exit.days === 1 ? "" : "s"} at this pace, sooner than any other ad set, and about ${exit.gain.toFixed(0)} more conversions over the next ${settings.graduationHorizonDays} days than keeping the split`
          : set.status === "learning"
          ? `; it is still learning (${Math.round(set.weeklyConversions)} of ${settings.learningConversions} conversions this week), so the step stays within ${pct(step)}`
          : "";
    const k = gammaMean(set.curve);
    const r = gammaInterval80(set.curve);
    const delta = Math.pow(slot.next, b) - Math.pow(slot.current, b);
    const miss = probMissesTarget(ctx, set.rate, set.revenuePerConversionMinor);
    why += posteriorWords(up, miss, k * delta, r.low * delta, r.high * delta);
    actions.push({
      key: `budget:${set.adSet.id}`,
      kind: "change_budget",
      rule: up && rule === "scale_winner" ? "scale_winner" : rule === "cap_trim" ? "cap_trim" : "reallocate",
      change: { objectType: "ad_set", objectId: set.adSet.id, field: "daily_budget", oldValue: slot.current, newValue: slot.next },
      reason: `${prefix} '${set.adSet.name}' daily budget from ${money(slot.current, currency)} to ${money(slot.next, currency)}: ${why}${tail}`,
      evidence: evidenceOf(t, 7, miss ? (up ? 1 - miss.p : miss.p) : null, miss ? (up ? "meeting the target" : miss.what) : null),
      expectedEffect: {
        conversionsPerDay: round(k * delta),
        conversionsPerDayLow: round(Math.min(r.low * delta, r.high * delta)),
        conversionsPerDayHigh: round(Math.max(r.low * delta, r.high * delta)),
        spendPerDayMinor: slot.next - slot.current,
      },
    });
  }
  return actions;
}

/**
 * Learning exit. Meta delivers an ad set in its learning phase below par until it has about 50
 * conversions since launch or a significant edit ("Learning phase", Meta Business Help Centre), and
 * an ad set on a small share of the budget may never get there. Forecasts, deterministically from
 * every ad set's curve at its settled rate (posterior mean of k, the learning discount taken off), the
 * account's conversions over the horizon under the split as it stands and, for each ad set still
 * learning, under its fastest exit: its budget raised by the full step every day (a change within
 * the step does not restart learning), the others sharing what is left in the same proportions.
 * Returns the ad set whose exit brings the most, when that is more than keeping the split brings and it
 * leaves learning within the horizon; else null.
 */
export function learningExit(slots: readonly BudgetSlot[], share: Float64Array, total: number, settings: EngineSettings, step: number): { j: number; days: number; gain: number } | null {
  const n = slots.length;
  const b = settings.spendElasticity;
  const e = settings.learningEfficiency;
  const horizon = settings.graduationHorizonDays;
  if (n < 2 || total <= 0 || e >= 1) return null;
  // Conversions a day on today's split once settled (k·spend^b), and conversions each still needs to leave learning.
  const settled = new Float64Array(n);
  const k = new Float64Array(n);
  const toGo = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const slot = slots[j]!;
    const learning = slot.set.learningTomorrow;
    k[j] = slot.curve ? Math.exp(slot.curve.mu + slot.curve.v / 2 + slot.logPenalty - (learning ? Math.log(e) : 0)) : gammaMean(slot.set.curve);
    settled[j] = k[j]! * Math.pow(share[j]! * total, b);
    toGo[j] = learning ? Math.max(0, settings.learningConversions - slot.set.conversionsSinceLaunch) : 0;
  }
  const left = new Float64Array(n);
  const forecast = (g: number): { conversions: number; days: number } => {
    left.set(toGo);
    let conversions = 0;
    let days = -1;
    let budget = g >= 0 ? slots[g]!.current : 0;
    const restShare = g >= 0 ? 1 - share[g]! : 1;
    for (let t = 1; t <= horizon; t++) {
      // The others' spend scales with what the graduating ad set leaves: one power per day.
      let scale = 1;
      if (g >= 0) {
        // Never less than the split gives it: the forecast keeping the split does not model the step either.
        budget = Math.min(total, Math.max(budget * (1 + step), share[g]! * total));
        scale = restShare > 0 ? Math.pow((total - budget) / (restShare * total), b) : 0;
      }
      for (let j = 0; j < n; j++) {
        const perDay = j === g ? k[j]! * Math.pow(budget, b) : settled[j]! * scale;
        if (perDay <= 0) continue;
        const learning = left[j]! > 0;
        conversions += learning ? perDay * e : perDay;
        if (!learning) continue;
        left[j]! -= perDay * e;
        if (j === g && left[j]! <= 0) days = t;
      }
    }
    return { conversions, days };
  };
  const keep = forecast(-1).conversions;
  let best: { j: number; days: number; gain: number } | null = null;
  for (let j = 0; j < n; j++) {
    const slot = slots[j]!;
    if (toGo[j]! <= 0 || !slot.curve || slot.hi <= slot.current) continue;
    const f = forecast(j);
    if (f.days < 0 || f.conversions <= keep) continue;
    if (!best || f.conversions - keep > best.gain) best = { j, days: f.days, gain: f.conversions - keep };
  }
  return best;
}

/**
 * The posterior a budget move acted on, in words: the chance the ad set meets (or misses) the
 * target, and the conversions a day the move is expected to add or give up, with the 80% interval
 * of the ad set's response curve (valued at its live ads, so at its best ad once that is known).
 */
function posteriorWords(up: boolean, miss: { p: number; what: string } | null, mean: number, low: number, high: number): string {
  const odds = miss ? (up ? `${chance(1 - miss.p)} chance it meets the target` : `${chance(miss.p)} chance of ${miss.what}`) : "";
  const [lo, hi] = [Math.min(Math.abs(low), Math.abs(high)), Math.max(Math.abs(low), Math.abs(high))];
  const size = Math.abs(mean);
  if (size < 0.05) return odds ? `; ${odds}` : "";
  const effect = `about ${size.toFixed(1)} ${up ? "more" : "fewer"} conversions a day expected here (80% interval ${lo.toFixed(1)}–${hi.toFixed(1)})`;
  return odds ? `; ${odds}, and ${effect}` : `; ${effect}`;
}

function flagFatigue(ctx: Context): ProposedAction[] {
  const { cal, currency } = ctx;
  const out: ProposedAction[] = [];
  for (const a of cal.ads) {
    if (!a.deliverable || !a.recentCtr || !a.earlierCtr || !mayAct(ctx, "notify", a.ad.id)) continue;
    const recent = betaMean(a.recentCtr);
    const earlier = betaMean(a.earlierCtr);
    if (a.earlierCtr.alpha < 20 || recent > earlier * (1 - cal.settings.fatigueDrop)) continue;
    const scaled = { alpha: a.earlierCtr.alpha * (1 - cal.settings.fatigueDrop), beta: a.earlierCtr.beta + a.earlierCtr.alpha * cal.settings.fatigueDrop };
    const p = probBetaLess(a.recentCtr, scaled);
    if (p < cal.settings.fatigueProbability) continue;
    const freq = a.recentFrequency !== null ? ` at a frequency of ${a.recentFrequency.toFixed(1)}` : "";
    out.push({
      key: `notify:fatigue:${a.ad.id}`,
      kind: "notify",
      rule: "fatigue",
      change: { objectType: "ad", objectId: a.ad.id, field: "none", oldValue: null, newValue: null },
      reason: `Creative fatigue on '${a.ad.name}': its click-through rate fell from ${(earlier * 100).toFixed(2)}% to ${(recent * 100).toFixed(2)}% (${pct(recent / earlier - 1)} down) over the last 3 days${freq}; rotate in a fresh creative (it spent ${money(a.last7.spendMinor, currency)} this week)`,
      evidence: evidenceOf(a.last7, 7, p, `click-through rate down at least ${pct(cal.settings.fatigueDrop)}`),
      expectedEffect: null,
    });
  }
  return out;
}

/** All proposals for the account, before the final guardrail check. */
export function decide(snapshot: AccountSnapshot, cal: Calibration, rng: Rng): ProposedAction[] {
  const ctx: Context = {
    snapshot,
    cal,
    rng,
    history: historyByObject(snapshot.history),
    allowedObjects: new Set(snapshot.capabilities.objectIds),
    currency: snapshot.currency,
    missWhat: missWhatOf(snapshot),
    tests: snapshot.ads.some((a) => a.createdDate !== undefined) ? creativeTests(snapshot, cal) : new Map(),
  };
  const { actions, pausedAds, revivedAds } = cal.settings.keepSets ? keepSets(ctx) : pauseAndReviveAds(ctx);
  return [...actions, ...reallocateBudgets(ctx, pausedAds, revivedAds), ...flagFatigue(ctx)];
}
