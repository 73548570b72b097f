/**
 * Calibration: per ad set and per ad Bayesian estimates from daily insights.
 *
 * - Conversions per unit spend are gamma-Poisson. Recent days are incomplete (attribution lag), so
 *   a day of age k contributes its spend × completeness(k) as exposure: the posterior is right
 *   about the eventual rate without guessing the missing conversions.
 * - Ad sets are also modelled on the curve conversions ≈ k·spend^b (diminishing returns), with a
 *   Gamma posterior on k, which is what budget allocation needs.
 * - Sparse objects are pooled: an ad's prior is centred on its ad set's rate, an ad set's on the
 *   account's, each worth `priorStrength` conversions. Older days are down-weighted (half-life)
 *   and busy objects' posteriors widened for over-dispersed daily counts.
 * - CTR and CVR are beta-binomial; revenue per conversion is pooled toward the account's.
 * - Learning: fewer than ~50 lag-adjusted conversions in 7 days is reported as learning; too
 *   little data at all (under one target CPA of spend and under 3 conversions) as insufficient.
 */
import { DEFAULT_SETTINGS, type EngineSettings } from "./settings.ts";
import { betaInterval80, betaMean, gammaInterval80, gammaMean, type BetaPosterior, type GammaPosterior } from "./stats.ts";
import type { AccountSnapshot, AdSetSnapshot, AdSnapshot, EstimateStatus, ObjectEstimate } from "./types.ts";

export const DAY_MS = 86_400_000;
export const dayNumber = (date: string): number => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);

export interface Totals {
  spendMinor: number;
  conversions: number;
  conversionsLagAdjusted: number;
  revenueMinor: number;
  impressions: number;
  clicks: number;
  /** Clicks × the completeness of their day's conversions: the exposure behind `conversions`. */
  clickExposure: number;
}

const emptyTotals = (): Totals => ({ spendMinor: 0, conversions: 0, conversionsLagAdjusted: 0, revenueMinor: 0, impressions: 0, clicks: 0, clickExposure: 0 });

export interface AdCalibration {
  ad: AdSnapshot;
  adSetIndex: number;
  /** Conversions per minor unit of spend. */
  rate: GammaPosterior;
  ctr: BetaPosterior;
  cvr: BetaPosterior;
  window: Totals;
  last7: Totals;
  /** CTR over the last 3 days and the 7 days before them, for fatigue. */
  recentCtr: BetaPosterior | null;
  earlierCtr: BetaPosterior | null;
  recentFrequency: number | null;
  /** CTR over the ad's last 3 days with delivery (a paused ad's audience keeps the tiredness it had). */
  lastCtr: BetaPosterior | null;
  /**
   * Conversion rate per click, pooled toward the account's (hierarchical), from every scanned day:
   * clicks weighted by their day's completeness and, on learning days, by the learning efficiency.
   */
  cvrPooled: BetaPosterior;
  /** Clicks and purchases behind `cvrPooled` (reported so far), for the explanations. */
  clicksSeen: number;
  conversionsSeen: number;
  deliverable: boolean;
}

export interface AdSetCalibration {
  adSet: AdSetSnapshot;
  campaignActive: boolean;
  /** Conversions per minor unit of spend, ads pooled. */
  rate: GammaPosterior;
  /** k of conversions/day ≈ k·spend^b. */
  curve: GammaPosterior;
  window: Totals;
  last7: Totals;
  weeklyConversions: number;
  /** Days with delivery in the window. */
  activeDays: number;
  status: EstimateStatus;
  note: string | null;
  adIndexes: number[];
  revenuePerConversionMinor: number;
  /** Whether the ad set is expected to deliver in its learning phase tomorrow (under 50 conversions since launch). */
  learningTomorrow: boolean;
  /** Lag-adjusted conversions since its launch, as the learning phase counts them (`learningConversions` once a launch is older than the window and unknown). */
  conversionsSinceLaunch: number;
}

export interface Calibration {
  settings: EngineSettings;
  today: number;
  accountRate: GammaPosterior;
  accountRevenuePerConversionMinor: number;
  adSets: AdSetCalibration[];
  ads: AdCalibration[];
  adSetIndex: Map<string, number>;
  adIndex: Map<string, number>;
  /** Daily spend per ad set over the window, by age (0 = today). */
  adSetDailySpend: Float64Array[];
  /** The account's conversion rate per click (learning-corrected), the centre of every ad's prior. */
  accountCvr: number;
}

export function completenessTable(lag: readonly number[]): number[] {
  let sum = 0;
  const total = lag.reduce((a, b) => a + b, 0) || 1;
  return lag.map((p) => (sum += p / total));
}

/**
 * Calibrates an account, step by step: where each ad set and ad sits in the window (`frameOf`), the
 * delivery summed per ad and per ad-set day (`sumDelivery`), each ad set's learning days
 * (`learningDays`), the click evidence for conversion rates (`clickEvidence`), the account's own
 * level (`accountLevel`), then each ad set (`calibrateAdSet`) and ad (`calibrateAd`) against it.
 */
export function calibrate(snapshot: AccountSnapshot, settings: EngineSettings = DEFAULT_SETTINGS): Calibration {
  const frame = frameOf(snapshot, settings);
  const delivery = sumDelivery(snapshot, frame);
  const learning = learningDays(snapshot, frame, delivery);
  const clicks = clickEvidence(snapshot, frame, delivery, learning);
  const account = accountLevel(frame, delivery, clicks);
  const adsOfSet: number[][] = Array.from({ length: frame.nSets }, () => []);
  for (let i = 0; i < frame.nAds; i++) if (frame.adSetOfAd[i]! >= 0) adsOfSet[frame.adSetOfAd[i]!]!.push(i);
  const adSets = snapshot.adSets.map((adSet, s) => calibrateAdSet(adSet, s, adsOfSet[s]!, frame, delivery, learning, account));
  const ads = snapshot.ads.map((ad, i) => calibrateAd(ad, i, adSets, frame, delivery, clicks, account));
  const { today, adSetIndex, adIndex } = frame;
  return {
    settings,
    today,
    accountRate: account.accountRate,
    accountRevenuePerConversionMinor: account.accountRevenuePerConversionMinor,
    adSets,
    ads,
    adSetIndex,
    adIndex,
    adSetDailySpend: delivery.setDaySpend,
    accountCvr: account.accountCvr,
  };
}

/** What every step reads: the window and its day weights, and where each ad set and ad sits. */
interface Frame {
  settings: EngineSettings;
  today: number;
  /** The window in days. */
  W: number;
  /** Share of a day's conversions reported by each age (attribution lag). */
  completeness: number[];
  weightByAge: Float64Array;
  target: number | null;
  adSetIndex: Map<string, number>;
  adIndex: Map<string, number>;
  campaignActive: Map<string, boolean>;
  nSets: number;
  nAds: number;
  /** Each ad's ad set index (−1 when its ad set is not in the snapshot). */
  adSetOfAd: Int32Array;
  /** Days an ad's landing page was down: its rows then measure the site, not the ad. */
  downDays: (Set<string> | null)[];
  /** Day numbers of the dates seen, filled by `sumDelivery`. */
  dayCache: Map<string, number>;
}

function frameOf(snapshot: AccountSnapshot, settings: EngineSettings): Frame {
  const adSetIndex = new Map(snapshot.adSets.map((s, i) => [s.id, i]));
  return {
    settings,
    today: dayNumber(snapshot.clock.today),
    W: settings.windowDays,
    completeness: completenessTable(settings.attributionLag),
    weightByAge: Float64Array.from({ length: settings.windowDays }, (_, age) => (Number.isFinite(settings.halfLifeDays) ? Math.pow(0.5, age / settings.halfLifeDays) : 1)),
    target: snapshot.guardrails.targetCpaMinor,
    adSetIndex,
    adIndex: new Map(snapshot.ads.map((a, i) => [a.id, i])),
    campaignActive: new Map(snapshot.campaigns.map((c) => [c.id, c.status === "ACTIVE"])),
    nSets: snapshot.adSets.length,
    nAds: snapshot.ads.length,
    adSetOfAd: Int32Array.from(snapshot.ads, (a) => adSetIndex.get(a.adSetId) ?? -1),
    downDays: snapshot.ads.map((a) => (a.linkCheck && a.linkCheck.downDates.length > 0 ? new Set(a.linkCheck.downDates) : null)),
    dayCache: new Map(),
  };
}

/** Delivery in the window (down-page days left out): weighted sums and totals per ad, and per ad set by day. */
interface Delivery {
  /** Per ad: half-life-weighted conversions, and weighted spend × completeness (the exposure). */
  adWConv: Float64Array;
  adWExpo: Float64Array;
  adWindow: Totals[];
  adLast7: Totals[];
  /** Per ad: clicks, impressions (ages 0–2), clicks, impressions (ages 3–9). */
  adRecent: Float64Array;
  /** Per ad: impressions and reach of ages 0–2. */
  adRecentReach: Float64Array;
  /** Per ad set, by age: spend, conversions as reported, conversions lag-adjusted. */
  setDaySpend: Float64Array[];
  setDayConv: Float64Array[];
  setDayConvAdj: Float64Array[];
}

function sumDelivery(snapshot: AccountSnapshot, frame: Frame): Delivery {
  const { nAds, nSets, W, today, completeness, weightByAge, adIndex, adSetOfAd, downDays, dayCache } = frame;
  const d: Delivery = {
    adWConv: new Float64Array(nAds),
    adWExpo: new Float64Array(nAds),
    adWindow: Array.from({ length: nAds }, emptyTotals),
    adLast7: Array.from({ length: nAds }, emptyTotals),
    adRecent: new Float64Array(nAds * 4),
    adRecentReach: new Float64Array(nAds * 2),
    setDaySpend: Array.from({ length: nSets }, () => new Float64Array(W)),
    setDayConv: Array.from({ length: nSets }, () => new Float64Array(W)),
    setDayConvAdj: Array.from({ length: nSets }, () => new Float64Array(W)),
  };
  // Rows come grouped by date or by ad: the last row's date usually answers without a lookup.
  let lastDate = "";
  let lastDay = 0;
  for (const row of snapshot.insights) {
    const i = adIndex.get(row.adId);
    if (i === undefined || downDays[i]?.has(row.date)) continue;
    let day = lastDay;
    if (row.date !== lastDate) {
      const cached = dayCache.get(row.date);
      if (cached === undefined) dayCache.set(row.date, (day = dayNumber(row.date)));
      else day = cached;
      lastDate = row.date;
      lastDay = day;
    }
    const age = today - day;
    if (!(age >= 0 && age < W)) continue;
    const c = completeness[Math.min(age, completeness.length - 1)]!;
    const w = weightByAge[age]!;
    d.adWConv[i]! += w * row.conversions;
    d.adWExpo[i]! += w * c * row.spendMinor;
    const adj = row.conversions / c;
    addRow(d.adWindow[i]!, row, adj, c);
    if (age < 7) addRow(d.adLast7[i]!, row, adj, c);
    if (age < 3) {
      d.adRecent[i * 4]! += row.clicks;
      d.adRecent[i * 4 + 1]! += row.impressions;
      d.adRecentReach[i * 2]! += row.impressions;
      d.adRecentReach[i * 2 + 1]! += row.reach ?? 0;
    } else if (age < 10) {
      d.adRecent[i * 4 + 2]! += row.clicks;
      d.adRecent[i * 4 + 3]! += row.impressions;
    }
    const s = adSetOfAd[i]!;
    if (s >= 0) {
      d.setDaySpend[s]![age]! += row.spendMinor;
      d.setDayConv[s]![age]! += row.conversions;
      d.setDayConvAdj[s]![age]! += adj;
    }
  }
  return d;
}

/** Per ad set: which days of the window it was learning, whether it still is tomorrow, and its conversions since launch. */
interface Learning {
  learningByAge: Uint8Array[];
  learningTomorrow: Uint8Array;
  sinceLaunch: Float64Array;
}

/**
 * Learning days per ad set: from its launch (created date, else first delivery in the window) until
 * about `learningConversions` conversions (lag-adjusted) have come in. When the launch is older than
 * the window, the days before it are assumed to have converted at the window's daily average.
 */
function learningDays(snapshot: AccountSnapshot, frame: Frame, delivery: Delivery): Learning {
  const { nSets, W, today, settings } = frame;
  const L = settings.learningConversions;
  const learningByAge = Array.from({ length: nSets }, () => new Uint8Array(W));
  const learningTomorrow = new Uint8Array(nSets);
  const sinceLaunch = new Float64Array(nSets);
  for (let s = 0; s < nSets; s++) {
    const spend = delivery.setDaySpend[s]!;
    const convAdj = delivery.setDayConvAdj[s]!;
    let first = -1;
    let activeDays = 0;
    let convSum = 0;
    for (let age = W - 1; age >= 0; age--) {
      if (spend[age]! <= 0) continue;
      if (first < 0) first = age;
      activeDays++;
      convSum += convAdj[age]!;
    }
    if (first < 0) {
      learningTomorrow[s] = 1;
      continue;
    }
    const created = snapshot.adSets[s]!.createdDate;
    const launchAge = created !== undefined ? today - dayNumber(created) : first === W - 1 ? Infinity : first;
    let cum = launchAge >= W ? (Number.isFinite(launchAge) ? (launchAge - W + 1) * (convSum / activeDays) : L) : 0;
    for (let age = Math.min(W - 1, launchAge); age >= 0; age--) {
      if (cum < L) learningByAge[s]![age] = 1;
      cum += convAdj[age]!;
    }
    learningTomorrow[s] = cum < L ? 1 : 0;
    sinceLaunch[s] = cum;
  }
  return { learningByAge, learningTomorrow, sinceLaunch };
}

/** Per ad: clicks weighted by completeness (and by learning efficiency on learning days), conversions and days with delivery; and its three latest delivery days. */
interface ClickEvidence {
  adCvrClicks: Float64Array;
  adCvrConv: Float64Array;
  adDays: Float64Array;
  /** The ad's three most recent delivery days: age, clicks, impressions (age −1: empty slot). */
  lastDays: Float64Array;
}

function clickEvidence(snapshot: AccountSnapshot, frame: Frame, delivery: Delivery, learning: Learning): ClickEvidence {
  const { nAds, W, today, completeness, adIndex, adSetOfAd, downDays, dayCache, settings } = frame;
  const debias = settings.learningEfficiency < 1;
  const adCvrClicks = new Float64Array(nAds);
  const adCvrConv = new Float64Array(nAds);
  const adDays = new Float64Array(nAds);
  const lastDays = new Float64Array(nAds * 9).fill(-1);
  let lastDate = "";
  let lastDay = 0;
  for (const row of snapshot.insights) {
    const i = adIndex.get(row.adId);
    if (i === undefined || row.impressions <= 0) continue;
    let day = lastDay;
    if (row.date !== lastDate) {
      day = dayCache.get(row.date) ?? dayNumber(row.date);
      lastDate = row.date;
      lastDay = day;
    }
    const age = today - day;
    if (!(age >= 0 && age < W)) continue;
    // Fatigue lives in click-through, which a down page does not touch: its days count here.
    // An empty slot first, else the oldest one if this row is more recent.
    let slot = -1;
    let slotAge = age;
    for (let k = 0; k < 3; k++) {
      const a = lastDays[i * 9 + k * 3]!;
      if (a < 0) {
        slot = k;
        break;
      }
      if (a > slotAge) {
        slot = k;
        slotAge = a;
      }
    }
    if (slot >= 0) {
      lastDays[i * 9 + slot * 3] = age;
      lastDays[i * 9 + slot * 3 + 1] = row.clicks;
      lastDays[i * 9 + slot * 3 + 2] = row.impressions;
    }
    if (downDays[i]?.has(row.date)) continue;
    const c = completeness[Math.min(age, completeness.length - 1)]!;
    const s = adSetOfAd[i]!;
    const eff = debias && s >= 0 && learning.learningByAge[s]![age] === 1 ? settings.learningEfficiency : 1;
    adCvrClicks[i]! += row.clicks * c * eff;
    adCvrConv[i]! += row.conversions;
    adDays[i]! += 1;
  }
  return { adCvrClicks, adCvrConv, adDays, lastDays };
}

/** The account's own level, the prior every ad set is pooled toward. */
interface AccountLevel {
  accountRate: GammaPosterior;
  accRateMean: number;
  accountRevenuePerConversionMinor: number;
  /** The account's rate per click, the centre of every ad's conversion-rate prior. */
  accountCvr: number;
  /** Per ad set: weighted conversions and curve exposure Σ w·c·spend^b; and the account's mean on the curve. */
  curveConv: Float64Array;
  curveExpo: Float64Array;
  accCurveMean: number;
}

function accountLevel(frame: Frame, delivery: Delivery, clicks: ClickEvidence): AccountLevel {
  const { nAds, nSets, W, completeness, weightByAge, target, settings } = frame;
  const b = settings.spendElasticity;
  let accCvrClicks = 0;
  let accCvrConv = 0;
  for (let i = 0; i < nAds; i++) {
    accCvrClicks += clicks.adCvrClicks[i]!;
    accCvrConv += Math.min(clicks.adCvrClicks[i]!, clicks.adCvrConv[i]!);
  }
  // The account's rate per click, with a prior of one conversion at 2% (a typical e-commerce rate).
  const accountCvr = (accCvrConv + 1) / (accCvrClicks + 50);

  // Account level: a weak prior at the target CPA (or, without one, at the data itself).
  let accConv = 0;
  let accExpo = 0;
  let accConvAdj = 0;
  let accRevenue = 0;
  for (let i = 0; i < nAds; i++) {
    accConv += delivery.adWConv[i]!;
    accExpo += delivery.adWExpo[i]!;
    accConvAdj += delivery.adWindow[i]!.conversionsLagAdjusted;
    accRevenue += delivery.adWindow[i]!.revenueMinor;
  }
  const accountPriorRate = target !== null ? 1 / target : accExpo > 0 ? Math.max(accConv, 0.5) / accExpo : 1e-4;
  const accountRate: GammaPosterior = { shape: 1 + accConv, rate: 1 / accountPriorRate + accExpo };
  const accountRevenuePerConversionMinor = accConvAdj > 0 ? accRevenue / accConvAdj : 0;
  const accRateMean = gammaMean(accountRate);

  // Curve exposure per ad set: Σ w·c·spend^b by day.
  const curveConv = new Float64Array(nSets);
  const curveExpo = new Float64Array(nSets);
  for (let s = 0; s < nSets; s++) {
    const spend = delivery.setDaySpend[s]!;
    for (let age = 0; age < W; age++) {
      if (spend[age]! <= 0) continue;
      const c = completeness[Math.min(age, completeness.length - 1)]!;
      const w = weightByAge[age]!;
      curveConv[s]! += w * delivery.setDayConv[s]![age]!;
      curveExpo[s]! += w * c * Math.pow(spend[age]!, b);
    }
  }
  let accCurveConv = 0;
  let accCurveExpo = 0;
  let spendSum = 0;
  let spendDays = 0;
  for (let s = 0; s < nSets; s++) {
    accCurveConv += curveConv[s]!;
    accCurveExpo += curveExpo[s]!;
    for (const v of delivery.setDaySpend[s]!) {
      if (v <= 0) continue;
      spendSum += v;
      spendDays++;
    }
  }
  // The account's rate restated on the curve at a typical day's spend, worth one conversion.
  const kFromRate = accRateMean * Math.pow(spendDays > 0 ? spendSum / spendDays : 1000, 1 - b);
  const accCurveMean = (accCurveConv + 1) / (accCurveExpo + 1 / kFromRate);
  return { accountRate, accRateMean, accountRevenuePerConversionMinor, accountCvr, curveConv, curveExpo, accCurveMean };
}

/** How much a busy object's daily counts are over-dispersed: its evidence is worth 1/φ of a Poisson count. */
const overdispersion = (settings: EngineSettings, convAdj: number, days: number) => 1 + convAdj / Math.max(1, days) / settings.dispersion;

/** One ad set: its rate and curve pooled toward the account's, its totals, and whether it can be judged yet. */
function calibrateAdSet(adSet: AdSetSnapshot, s: number, adIndexes: number[], frame: Frame, delivery: Delivery, learning: Learning, account: AccountLevel): AdSetCalibration {
  const { settings, target, W } = frame;
  const k0 = settings.priorStrength;
  const { accRateMean, accCurveMean } = account;
  const window = emptyTotals();
  const last7 = emptyTotals();
  let wConv = 0;
  let wExpo = 0;
  for (const i of adIndexes) {
    addTotals(window, delivery.adWindow[i]!);
    addTotals(last7, delivery.adLast7[i]!);
    wConv += delivery.adWConv[i]!;
    wExpo += delivery.adWExpo[i]!;
  }
  const activeDays = delivery.setDaySpend[s]!.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
  const phi = overdispersion(settings, window.conversionsLagAdjusted, activeDays);
  const rate: GammaPosterior = { shape: k0 + wConv / phi, rate: k0 / accRateMean + wExpo / phi };
  const curve: GammaPosterior = { shape: k0 + account.curveConv[s]! / phi, rate: k0 / accCurveMean + account.curveExpo[s]! / phi };
  const weekly = last7.conversionsLagAdjusted;
  let status: EstimateStatus = "ok";
  let note: string | null = null;
  const judgeSpend = target ?? (accRateMean > 0 ? 1 / accRateMean : Infinity);
  if (window.spendMinor < judgeSpend && window.conversions < 3) {
    status = "insufficient_data";
    note = `too little data to judge: ${window.conversions} conversion(s) on ${window.spendMinor} spend over ${W} days`;
  } else if (weekly < settings.learningConversions) {
    status = "learning";
    note = `learning: about ${Math.round(weekly)} of ${settings.learningConversions} conversions in the last 7 days`;
  }
  const revenuePerConversionMinor = (window.revenueMinor + k0 * account.accountRevenuePerConversionMinor) / (window.conversionsLagAdjusted + k0);
  return {
    adSet,
    campaignActive: frame.campaignActive.get(adSet.campaignId) ?? false,
    rate,
    curve,
    window,
    last7,
    weeklyConversions: weekly,
    activeDays,
    status,
    note,
    adIndexes,
    revenuePerConversionMinor,
    learningTomorrow: learning.learningTomorrow[s] === 1,
    conversionsSinceLaunch: learning.sinceLaunch[s]!,
  };
}

/** One ad: its rate pooled toward its ad set's, click-through and conversion rates, and its recent and latest click-through. */
function calibrateAd(ad: AdSnapshot, i: number, adSets: readonly AdSetCalibration[], frame: Frame, delivery: Delivery, clicks: ClickEvidence, account: AccountLevel): AdCalibration {
  const { settings } = frame;
  const { adRecent, adRecentReach } = delivery;
  const { lastDays } = clicks;
  const k0 = settings.priorStrength;
  const s = frame.adSetOfAd[i]!;
  const setRate = s >= 0 ? gammaMean(adSets[s]!.rate) : account.accRateMean;
  const window = delivery.adWindow[i]!;
  const phi = overdispersion(settings, window.conversionsLagAdjusted, 7);
  const rate: GammaPosterior = { shape: k0 + delivery.adWConv[i]! / phi, rate: k0 / setRate + delivery.adWExpo[i]! / phi };
  const setWindow = s >= 0 ? adSets[s]!.window : window;
  const setCtr = setWindow.impressions > 0 ? setWindow.clicks / setWindow.impressions : 0.01;
  const setCvr = setWindow.clickExposure > 0 ? Math.min(1, setWindow.conversions / setWindow.clickExposure) : 0.02;
  const ctr: BetaPosterior = { alpha: 1 + setCtr * 100 + window.clicks, beta: 1 + (1 - setCtr) * 100 + Math.max(0, window.impressions - window.clicks) };
  // Conversions as reported against clicks weighted by how complete their days are (not the
  // lag-inflated count, which would pretend to more evidence than arrived), each ad-day's count
  // over-dispersed (negative binomial), so worth 1/φ of a Poisson count.
  const phiCvr = overdispersion(settings, window.conversionsLagAdjusted, 7);
  const conv = Math.min(window.clickExposure, window.conversions) / phiCvr;
  const n0 = settings.cvrPriorClicks;
  const cvr: BetaPosterior = { alpha: 1 + setCvr * n0 + conv, beta: 1 + (1 - setCvr) * n0 + Math.max(0, window.clickExposure / phiCvr - conv) };
  const betaOf = (clickCount: number, impressions: number): BetaPosterior | null =>
    impressions > 0 ? { alpha: 1 + clickCount, beta: 1 + Math.max(0, impressions - clickCount) } : null;
  const reach = adRecentReach[i * 2 + 1]!;
  let lastClicks = 0;
  let lastImpressions = 0;
  for (let k = 0; k < 3; k++) {
    if (lastDays[i * 9 + k * 3]! < 0) continue;
    lastClicks += lastDays[i * 9 + k * 3 + 1]!;
    lastImpressions += lastDays[i * 9 + k * 3 + 2]!;
  }
  // Each ad-day's purchases are over-dispersed (negative binomial, dispersion r): a day expecting μ
  // of them is worth 1/(1 + μ/r) of a Poisson count.
  const convSeen = Math.min(clicks.adCvrClicks[i]!, clicks.adCvrConv[i]!);
  const phiAd = 1 + convSeen / Math.max(1, clicks.adDays[i]!) / settings.dispersion;
  const m0 = settings.cvrPriorConversions;
  const cvrPooled: BetaPosterior = {
    alpha: m0 + convSeen / phiAd,
    beta: m0 / account.accountCvr - m0 + Math.max(0, clicks.adCvrClicks[i]! - convSeen) / phiAd,
  };
  return {
    ad,
    adSetIndex: s,
    rate,
    ctr,
    cvr,
    window,
    last7: delivery.adLast7[i]!,
    recentCtr: betaOf(adRecent[i * 4]!, adRecent[i * 4 + 1]!),
    earlierCtr: betaOf(adRecent[i * 4 + 2]!, adRecent[i * 4 + 3]!),
    recentFrequency: reach > 0 ? adRecentReach[i * 2]! / reach : null,
    lastCtr: betaOf(lastClicks, lastImpressions),
    cvrPooled,
    clicksSeen: window.clicks,
    conversionsSeen: clicks.adCvrConv[i]!,
    deliverable: ad.status === "ACTIVE" && ad.reviewStatus === "APPROVED",
  };
}

function addRow(t: Totals, row: AccountSnapshot["insights"][number], adjusted: number, completeness: number): void {
  t.spendMinor += row.spendMinor;
  t.conversions += row.conversions;
  t.conversionsLagAdjusted += adjusted;
  t.revenueMinor += row.revenueMinor / completeness;
  t.impressions += row.impressions;
  t.clicks += row.clicks;
  t.clickExposure += row.clicks * completeness;
}

function addTotals(into: Totals, from: Totals): void {
  into.spendMinor += from.spendMinor;
  into.conversions += from.conversions;
  into.conversionsLagAdjusted += from.conversionsLagAdjusted;
  into.revenueMinor += from.revenueMinor;
  into.impressions += from.impressions;
  into.clicks += from.clicks;
  into.clickExposure += from.clickExposure;
}

/** CPA interval from a rate posterior: the rate's 90% quantile gives the CPA's 10%, and so on. */
/** Spend worth `targets` target CPAs (or their ROAS equivalent at the account's revenue per conversion); Infinity without a target. */
export function spendOfTargets(snapshot: AccountSnapshot, cal: Calibration, targets: number): number {
  const g = snapshot.guardrails;
  if (g.targetCpaMinor !== null) return targets * g.targetCpaMinor;
  const rpc = cal.accountRevenuePerConversionMinor;
  if (g.targetRoas !== null && rpc > 0) return (targets * rpc) / g.targetRoas;
  return Infinity;
}

export function cpaInterval(rate: GammaPosterior): { mean: number; low: number; high: number } {
  const r = gammaInterval80(rate);
  const mean = rate.shape > 1 ? rate.rate / (rate.shape - 1) : Infinity;
  return { mean, low: r.high > 0 ? 1 / r.high : Infinity, high: r.low > 0 ? 1 / r.low : Infinity };
}

/** Estimates for display and for the plan. */
export function presentEstimates(cal: Calibration): ObjectEstimate[] {
  const out: ObjectEstimate[] = [];
  for (const s of cal.adSets) {
    out.push({
      objectType: "ad_set",
      objectId: s.adSet.id,
      status: s.status,
      note: s.note,
      spendMinor: s.window.spendMinor,
      conversions: s.window.conversions,
      conversionsLagAdjusted: round2(s.window.conversionsLagAdjusted),
      weeklyConversions: round2(s.weeklyConversions),
      cpaMinor: roundInterval(cpaInterval(s.rate)),
      ctr: roundInterval(ratio(s.window.clicks, s.window.impressions)),
      cvr: roundInterval(ratio(Math.min(s.window.clicks, s.window.conversionsLagAdjusted), s.window.clicks)),
      revenuePerConversionMinor: Math.round(s.revenuePerConversionMinor),
    });
  }
  for (const a of cal.ads) {
    const set = a.adSetIndex >= 0 ? cal.adSets[a.adSetIndex]! : null;
    out.push({
      objectType: "ad",
      objectId: a.ad.id,
      status: set?.status ?? "insufficient_data",
      note: set?.note ?? null,
      spendMinor: a.window.spendMinor,
      conversions: a.window.conversions,
      conversionsLagAdjusted: round2(a.window.conversionsLagAdjusted),
      weeklyConversions: round2(a.last7.conversionsLagAdjusted),
      cpaMinor: roundInterval(cpaInterval(a.rate)),
      ctr: roundInterval({ mean: betaMean(a.ctr), ...betaInterval80(a.ctr) }),
      cvr: roundInterval({ mean: betaMean(a.cvr), ...betaInterval80(a.cvr) }),
      revenuePerConversionMinor: Math.round(set?.revenuePerConversionMinor ?? cal.accountRevenuePerConversionMinor),
    });
  }
  return out;
}

function ratio(num: number, den: number): { mean: number; low: number; high: number } {
  const post: BetaPosterior = { alpha: 1 + num, beta: 1 + Math.max(0, den - num) };
  return { mean: betaMean(post), ...betaInterval80(post) };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const roundSig = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : x);
function roundInterval(i: { mean: number; low: number; high: number }) {
  return { mean: roundSig(i.mean), low: roundSig(i.low), high: roundSig(i.high) };
}
