import { dateOfDay, dayNumber, weekday } from "../hub/ads/adTime.ts";
import { ATTRIBUTION_LAG, type DailyInsightInput } from "../hub/ads/insights.service.ts";
import { hashSeed, Mulberry32, type Rng } from "../random.ts";

/**
 * The delivery simulator's ad market: a world of accounts, campaigns, ad sets and ads whose hidden
 * true parameters turn budgets and statuses into daily delivery. Pure and deterministic: the same
 * world, state and random stream give the same day.
 *
 * The world holds what an advertiser configures (budgets, statuses; policies may edit these) and
 * each object's `truth` (what no policy may read). The state holds what the market remembers
 * (spend so far, learning, frequency, review outcomes). Money is in minor currency units.
 *
 * Per ad set, impressions answer total spend on a concave curve, impressions = a·spend^b with
 * b < 1 (a chosen so the curve meets the base CPM at the ad set's reference spend); each ad gets
 * impressions in proportion to its share of the ad set's spend, split by the platform's own estimate
 * of each ad (`platformWeights`). The expected conversions of an ad
 * are impressions × CTR × fatigue × CVR × seasonality × learning × site-up; `expectationContext`
 * exposes exactly these factors so the oracle and the simulator share one definition.
 */

export type RunStatus = "ACTIVE" | "PAUSED";
export type ReviewStatus = "APPROVED" | "PENDING_REVIEW" | "DISAPPROVED";

export interface SimAccount {
  id: string;
  currency: string;
  timezone: string;
  /** Lifetime spend cap of the account; null for none. */
  spendCapMinor: number | null;
}

export interface SimCampaign {
  id: string;
  accountId: string;
  status: RunStatus;
}

export type SimBudget =
  | { kind: "daily"; amountMinor: number }
  /** Spent evenly up to and including `endDay`; never exceeded. */
  | { kind: "lifetime"; amountMinor: number; endDay: number };

export interface AdSetTruth {
  /** Exponent b of impressions = a·spend^b, 0.6–0.9. */
  curveExponent: number;
  /** CPM at the reference spend, before auction noise. */
  baseCpmMinor: number;
  /** Daily spend at which the curve's CPM equals baseCpmMinor. */
  referenceSpendMinor: number;
  /** People the ad set can reach; frequency is impressions over this. */
  audienceSize: number;
}

export interface SimAdSet {
  id: string;
  campaignId: string;
  status: RunStatus;
  budget: SimBudget;
  truth: AdSetTruth;
}

export interface AdTruth {
  /** Link clicks per impression for a fresh audience. */
  ctr: number;
  /** Purchases per link click, before seasonality and learning. */
  cvr: number;
  averageOrderValueMinor: number;
  /** CTR falls as exp(−fatigueRate × cumulative frequency). */
  fatigueRate: number;
  /** Day on which review disapproves the ad, or null. */
  disapprovalDay: number | null;
}

export interface SimAd {
  id: string;
  adSetId: string;
  status: RunStatus;
  reviewStatus: ReviewStatus;
  destinationUrl: string;
  truth: AdTruth;
}

/** A day range, both ends included. */
export interface DayWindow {
  startDay: number;
  endDay: number;
}

export interface SimSite {
  url: string;
  /** Days on which the site errors or times out: clicks arrive, purchases do not. */
  downWindows: DayWindow[];
}

export interface DemandEvent extends DayWindow {
  /** Multiplies conversion rates (a sale, a holiday). */
  cvrMultiplier: number;
  /** Multiplies CPM (competition for the same days). */
  cpmMultiplier: number;
}

export interface MarketSettings {
  /** CVR multipliers by weekday, 0 = Sunday … 6 = Saturday. */
  weekdayCvr: readonly number[];
  events: readonly DemandEvent[];
  /** Log-scale spread of the daily auction price per ad set. */
  cpmNoiseSigma: number;
  /** Spend pacing: daily factor around 1, never above maxOverspend. */
  pacingSigma: number;
  /** Largest day's spend as a multiple of a daily budget (1.25 on Meta). */
  maxOverspend: number;
  /** Negative binomial dispersion r of daily conversions (variance = μ + μ²/r). */
  conversionDispersion: number;
  /** Share of conversions reported 0…7 days after the click day; sums to 1. */
  attributionLag: readonly number[];
  /** Conversions an ad set needs after launch or a significant edit to leave learning. */
  learningConversions: number;
  /** Conversion efficiency while learning (below 1). */
  learningEfficiency: number;
  /** A budget change by more than this fraction is a significant edit. */
  significantBudgetChange: number;
  /** Conversion efficiency of an ad whose site is down. */
  siteDownEfficiency: number;
  /** Non-link clicks (likes, profile taps) per impression. */
  otherClickRate: number;
}

export interface World {
  seed: number;
  /** Calendar day of day index 0, YYYY-MM-DD (in every account's own time zone). */
  startDate: string;
  accounts: SimAccount[];
  campaigns: SimCampaign[];
  adSets: SimAdSet[];
  ads: SimAd[];
  sites: SimSite[];
  market: MarketSettings;
}

export const DEFAULT_MARKET: MarketSettings = {
  // Weekends convert better for retail: Saturday and Sunday ~15–20% above mid-week.
  weekdayCvr: [1.2, 0.95, 0.92, 0.93, 0.96, 1.04, 1.15],
  events: [],
  cpmNoiseSigma: 0.15,
  pacingSigma: 0.1,
  maxOverspend: 1.25,
  conversionDispersion: 3,
  // The lag model insights' attribution windows read too (1d_click against 7d_click).
  attributionLag: ATTRIBUTION_LAG,
  learningConversions: 50,
  learningEfficiency: 0.7,
  significantBudgetChange: 0.2,
  siteDownEfficiency: 0.02,
  otherClickRate: 0.004,
};

export const MAX_LAG_DAYS = 7;

export interface AdSetState {
  launched: boolean;
  learning: boolean;
  conversionsSinceReset: number;
  /** Budget the market last saw, to detect significant edits. */
  lastBudgetMinor: number;
  spentMinor: number;
}

export interface AdState {
  reviewStatus: ReviewStatus;
  cumulativeImpressions: number;
  /** What the platform's delivery system has seen of the ad: link clicks and purchases so far. */
  cumulativeClicks: number;
  cumulativeConversions: number;
  spentMinor: number;
}

export interface SimState {
  accountSpentMinor: number[];
  adSets: AdSetState[];
  ads: AdState[];
}

export interface AdDayDelivery {
  adId: string;
  adSetId: string;
  campaignId: string;
  accountId: string;
  dayIndex: number;
  date: string;
  impressions: number;
  reach: number;
  clicks: number;
  linkClicks: number;
  spendMinor: number;
  /** Eventual conversions of this day's clicks (the truth once attribution settles). */
  conversions: number;
  revenueMinor: number;
  /** Conversions reported k = 0…7 days after this day. */
  conversionsByLag: number[];
  revenueByLag: number[];
  /** Cumulative frequency of the ad's audience at the start of the day. */
  frequencyBefore: number;
  learning: boolean;
  siteDown: boolean;
}

export interface AdSetDayDelivery {
  adSetId: string;
  accountId: string;
  budget: SimBudget;
  spendMinor: number;
  learning: boolean;
}

export type SimEvent =
  | { type: "ad_disapproved"; adId: string; dayIndex: number }
  | { type: "learning_reset"; adSetId: string; dayIndex: number; reason: "launch" | "budget_change" }
  | { type: "learning_exited"; adSetId: string; dayIndex: number };

export interface DayResult {
  dayIndex: number;
  date: string;
  /** Ads that delivered (spend > 0), in world order. */
  ads: AdDayDelivery[];
  adSets: AdSetDayDelivery[];
  events: SimEvent[];
}

/** Structure of the world as array indices, built once per world and cached. */
export interface WorldIndex {
  adSetOfAd: Int32Array;
  campaignOfAdSet: Int32Array;
  accountOfAdSet: Int32Array;
  adsOfAdSet: number[][];
  siteOfAd: Int32Array;
  adSetById: Map<string, number>;
  adById: Map<string, number>;
  startDay: number;
  lagCumulative: number[];
}

const indexCache = new WeakMap<World, WorldIndex>();

export function indexWorld(world: World): WorldIndex {
  const cached = indexCache.get(world);
  if (cached && cached.adSetOfAd.length === world.ads.length && cached.campaignOfAdSet.length === world.adSets.length) return cached;
  const accountById = new Map(world.accounts.map((a, i) => [a.id, i]));
  const campaignById = new Map(world.campaigns.map((c, i) => [c.id, i]));
  const adSetById = new Map(world.adSets.map((s, i) => [s.id, i]));
  const adById = new Map(world.ads.map((a, i) => [a.id, i]));
  const siteByUrl = new Map(world.sites.map((s, i) => [s.url, i]));
  const campaignOfAdSet = Int32Array.from(world.adSets, (s) => must(campaignById.get(s.campaignId), s.campaignId));
  const accountOfAdSet = Int32Array.from(campaignOfAdSet, (c) => must(accountById.get(world.campaigns[c]!.accountId), "account"));
  const adSetOfAd = Int32Array.from(world.ads, (a) => must(adSetById.get(a.adSetId), a.adSetId));
  const siteOfAd = Int32Array.from(world.ads, (a) => siteByUrl.get(a.destinationUrl) ?? -1);
  const adsOfAdSet: number[][] = world.adSets.map(() => []);
  adSetOfAd.forEach((s, i) => adsOfAdSet[s]!.push(i));
  let sum = 0;
  const lagCumulative = world.market.attributionLag.map((p) => (sum += p));
  lagCumulative[lagCumulative.length - 1] = 1;
  const index: WorldIndex = {
    adSetOfAd,
    campaignOfAdSet,
    accountOfAdSet,
    adsOfAdSet,
    siteOfAd,
    adSetById,
    adById,
    startDay: must(dayNumber(world.startDate), world.startDate),
    lagCumulative,
  };
  indexCache.set(world, index);
  return index;
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new TypeError(`simulator world refers to unknown ${what}`);
  return value;
}

export function initialState(world: World): SimState {
  return {
    accountSpentMinor: world.accounts.map(() => 0),
    adSets: world.adSets.map((s) => ({
      launched: false,
      learning: true,
      conversionsSinceReset: 0,
      lastBudgetMinor: s.budget.amountMinor,
      spentMinor: 0,
    })),
    ads: world.ads.map((a) => ({ reviewStatus: a.reviewStatus, cumulativeImpressions: 0, cumulativeClicks: 0, cumulativeConversions: 0, spentMinor: 0 })),
  };
}

export function dateOfIndex(world: World, dayIndex: number): string {
  return dateOfDay(indexWorld(world).startDay + dayIndex);
}

export function isSiteDown(site: SimSite | undefined, dayIndex: number): boolean {
  if (!site) return false;
  for (const w of site.downWindows) if (dayIndex >= w.startDay && dayIndex <= w.endDay) return true;
  return false;
}

/** Down windows of every destination site as calendar dates, for a landing-page server to mirror. */
export function siteDownWindows(world: World): { url: string; windows: { since: string; until: string }[] }[] {
  return world.sites.map((site) => ({
    url: site.url,
    windows: site.downWindows.map((w) => ({ since: dateOfIndex(world, w.startDay), until: dateOfIndex(world, w.endDay) })),
  }));
}

/** Expected impressions of an ad set spending `spendMinor`, before auction noise. */
export function curveImpressions(truth: AdSetTruth, spendMinor: number, cpmMultiplier = 1): number {
  if (spendMinor <= 0) return 0;
  const a = (1000 / truth.baseCpmMinor) * Math.pow(truth.referenceSpendMinor, 1 - truth.curveExponent);
  return (a * Math.pow(spendMinor, truth.curveExponent)) / cpmMultiplier;
}

function demandOn(market: MarketSettings, weekdayIndex: number, dayIndex: number): { cvr: number; cpm: number } {
  let cvr = market.weekdayCvr[weekdayIndex] ?? 1;
  let cpm = 1;
  for (const e of market.events) {
    if (dayIndex >= e.startDay && dayIndex <= e.endDay) {
      cvr *= e.cvrMultiplier;
      cpm *= e.cpmMultiplier;
    }
  }
  return { cvr, cpm };
}

/**
 * What one more day is worth in expectation, from the truth and the state at the start of the
 * day: per ad set the CPM multiplier, per ad the expected conversions and revenue per impression
 * (0 for ads that cannot deliver). Shared by the simulator and the oracle.
 */
export interface ExpectationContext {
  dayIndex: number;
  cpmMultiplier: number;
  /** Whether the ad can deliver today (statuses, review, ad set ends). */
  deliverable: Uint8Array;
  conversionsPerImpression: Float64Array;
  revenuePerImpression: Float64Array;
  /** Link clicks per impression after fatigue. */
  ctr: Float64Array;
  /** Conversions per link click after seasonality, learning and site state. */
  cvr: Float64Array;
  siteDown: Uint8Array;
  adSetLearning: Uint8Array;
}

/**
 * With `knownAsOf` (a day before `dayIndex`), review outcomes and site outages are those of that day:
 * what a causal observer knows in the evening about tomorrow (an outage or a disapproval that starts
 * tomorrow is seen a day late, as any policy sees it at best).
 */
export function expectationContext(world: World, state: SimState, dayIndex: number, knownAsOf = dayIndex): ExpectationContext {
  const index = indexWorld(world);
  const market = world.market;
  const demand = demandOn(market, weekday(index.startDay + dayIndex), dayIndex);
  const n = world.ads.length;
  const ctx: ExpectationContext = {
    dayIndex,
    cpmMultiplier: demand.cpm,
    deliverable: new Uint8Array(n),
    conversionsPerImpression: new Float64Array(n),
    revenuePerImpression: new Float64Array(n),
    ctr: new Float64Array(n),
    cvr: new Float64Array(n),
    siteDown: new Uint8Array(n),
    adSetLearning: new Uint8Array(world.adSets.length),
  };
  for (let s = 0; s < world.adSets.length; s++) ctx.adSetLearning[s] = learningToday(world, state, s) ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const ad = world.ads[i]!;
    const s = index.adSetOfAd[i]!;
    const adSet = world.adSets[s]!;
    const campaign = world.campaigns[index.campaignOfAdSet[s]!]!;
    const review = reviewOn(ad, state.ads[i]!, knownAsOf);
    const ended = adSet.budget.kind === "lifetime" && dayIndex > adSet.budget.endDay;
    const ok = ad.status === "ACTIVE" && adSet.status === "ACTIVE" && campaign.status === "ACTIVE" && review === "APPROVED" && !ended;
    if (!ok) continue;
    ctx.deliverable[i] = 1;
    const frequency = state.ads[i]!.cumulativeImpressions / adSet.truth.audienceSize;
    const ctr = ad.truth.ctr * Math.exp(-ad.truth.fatigueRate * frequency);
    const siteIndex = index.siteOfAd[i]!;
    const down = siteIndex >= 0 && isSiteDown(world.sites[siteIndex], knownAsOf);
    const cvr =
      ad.truth.cvr * demand.cvr * (ctx.adSetLearning[s] ? market.learningEfficiency : 1) * (down ? market.siteDownEfficiency : 1);
    ctx.siteDown[i] = down ? 1 : 0;
    ctx.ctr[i] = ctr;
    ctx.cvr[i] = cvr;
    ctx.conversionsPerImpression[i] = ctr * cvr;
    ctx.revenuePerImpression[i] = ctr * cvr * ad.truth.averageOrderValueMinor;
  }
  return ctx;
}

/** Review status on a day: the precomputed disapproval applies from its day on. */
function reviewOn(ad: SimAd, adState: AdState, dayIndex: number): ReviewStatus {
  if (adState.reviewStatus === "APPROVED" && ad.truth.disapprovalDay !== null && dayIndex >= ad.truth.disapprovalDay) return "DISAPPROVED";
  // Review of a pending ad takes a day.
  if (adState.reviewStatus === "PENDING_REVIEW" && dayIndex >= 1) return ad.truth.disapprovalDay === 0 ? "DISAPPROVED" : "APPROVED";
  return adState.reviewStatus;
}

/** Whether the ad set delivers in learning today, counting a significant budget edit made since yesterday. */
function learningToday(world: World, state: SimState, s: number): boolean {
  const st = state.adSets[s]!;
  if (!st.launched) return true;
  return st.learning || isSignificantEdit(world.market, st.lastBudgetMinor, world.adSets[s]!.budget.amountMinor);
}

function isSignificantEdit(market: MarketSettings, before: number, after: number): boolean {
  if (before <= 0) return after > 0;
  return Math.abs(after - before) / before > market.significantBudgetChange;
}

/** The ad set's spend target for the day before account caps: budget × pacing, capped. */
function adSetSpendTarget(world: World, state: SimState, s: number, dayIndex: number, pacing: number): number {
  const adSet = world.adSets[s]!;
  const budget = adSet.budget;
  if (budget.kind === "daily") {
    return Math.floor(budget.amountMinor * Math.min(pacing, world.market.maxOverspend));
  }
  if (dayIndex > budget.endDay) return 0;
  const remaining = budget.amountMinor - state.adSets[s]!.spentMinor;
  if (remaining <= 0) return 0;
  const daysLeft = budget.endDay - dayIndex + 1;
  return Math.min(remaining, Math.floor((remaining / daysLeft) * Math.min(pacing, world.market.maxOverspend)));
}

/** Prior weight of the platform's estimates: impressions for click-through, link clicks for conversion rate. */
const PLATFORM_PRIOR_IMPRESSIONS = 2000;
const PLATFORM_PRIOR_CLICKS = 100;

/**
 * The platform's split of an ad set's spend between its deliverable ads (`members`, world ad
 * indices): weights ∝ (predicted CTR × CVR)^sharpness, 0.5 while learning (it explores), 2 after.
 * The prediction is the platform's own estimate from what it has delivered, as a real delivery
 * system learns: each ad's clicks per impression and purchases per click so far, shrunk toward the
 * ad set's pooled rates (worth 2,000 impressions and 100 clicks). A new ad set starts with an even
 * split and sharpens as data arrives; the noise is the delivery's own, so the same world and
 * random streams give the same split. It never reads the ads' true rates.
 */
export function platformWeights(state: SimState, members: readonly number[], learning: boolean): number[] {
  let impressions = 0;
  let clicks = 0;
  let conversions = 0;
  for (const i of members) {
    const st = state.ads[i]!;
    impressions += st.cumulativeImpressions;
    clicks += st.cumulativeClicks;
    conversions += st.cumulativeConversions;
  }
  const ctrPrior = (clicks + 10) / (impressions + 1000);
  const cvrPrior = (conversions + 1) / (clicks + 50);
  const sharpness = learning ? 0.5 : 2;
  return members.map((i) => {
    const st = state.ads[i]!;
    const ctr = (st.cumulativeClicks + PLATFORM_PRIOR_IMPRESSIONS * ctrPrior) / (st.cumulativeImpressions + PLATFORM_PRIOR_IMPRESSIONS);
    const cvr = (st.cumulativeConversions + PLATFORM_PRIOR_CLICKS * cvrPrior) / (st.cumulativeClicks + PLATFORM_PRIOR_CLICKS);
    return Math.pow(ctr * cvr, sharpness);
  });
}

/** Splits an integer total in proportion to weights, exactly (largest remainder). */
export function splitInteger(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (total <= 0 || sum <= 0) return weights.map(() => 0);
  const raw = weights.map((w) => (total * w) / sum);
  const out = raw.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) out[order[k]![1]]! += 1;
  return out;
}

/**
 * One day of delivery. Mutates `state` (spend, frequency, learning, review) and returns per-ad
 * delivery. The random draws per day are a fixed sequence over the whole world whatever is active,
 * so two runs of the same world under different policies see the same noise for the same ad-day.
 */
export function simulateDay(world: World, state: SimState, dayIndex: number, rng: Rng): DayResult {
  const index = indexWorld(world);
  const market = world.market;
  const date = dateOfDay(index.startDay + dayIndex);
  const ctx = expectationContext(world, state, dayIndex);
  const events: SimEvent[] = [];
  const nSets = world.adSets.length;

  // Fixed-order draws: pacing and auction noise per ad set, a sub-seed per ad.
  const pacing = new Float64Array(nSets);
  const cpmNoise = new Float64Array(nSets);
  for (let s = 0; s < nSets; s++) {
    pacing[s] = rng.meanOneLogNormal(market.pacingSigma);
    cpmNoise[s] = rng.meanOneLogNormal(market.cpmNoiseSigma);
  }
  const adSeeds = new Uint32Array(world.ads.length);
  for (let i = 0; i < adSeeds.length; i++) adSeeds[i] = rng.nextUint32();

  // Review and learning transitions happen before delivery.
  for (let i = 0; i < world.ads.length; i++) {
    const adState = state.ads[i]!;
    const review = reviewOn(world.ads[i]!, adState, dayIndex);
    if (review !== adState.reviewStatus) {
      if (review === "DISAPPROVED") events.push({ type: "ad_disapproved", adId: world.ads[i]!.id, dayIndex });
      adState.reviewStatus = review;
    }
  }

  // Spend targets, then the account caps scale them down together.
  const targets = new Float64Array(nSets);
  const accountTargets = world.accounts.map(() => 0);
  for (let s = 0; s < nSets; s++) {
    const hasDeliverable = index.adsOfAdSet[s]!.some((i) => ctx.deliverable[i] === 1);
    if (!hasDeliverable) continue;
    targets[s] = adSetSpendTarget(world, state, s, dayIndex, pacing[s]!);
    accountTargets[index.accountOfAdSet[s]!]! += targets[s]!;
  }
  const accountScale = world.accounts.map((account, a) => {
    if (account.spendCapMinor === null || accountTargets[a]! <= 0) return 1;
    const remaining = Math.max(0, account.spendCapMinor - state.accountSpentMinor[a]!);
    return Math.min(1, remaining / accountTargets[a]!);
  });

  const ads: AdDayDelivery[] = [];
  const adSets: AdSetDayDelivery[] = [];
  for (let s = 0; s < nSets; s++) {
    const adSet = world.adSets[s]!;
    const setState = state.adSets[s]!;
    const a = index.accountOfAdSet[s]!;
    const spend = Math.floor(targets[s]! * accountScale[a]!);
    const learning = ctx.adSetLearning[s] === 1;
    if (adSet.status === "ACTIVE" && spend > 0) {
      if (!setState.launched) {
        setState.launched = true;
        setState.learning = true;
        setState.conversionsSinceReset = 0;
        events.push({ type: "learning_reset", adSetId: adSet.id, dayIndex, reason: "launch" });
      } else if (isSignificantEdit(market, setState.lastBudgetMinor, adSet.budget.amountMinor)) {
        setState.learning = true;
        setState.conversionsSinceReset = 0;
        events.push({ type: "learning_reset", adSetId: adSet.id, dayIndex, reason: "budget_change" });
      }
    }
    setState.lastBudgetMinor = adSet.budget.amountMinor;
    if (spend <= 0) continue;

    // The platform leans toward the ads it predicts convert best; while learning it explores more.
    const members = index.adsOfAdSet[s]!.filter((i) => ctx.deliverable[i] === 1);
    const spends = splitInteger(spend, platformWeights(state, members, learning));
    const setImpressions = curveImpressions(adSet.truth, spend, ctx.cpmMultiplier) * cpmNoise[s]!;
    let setConversions = 0;
    let setSpend = 0;
    for (let m = 0; m < members.length; m++) {
      const i = members[m]!;
      const adSpend = spends[m]!;
      if (adSpend <= 0) continue;
      const delivery = deliverAd(world, index, ctx, state, i, s, a, dayIndex, date, adSpend, (setImpressions * adSpend) / spend, rng.derive(adSeeds[i]!));
      setConversions += delivery.conversions;
      setSpend += adSpend;
      ads.push(delivery);
    }
    setState.spentMinor += setSpend;
    state.accountSpentMinor[a]! += setSpend;
    adSets.push({ adSetId: adSet.id, accountId: world.accounts[a]!.id, budget: { ...adSet.budget }, spendMinor: setSpend, learning });
    if (setState.learning) {
      setState.conversionsSinceReset += setConversions;
      if (setState.conversionsSinceReset >= market.learningConversions) {
        setState.learning = false;
        events.push({ type: "learning_exited", adSetId: adSet.id, dayIndex });
      }
    }
  }
  ads.sort((x, y) => index.adById.get(x.adId)! - index.adById.get(y.adId)!);
  return { dayIndex, date, ads, adSets, events };
}

function deliverAd(
  world: World,
  index: WorldIndex,
  ctx: ExpectationContext,
  state: SimState,
  i: number,
  s: number,
  a: number,
  dayIndex: number,
  date: string,
  spendMinor: number,
  meanImpressions: number,
  rng: Rng,
): AdDayDelivery {
  const ad = world.ads[i]!;
  const adSet = world.adSets[s]!;
  const adState = state.ads[i]!;
  const market = world.market;
  const impressions = Math.max(1, Math.round(meanImpressions));
  const audience = adSet.truth.audienceSize;
  const frequencyBefore = adState.cumulativeImpressions / audience;
  // People not yet reached today, from a Poisson model of impressions over the audience.
  const reach = Math.max(1, Math.min(impressions, Math.round(audience * (1 - Math.exp(-impressions / audience)))));
  const linkClicks = Math.min(impressions, rng.poisson(impressions * ctx.ctr[i]!));
  const clicks = Math.min(impressions, linkClicks + rng.poisson(impressions * market.otherClickRate));
  const conversions = Math.min(linkClicks, rng.negativeBinomial(linkClicks * ctx.cvr[i]!, market.conversionDispersion));
  const conversionsByLag = new Array<number>(MAX_LAG_DAYS + 1).fill(0);
  for (let c = 0; c < conversions; c++) conversionsByLag[rng.pickCumulative(index.lagCumulative)]! += 1;
  // An order's value is Gamma(4, AOV/4); the sum of n orders is Gamma(4n, AOV/4).
  const aovScale = ad.truth.averageOrderValueMinor / 4;
  const revenueByLag = conversionsByLag.map((n) => (n > 0 ? Math.round(rng.gamma(4 * n, aovScale)) : 0));
  adState.cumulativeImpressions += impressions;
  adState.cumulativeClicks += linkClicks;
  adState.cumulativeConversions += conversions;
  adState.spentMinor += spendMinor;
  return {
    adId: ad.id,
    adSetId: adSet.id,
    campaignId: adSet.campaignId,
    accountId: world.accounts[a]!.id,
    dayIndex,
    date,
    impressions,
    reach,
    clicks,
    linkClicks,
    spendMinor,
    conversions,
    revenueMinor: revenueByLag.reduce((x, y) => x + y, 0),
    conversionsByLag,
    revenueByLag,
    frequencyBefore,
    learning: ctx.adSetLearning[s] === 1,
    siteDown: ctx.siteDown[i] === 1,
  };
}

/**
 * A delivery as the insights row the hub stores. With `asOfDay`, conversions and revenue are those
 * reported by the end of that day (lag ≤ asOfDay − dayIndex); without it, the eventual truth.
 */
export function toInsightRow(delivery: AdDayDelivery, asOfDay?: number): DailyInsightInput {
  let conversions = delivery.conversions;
  let revenue = delivery.revenueMinor;
  if (asOfDay !== undefined) {
    const maxLag = asOfDay - delivery.dayIndex;
    conversions = 0;
    revenue = 0;
    for (let k = 0; k <= Math.min(maxLag, MAX_LAG_DAYS); k++) {
      conversions += delivery.conversionsByLag[k]!;
      revenue += delivery.revenueByLag[k]!;
    }
  }
  return {
    ad_id: delivery.adId,
    date: delivery.date,
    impressions: delivery.impressions,
    reach: delivery.reach,
    clicks: delivery.clicks,
    link_clicks: delivery.linkClicks,
    spend: delivery.spendMinor,
    conversions,
    revenue,
  };
}

/** Insight rows of every day up to `asOfDay`, as reported at the end of that day. */
export function reportedRows(days: readonly DayResult[], asOfDay: number): DailyInsightInput[] {
  const rows: DailyInsightInput[] = [];
  for (const day of days) if (day.dayIndex <= asOfDay) for (const d of day.ads) rows.push(toInsightRow(d, asOfDay));
  return rows;
}

/** Insight rows once attribution has settled. */
export function truthRows(days: readonly DayResult[]): DailyInsightInput[] {
  return days.flatMap((day) => day.ads.map((d) => toInsightRow(d)));
}

/** The world's own random stream for a day: any run of the same world sees the same one. */
export function dayRng(world: World, dayIndex: number): Rng {
  return new Mulberry32(hashSeed(world.seed, "day", dayIndex));
}

/** Runs `days` days from a fresh state, with one seeded stream per day. */
export function simulateDays(
  world: World,
  days: number,
  rngForDay: (dayIndex: number) => Rng = (d) => dayRng(world, d),
  state: SimState = initialState(world),
): { days: DayResult[]; state: SimState } {
  const out: DayResult[] = [];
  for (let d = 0; d < days; d++) out.push(simulateDay(world, state, d, rngForDay(d)));
  return { days: out, state };
}
