/**
 * The account audit: what an expert media buyer checks first in an account handed to them, one
 * rule per finding kind, each a pure function of what the latest scan read through the Graph.
 * Every finding carries its evidence (the numbers it rests on) and a fix in plain words; where the
 * fix is a set of changes Autopilot can make, it is also given as a plan.
 */
import { exactMoney } from "../actionLog.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../../graphIds.ts";

/** What the audit reads: the account's objects and delivery as the latest scan saw them. */
export interface AuditInput {
  account: { id: string; name: string; currency: string };
  /** The scan window's last day (yesterday in the account's time zone). */
  lastDate: string;
  campaigns: { id: string; name: string; status: string; effectiveStatus: string }[];
  adSets: {
    id: string;
    name: string;
    campaignId: string;
    status: string;
    effectiveStatus: string;
    dailyBudget: number | null;
    /** Meta's targeting spec as read; undefined when the scan did not read it. */
    targeting: Record<string, unknown> | undefined;
    /** `learning_stage_info.status` (LEARNING, SUCCESS, FAIL); undefined when not read. */
    learningStatus: string | undefined;
  }[];
  ads: {
    id: string;
    name: string;
    adSetId: string;
    campaignId: string;
    status: string;
    effectiveStatus: string;
    reviewFeedback: Record<string, string> | undefined;
    linkUrl: string | undefined;
    /** The latest check of the ad's page, when it has one. */
    linkCheck: { down: boolean; downDates: string[] } | undefined;
  }[];
  daily: { adId: string; adSetId: string; campaignId: string; date: string; impressions: number; clicks: number; spend: number; conversions: number; revenue: number }[];
  /** The account's pixels; undefined when they could not be read. */
  pixels: { id: string; name: string; lastFiredTime: string | undefined }[] | undefined;
  /** Per ad, its 7-day periods (oldest first) with reach; undefined in scans made before the audit. */
  weekly: { adId: string; dateStart: string; dateStop: string; impressions: number; reach: number; clicks: number }[] | undefined;
}

export type AuditKind =
  | "ad_sets_to_merge"
  | "too_many_ad_sets_for_budget"
  | "landing_page_failing"
  | "pixel_silent"
  | "purchases_without_values"
  | "stuck_in_learning"
  | "budget_underpacing"
  | "disapproved_ad"
  | "overlapping_audiences"
  | "creative_fatigue";

/** A change the audit proposes, in the terms of Autopilot's action queue. */
export interface AuditPlanStep {
  kind: "pause_adset" | "budget_change";
  object_id: string;
  object_name: string;
  field: "status" | "daily_budget";
  old: string;
  new: string;
}

export interface AuditFinding {
  kind: AuditKind;
  object_id: string;
  object_name: string;
  evidence: Record<string, unknown>;
  fix: string;
  /** The fix as changes Autopilot can queue (only where the fix is such a set of changes). */
  plan?: AuditPlanStep[];
}

/**
 * Meta: "To complete the learning phase, your ad set needs to get about 50 optimisation events after
 * starting to run or since the last significant edit", within 7 days
 * (https://www.facebook.com/business/help/112167992830700).
 */
export const WEEKLY_EVENTS_TO_LEARN = 50;
/** An ad set still learning this many days after it started delivering is stuck ("Learning limited"). */
export const LEARNING_DAYS = 7;
/** Spend below this share of the daily budget over the last week is under-pacing. */
export const PACING_FLOOR = 0.8;
/** Pixels silent this many days while ads run. */
export const PIXEL_SILENT_DAYS = 7;
/** Fatigue: a week's frequency at or above this, with CTR down by at least FATIGUE_CTR_DROP on the week before. */
export const FATIGUE_FREQUENCY = 3;
export const FATIGUE_CTR_DROP = 0.2;
/** Fatigue is judged only on weeks with at least this many impressions each (fewer is noise). */
export const FATIGUE_MIN_IMPRESSIONS = 1000;
/** Two ad sets of one campaign whose estimated audience overlap is at least this compete in the same auctions. */
export const OVERLAP_THRESHOLD = 0.5;

const DAY_MS = 86_400_000;
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const isActive = (s: { status: string; effectiveStatus: string }) => s.status === "ACTIVE" && !["PAUSED", "CAMPAIGN_PAUSED", "ADSET_PAUSED", "DELETED", "ARCHIVED"].includes(s.effectiveStatus);
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Delivery per key over the days from `since` to `until`, both included. */
function totals<K extends "adId" | "adSetId" | "campaignId">(input: AuditInput, key: K, since: string, until = input.lastDate) {
  const out = new Map<string, { spend: number; conversions: number; revenue: number; impressions: number; clicks: number; days: Set<string> }>();
  for (const d of input.daily) {
    if (d.date < since || d.date > until) continue;
    const t = out.get(d[key]) ?? { spend: 0, conversions: 0, revenue: 0, impressions: 0, clicks: 0, days: new Set<string>() };
    t.spend += d.spend;
    t.conversions += d.conversions;
    t.revenue += d.revenue;
    t.impressions += d.impressions;
    t.clicks += d.clicks;
    if (d.spend > 0) t.days.add(d.date);
    out.set(d[key], t);
  }
  return out;
}

const lastWeek = (input: AuditInput) => addDays(input.lastDate, -6);

/** The account's cost per purchase over the last 28 days, or undefined without purchases. */
function accountCpa(input: AuditInput): number | undefined {
  const since = addDays(input.lastDate, -27);
  let spend = 0;
  let conversions = 0;
  for (const d of input.daily) {
    if (d.date < since) continue;
    spend += d.spend;
    conversions += d.conversions;
  }
  return conversions > 0 ? spend / conversions : undefined;
}

function activeAdSetsByCampaign(input: AuditInput) {
  const campaigns = new Map(input.campaigns.map((c) => [c.id, c]));
  const out = new Map<string, AuditInput["adSets"]>();
  for (const adSet of input.adSets) {
    const campaign = campaigns.get(adSet.campaignId);
    if (!isActive(adSet) || (campaign && !isActive(campaign))) continue;
    out.set(adSet.campaignId, [...(out.get(adSet.campaignId) ?? []), adSet]);
  }
  return out;
}

const campaignName = (input: AuditInput, id: string) => input.campaigns.find((c) => c.id === id)?.name ?? id;

/**
 * Ad sets of one campaign that each get fewer than 50 purchases a week split the learning signal;
 * merged into the one converting best (their budgets added to it), they learn together.
 */
export function adSetsToMerge(input: AuditInput): AuditFinding[] {
  const week = totals(input, "adSetId", lastWeek(input));
  const out: AuditFinding[] = [];
  for (const [campaignId, adSets] of activeAdSetsByCampaign(input)) {
    const starving = adSets.filter((s) => (week.get(s.id)?.conversions ?? 0) < WEEKLY_EVENTS_TO_LEARN && s.dailyBudget !== null);
    if (starving.length < 2) continue;
    const combined = starving.reduce((sum, s) => sum + (week.get(s.id)?.conversions ?? 0), 0);
    // Keep the ad set with the most purchases (then the lowest cost per purchase, then the id).
    const ranked = [...starving].sort((a, b) => {
      const ta = week.get(a.id);
      const tb = week.get(b.id);
      const byConversions = (tb?.conversions ?? 0) - (ta?.conversions ?? 0);
      if (byConversions !== 0) return byConversions;
      const cpa = (t: typeof ta) => (t && t.conversions > 0 ? t.spend / t.conversions : Infinity);
      return cpa(ta) - cpa(tb) || a.id.localeCompare(b.id);
    });
    const keep = ranked[0]!;
    const merged = ranked.reduce((sum, s) => sum + (s.dailyBudget ?? 0), 0);
    const plan: AuditPlanStep[] = [
      { kind: "budget_change", object_id: keep.id, object_name: keep.name, field: "daily_budget", old: String(keep.dailyBudget ?? 0), new: String(merged) },
      ...ranked.slice(1).map((s) => ({ kind: "pause_adset" as const, object_id: s.id, object_name: s.name, field: "status" as const, old: s.status, new: "PAUSED" })),
    ];
    out.push({
      kind: "ad_sets_to_merge",
      object_id: campaignId,
      object_name: campaignName(input, campaignId),
      evidence: {
        ad_sets: ranked.map((s) => ({ id: s.id, name: s.name, purchases_last_7_days: week.get(s.id)?.conversions ?? 0, daily_budget: s.dailyBudget })),
        purchases_last_7_days_combined: combined,
        needed_per_ad_set: WEEKLY_EVENTS_TO_LEARN,
      },
      fix: `Merge ${ranked.length} ad sets into "${keep.name}": each gets fewer than ${WEEKLY_EVENTS_TO_LEARN} purchases a week (${combined} together); pause the other ${ranked.length - 1} and give "${keep.name}" their budgets (${exactMoney(merged, input.account.currency)} a day).`,
      plan,
    });
  }
  return out;
}

/** A campaign whose budget cannot buy 50 purchases a week for each of its active ad sets at the account's cost per purchase. */
export function tooManyAdSetsForBudget(input: AuditInput): AuditFinding[] {
  const cpa = accountCpa(input);
  if (cpa === undefined) return [];
  const weeklyCostToLearn = WEEKLY_EVENTS_TO_LEARN * cpa;
  const out: AuditFinding[] = [];
  for (const [campaignId, adSets] of activeAdSetsByCampaign(input)) {
    if (adSets.length < 2) continue;
    const dailyBudget = adSets.reduce((sum, s) => sum + (s.dailyBudget ?? 0), 0);
    if (dailyBudget <= 0) continue;
    const supportable = Math.floor((dailyBudget * 7) / weeklyCostToLearn);
    if (supportable >= adSets.length) continue;
    out.push({
      kind: "too_many_ad_sets_for_budget",
      object_id: campaignId,
      object_name: campaignName(input, campaignId),
      evidence: { active_ad_sets: adSets.length, daily_budget: dailyBudget, cost_per_purchase_28_days: Math.round(cpa), weekly_cost_to_learn_per_ad_set: Math.round(weeklyCostToLearn), ad_sets_the_budget_supports: supportable },
      fix:
        supportable === 0
          ? `At ${exactMoney(cpa, input.account.currency)} a purchase, ${exactMoney(dailyBudget, input.account.currency)} a day cannot get even one ad set ${WEEKLY_EVENTS_TO_LEARN} purchases a week: run one ad set, or raise the budget to ${exactMoney(Math.ceil(weeklyCostToLearn / 7), input.account.currency)} a day.`
          : `Run at most ${supportable} ad set${supportable === 1 ? "" : "s"} (now ${adSets.length}), or raise the daily budget to ${exactMoney(Math.ceil((adSets.length * weeklyCostToLearn) / 7), input.account.currency)} so each can get ${WEEKLY_EVENTS_TO_LEARN} purchases a week.`,
    });
  }
  return out;
}

/** Active ads whose landing page failed its latest check: spend that cannot convert. */
export function landingPageFailing(input: AuditInput): AuditFinding[] {
  return input.ads
    .filter((ad) => isActive(ad) && ad.linkCheck?.down === true)
    .map((ad) => ({
      kind: "landing_page_failing" as const,
      object_id: ad.id,
      object_name: ad.name,
      evidence: { url: ad.linkUrl, failed_on: [...(ad.linkCheck?.downDates ?? [])].sort() },
      fix: `Fix ${ad.linkUrl ?? "the ad's page"} or pause the ad until the page loads again.`,
    }));
}

/**
 * Pixels that have not fired for a week while the account's ads spent. A pixel without
 * `last_fired_time` is judged silent only when the week also reported no purchase at all: the
 * field can be missing where the Graph does not give it, and reported purchases mean something fires.
 */
export function pixelSilent(input: AuditInput): AuditFinding[] {
  if (!input.pixels) return [];
  const week = [...totals(input, "campaignId", lastWeek(input)).values()];
  const spendLastWeek = week.reduce((sum, t) => sum + t.spend, 0);
  if (spendLastWeek === 0) return [];
  const purchasesLastWeek = week.reduce((sum, t) => sum + t.conversions, 0);
  const cutoff = Date.parse(`${addDays(input.lastDate, -(PIXEL_SILENT_DAYS - 1))}T00:00:00Z`);
  return input.pixels
    .filter((p) => (p.lastFiredTime === undefined ? purchasesLastWeek === 0 : Date.parse(p.lastFiredTime) < cutoff))
    .map((p) => ({
      kind: "pixel_silent" as const,
      object_id: p.id,
      object_name: p.name,
      evidence: { last_fired_time: p.lastFiredTime ?? null, spend_last_7_days: spendLastWeek },
      fix: `The pixel has not fired ${p.lastFiredTime ? `since ${p.lastFiredTime.slice(0, 10)}` : "at all"} while the ads spent ${exactMoney(spendLastWeek, input.account.currency)} in a week: check that its code is on the site (and the Conversions API, if used), or the ads optimise blind.`,
    }));
}

/** Purchases reported without values: ROAS cannot be measured or optimised. */
export function purchasesWithoutValues(input: AuditInput): AuditFinding[] {
  const week = [...totals(input, "campaignId", lastWeek(input)).values()];
  const purchases = week.reduce((sum, t) => sum + t.conversions, 0);
  const revenue = week.reduce((sum, t) => sum + t.revenue, 0);
  if (purchases === 0 || revenue > 0) return [];
  const targets = input.pixels && input.pixels.length > 0 ? input.pixels.map((p) => ({ id: p.id, name: p.name })) : [{ id: adAccountGraphId(assetIdFromGraph(input.account.id)), name: input.account.name }];
  return targets.map((t) => ({
    kind: "purchases_without_values" as const,
    object_id: t.id,
    object_name: t.name,
    evidence: { purchases_last_7_days: purchases, purchase_value_last_7_days: 0 },
    fix: "Send each purchase's value and currency with the Purchase event, so that ROAS is measured and value optimisation is possible.",
  }));
}

/** Active ad sets still learning a week after they started delivering. */
export function stuckInLearning(input: AuditInput): AuditFinding[] {
  const first = new Map<string, string>();
  for (const d of input.daily) if (d.spend > 0 && (first.get(d.adSetId) ?? "9999") > d.date) first.set(d.adSetId, d.date);
  const week = totals(input, "adSetId", lastWeek(input));
  const limit = addDays(input.lastDate, -LEARNING_DAYS);
  return input.adSets
    .filter((s) => isActive(s) && s.learningStatus === "LEARNING" && (first.get(s.id) ?? "9999") <= limit)
    .map((s) => ({
      kind: "stuck_in_learning" as const,
      object_id: s.id,
      object_name: s.name,
      evidence: { learning_status: s.learningStatus, delivering_since: first.get(s.id), purchases_last_7_days: week.get(s.id)?.conversions ?? 0, needed: WEEKLY_EVENTS_TO_LEARN },
      fix: `Still learning after ${LEARNING_DAYS} days with ${week.get(s.id)?.conversions ?? 0} purchases in the last week: merge it with similar ad sets, broaden its audience, or optimise for an event it reaches ${WEEKLY_EVENTS_TO_LEARN} times a week; avoid edits that restart learning.`,
    }));
}

/** Active ad sets with a daily budget that spent under 80% of it over the days they ran last week. */
export function budgetUnderpacing(input: AuditInput): AuditFinding[] {
  const since = lastWeek(input);
  const days = new Map<string, Set<string>>();
  const spend = new Map<string, number>();
  for (const d of input.daily) {
    if (d.date < since) continue;
    // A day counts once the ad set has delivery that day (it ran); zero-spend days in the window count too once it started.
    days.set(d.adSetId, (days.get(d.adSetId) ?? new Set()).add(d.date));
    spend.set(d.adSetId, (spend.get(d.adSetId) ?? 0) + d.spend);
  }
  const out: AuditFinding[] = [];
  for (const s of input.adSets) {
    if (!isActive(s) || !s.dailyBudget) continue;
    const ran = days.get(s.id)?.size ?? 0;
    if (ran < 3) continue;
    const spent = spend.get(s.id) ?? 0;
    const pacing = spent / (s.dailyBudget * ran);
    if (pacing >= PACING_FLOOR) continue;
    out.push({
      kind: "budget_underpacing",
      object_id: s.id,
      object_name: s.name,
      evidence: { daily_budget: s.dailyBudget, days: ran, spend: spent, pacing: round(pacing) },
      fix: `It spent ${Math.round(pacing * 100)}% of its ${exactMoney(s.dailyBudget, input.account.currency)} daily budget over ${ran} days: the audience may be too narrow or the bid or cost cap too low; broaden it, raise the cap, or move the budget to ad sets that spend it.`,
    });
  }
  return out;
}

/** Ads the review rejected: they deliver nothing until fixed. */
export function disapprovedAds(input: AuditInput): AuditFinding[] {
  return input.ads
    .filter((ad) => ad.effectiveStatus === "DISAPPROVED")
    .map((ad) => ({
      kind: "disapproved_ad" as const,
      object_id: ad.id,
      object_name: ad.name,
      evidence: { effective_status: ad.effectiveStatus, review_feedback: ad.reviewFeedback ?? {} },
      fix: `Edit the ad to meet the advertising standards${ad.reviewFeedback && Object.keys(ad.reviewFeedback).length > 0 ? ` (${Object.keys(ad.reviewFeedback).join(", ")})` : ""} and resubmit it, or request another review if the rejection is wrong.`,
    }));
}

interface Audience {
  countries: Set<string> | undefined;
  ageMin: number;
  ageMax: number;
  genders: Set<number>;
  custom: Set<string>;
}

/** The parts of Meta's targeting spec that decide who can be reached (https://developers.facebook.com/docs/marketing-api/audiences/reference/basic-targeting). */
function audienceOf(targeting: Record<string, unknown>): Audience {
  const geo = targeting.geo_locations as { countries?: unknown } | undefined;
  const countries = Array.isArray(geo?.countries) ? new Set(geo.countries.map(String)) : undefined;
  const genders = Array.isArray(targeting.genders) && targeting.genders.length > 0 ? new Set(targeting.genders.map(Number)) : new Set([1, 2]);
  const custom = Array.isArray(targeting.custom_audiences) ? new Set((targeting.custom_audiences as { id?: unknown }[]).map((a) => String(a?.id ?? a))) : new Set<string>();
  return { countries, ageMin: Number(targeting.age_min ?? 18), ageMax: Number(targeting.age_max ?? 65), genders, custom };
}

/**
 * The share of the smaller audience that the other also reaches, estimated from countries, ages and
 * genders (people assumed spread evenly over them); custom audiences that differ make it unknown (0).
 */
export function audienceOverlap(a: Audience, b: Audience): number {
  const differentCustom = a.custom.size + b.custom.size > 0 && ![...a.custom].some((id) => b.custom.has(id));
  if (differentCustom) return 0;
  const countryShare = (() => {
    // A side without countries is unknown here: judged on ages and genders alone.
    if (!a.countries || !b.countries) return 1;
    const common = [...a.countries].filter((c) => b.countries!.has(c)).length;
    return common / Math.min(a.countries.size, b.countries.size);
  })();
  const ageSpan = (x: Audience) => Math.max(0, x.ageMax - x.ageMin + 1);
  const ageCommon = Math.max(0, Math.min(a.ageMax, b.ageMax) - Math.max(a.ageMin, b.ageMin) + 1);
  const ageShare = ageCommon / Math.max(1, Math.min(ageSpan(a), ageSpan(b)));
  const genderCommon = [...a.genders].filter((g) => b.genders.has(g)).length;
  const genderShare = genderCommon / Math.min(a.genders.size, b.genders.size);
  return countryShare * ageShare * genderShare;
}

/** Two active ad sets of one campaign reaching largely the same people bid against each other. */
export function overlappingAudiences(input: AuditInput): AuditFinding[] {
  const out: AuditFinding[] = [];
  for (const [campaignId, adSets] of activeAdSetsByCampaign(input)) {
    const judged = adSets.filter((s) => s.targeting !== undefined).map((s) => ({ adSet: s, audience: audienceOf(s.targeting!) }));
    const pairs: { a: string; b: string; overlap: number }[] = [];
    for (let i = 0; i < judged.length; i++) {
      for (let j = i + 1; j < judged.length; j++) {
        const overlap = audienceOverlap(judged[i]!.audience, judged[j]!.audience);
        if (overlap >= OVERLAP_THRESHOLD) pairs.push({ a: judged[i]!.adSet.id, b: judged[j]!.adSet.id, overlap: round(overlap) });
      }
    }
    if (pairs.length === 0) continue;
    const name = (id: string) => adSets.find((s) => s.id === id)?.name ?? id;
    out.push({
      kind: "overlapping_audiences",
      object_id: campaignId,
      object_name: campaignName(input, campaignId),
      evidence: { pairs: pairs.map((p) => ({ ad_set_ids: [p.a, p.b], ad_set_names: [name(p.a), name(p.b)], estimated_overlap: p.overlap })) },
      fix: `${pairs.length === 1 ? `"${name(pairs[0]!.a)}" and "${name(pairs[0]!.b)}" reach` : `${pairs.length} pairs of ad sets reach`} largely the same people and compete in the same auctions: merge them, or exclude one audience from the other.`,
    });
  }
  return out;
}

/** Ads seen too often by the same people whose click-through rate is falling. */
export function creativeFatigue(input: AuditInput): AuditFinding[] {
  if (!input.weekly) return [];
  const byAd = new Map<string, NonNullable<AuditInput["weekly"]>>();
  for (const w of input.weekly) byAd.set(w.adId, [...(byAd.get(w.adId) ?? []), w]);
  const out: AuditFinding[] = [];
  for (const ad of input.ads) {
    if (!isActive(ad)) continue;
    const weeks = [...(byAd.get(ad.id) ?? [])].sort((a, b) => a.dateStart.localeCompare(b.dateStart));
    if (weeks.length < 2) continue;
    const [before, last] = weeks.slice(-2) as [NonNullable<AuditInput["weekly"]>[number], NonNullable<AuditInput["weekly"]>[number]];
    if (before.impressions < FATIGUE_MIN_IMPRESSIONS || last.impressions < FATIGUE_MIN_IMPRESSIONS || last.reach === 0) continue;
    const frequency = last.impressions / last.reach;
    const ctrBefore = before.clicks / before.impressions;
    const ctrLast = last.clicks / last.impressions;
    if (frequency < FATIGUE_FREQUENCY || ctrBefore === 0 || ctrLast > ctrBefore * (1 - FATIGUE_CTR_DROP)) continue;
    out.push({
      kind: "creative_fatigue",
      object_id: ad.id,
      object_name: ad.name,
      evidence: { frequency_last_7_days: round(frequency), ctr_last_7_days: round(ctrLast * 100, 3), ctr_previous_7_days: round(ctrBefore * 100, 3), ctr_change: round(ctrLast / ctrBefore - 1) },
      fix: `People saw it ${round(frequency, 1)} times each last week and its click-through rate fell ${Math.round((1 - ctrLast / ctrBefore) * 100)}%: add new creatives to the ad set and let this one give way.`,
    });
  }
  return out;
}

/** Every rule, in the order findings are listed. */
export const AUDIT_RULES: readonly ((input: AuditInput) => AuditFinding[])[] = [
  disapprovedAds,
  landingPageFailing,
  pixelSilent,
  purchasesWithoutValues,
  stuckInLearning,
  adSetsToMerge,
  tooManyAdSetsForBudget,
  overlappingAudiences,
  budgetUnderpacing,
  creativeFatigue,
];

export function auditAccount(input: AuditInput): AuditFinding[] {
  return AUDIT_RULES.flatMap((rule) => rule(input));
}
