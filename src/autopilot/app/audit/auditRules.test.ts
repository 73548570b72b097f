import { describe, expect, it } from "vitest";
import {
  adSetsToMerge,
  audienceOverlap,
  auditAccount,
  budgetUnderpacing,
  creativeFatigue,
  disapprovedAds,
  landingPageFailing,
  overlappingAudiences,
  pixelSilent,
  purchasesWithoutValues,
  stuckInLearning,
  tooManyAdSetsForBudget,
  type AuditInput,
} from "./auditRules.ts";

const LAST = "2026-06-14";
const day = (offset: number) => new Date(Date.parse(`${LAST}T00:00:00Z`) - offset * 86_400_000).toISOString().slice(0, 10);

type AdSetSpec = { id: string; budget?: number | null; status?: string; learning?: string; targeting?: Record<string, unknown>; campaign?: string };
type Delivery = { adSet: string; ad?: string; days: number; spend: number; conversions: number; revenue?: number; impressions?: number; clicks?: number; from?: number };

/**
 * An account the way a scan reads it: campaign "c1" (and any other named), the given ad sets with
 * one ad each ("<ad set>-ad"), and per ad set `days` days of identical delivery ending on LAST.
 */
function account(adSets: AdSetSpec[], delivery: Delivery[], extra: Partial<AuditInput> = {}): AuditInput {
  const campaigns = [...new Set(adSets.map((s) => s.campaign ?? "c1"))];
  return {
    account: { id: "act_1", name: "Acme", currency: "USD" },
    lastDate: LAST,
    campaigns: campaigns.map((id) => ({ id, name: `Campaign ${id}`, status: "ACTIVE", effectiveStatus: "ACTIVE" })),
    adSets: adSets.map((s) => ({
      id: s.id,
      name: `Ad set ${s.id}`,
      campaignId: s.campaign ?? "c1",
      status: s.status ?? "ACTIVE",
      effectiveStatus: s.status ?? "ACTIVE",
      dailyBudget: s.budget === undefined ? 5000 : s.budget,
      targeting: s.targeting,
      learningStatus: s.learning,
    })),
    ads: adSets.map((s) => ({ id: `${s.id}-ad`, name: `Ad of ${s.id}`, adSetId: s.id, campaignId: s.campaign ?? "c1", status: "ACTIVE", effectiveStatus: "ACTIVE", reviewFeedback: undefined, linkUrl: undefined, linkCheck: undefined })),
    daily: delivery.flatMap((d) =>
      Array.from({ length: d.days }, (_, i) => ({
        adId: d.ad ?? `${d.adSet}-ad`,
        adSetId: d.adSet,
        campaignId: adSets.find((s) => s.id === d.adSet)?.campaign ?? "c1",
        date: day(i + (d.from ?? 0)),
        impressions: d.impressions ?? 2000,
        clicks: d.clicks ?? 40,
        spend: d.spend,
        conversions: d.conversions,
        revenue: d.revenue ?? d.conversions * 6000,
      })),
    ),
    pixels: [],
    weekly: [],
    ...extra,
  };
}

describe("account audit rules", () => {
  it("ad_sets_to_merge: two ad sets of a campaign under 50 purchases a week become one, budgets added, as a plan", () => {
    const input = account([{ id: "a", budget: 5000 }, { id: "b", budget: 3000 }], [
      { adSet: "a", days: 7, spend: 5000, conversions: 3 },
      { adSet: "b", days: 7, spend: 3000, conversions: 1 },
    ]);
    const [finding, ...rest] = adSetsToMerge(input);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ kind: "ad_sets_to_merge", object_id: "c1", object_name: "Campaign c1" });
    expect(finding!.evidence).toMatchObject({ purchases_last_7_days_combined: 28, needed_per_ad_set: 50 });
    expect(finding!.plan).toEqual([
      { kind: "budget_change", object_id: "a", object_name: "Ad set a", field: "daily_budget", old: "5000", new: "8000" },
      { kind: "pause_adset", object_id: "b", object_name: "Ad set b", field: "status", old: "ACTIVE", new: "PAUSED" },
    ]);
    expect(finding!.fix).toContain('into "Ad set a"');
  });

  it("ad_sets_to_merge: not when an ad set learns on its own, the others are alone, paused or in another campaign", () => {
    // b gets 8 a day = 56 a week: only a starves, nothing to merge it with.
    expect(adSetsToMerge(account([{ id: "a" }, { id: "b" }], [{ adSet: "a", days: 7, spend: 5000, conversions: 3 }, { adSet: "b", days: 7, spend: 5000, conversions: 8 }]))).toEqual([]);
    expect(adSetsToMerge(account([{ id: "a" }, { id: "b", status: "PAUSED" }], [{ adSet: "a", days: 7, spend: 5000, conversions: 1 }]))).toEqual([]);
    expect(adSetsToMerge(account([{ id: "a" }, { id: "b", campaign: "c2" }], [{ adSet: "a", days: 7, spend: 5000, conversions: 1 }, { adSet: "b", days: 7, spend: 5000, conversions: 1 }]))).toEqual([]);
  });

  it("too_many_ad_sets_for_budget: the budget buys 50 purchases a week for fewer ad sets than run", () => {
    // CPA 50.00; 50 purchases a week cost 2,500.00, 357.14 a day; three ad sets at 100.00 a day support none.
    const input = account([{ id: "a", budget: 10000 }, { id: "b", budget: 10000 }, { id: "c", budget: 10000 }], [
      { adSet: "a", days: 28, spend: 10000, conversions: 2 },
      { adSet: "b", days: 28, spend: 10000, conversions: 2 },
      { adSet: "c", days: 28, spend: 10000, conversions: 2 },
    ]);
    const [finding] = tooManyAdSetsForBudget(input);
    expect(finding).toMatchObject({ kind: "too_many_ad_sets_for_budget", object_id: "c1" });
    expect(finding!.evidence).toMatchObject({ active_ad_sets: 3, daily_budget: 30000, cost_per_purchase_28_days: 5000, ad_sets_the_budget_supports: 0 });
    // A budget that supports every ad set, or an account with no purchases to price them: nothing.
    const rich = account([{ id: "a", budget: 400000 }, { id: "b", budget: 400000 }], [{ adSet: "a", days: 28, spend: 10000, conversions: 2 }]);
    expect(tooManyAdSetsForBudget(rich)).toEqual([]);
    expect(tooManyAdSetsForBudget(account([{ id: "a" }, { id: "b" }], [{ adSet: "a", days: 28, spend: 10000, conversions: 0 }]))).toEqual([]);
  });

  it("landing_page_failing: an active ad whose page failed its latest check, not one that recovered", () => {
    const input = account([{ id: "a" }], []);
    input.ads[0] = { ...input.ads[0]!, linkUrl: "https://shop.example/p", linkCheck: { down: true, downDates: [day(0), day(1)] } };
    expect(landingPageFailing(input)).toEqual([
      { kind: "landing_page_failing", object_id: "a-ad", object_name: "Ad of a", evidence: { url: "https://shop.example/p", failed_on: [day(1), day(0)] }, fix: "Fix https://shop.example/p or pause the ad until the page loads again." },
    ]);
    input.ads[0] = { ...input.ads[0]!, linkCheck: { down: false, downDates: [day(3)] } };
    expect(landingPageFailing(input)).toEqual([]);
  });

  it("pixel_silent: a pixel that has not fired for 7 days while ads spent; not a live one, nor when nothing ran", () => {
    const running = [{ adSet: "a", days: 7, spend: 5000, conversions: 1 }];
    const pixels = [{ id: "px1", name: "Shop pixel", lastFiredTime: `${day(9)}T10:00:00+0000` }, { id: "px2", name: "Never", lastFiredTime: undefined }];
    // A stale last fire is silence; a missing one only when no purchase was reported either.
    expect(pixelSilent(account([{ id: "a" }], running, { pixels })).map((f) => [f.kind, f.object_id])).toEqual([["pixel_silent", "px1"]]);
    const noPurchases = [{ adSet: "a", days: 7, spend: 5000, conversions: 0 }];
    expect(pixelSilent(account([{ id: "a" }], noPurchases, { pixels })).map((f) => [f.kind, f.object_id])).toEqual([["pixel_silent", "px1"], ["pixel_silent", "px2"]]);
    const live = account([{ id: "a" }], running, { pixels: [{ id: "px1", name: "Shop pixel", lastFiredTime: `${day(2)}T10:00:00+0000` }] });
    expect(pixelSilent(live)).toEqual([]);
    const idle = account([{ id: "a" }], [], { pixels: [{ id: "px1", name: "Shop pixel", lastFiredTime: undefined }] });
    expect(pixelSilent(idle)).toEqual([]);
    // Pixels the token could not read are not judged.
    expect(pixelSilent(account([{ id: "a" }], running, { pixels: undefined }))).toEqual([]);
  });

  it("purchases_without_values: purchases with no value in a week, on each pixel (or the account)", () => {
    const noValues = account([{ id: "a" }], [{ adSet: "a", days: 7, spend: 5000, conversions: 2, revenue: 0 }], { pixels: [{ id: "px1", name: "Shop pixel", lastFiredTime: undefined }] });
    expect(purchasesWithoutValues(noValues)).toMatchObject([{ kind: "purchases_without_values", object_id: "px1", evidence: { purchases_last_7_days: 14, purchase_value_last_7_days: 0 } }]);
    expect(purchasesWithoutValues({ ...noValues, pixels: [] })).toMatchObject([{ object_id: "act_1" }]);
    expect(purchasesWithoutValues(account([{ id: "a" }], [{ adSet: "a", days: 7, spend: 5000, conversions: 2 }]))).toEqual([]);
    expect(purchasesWithoutValues(account([{ id: "a" }], [{ adSet: "a", days: 7, spend: 5000, conversions: 0, revenue: 0 }]))).toEqual([]);
  });

  it("stuck_in_learning: still LEARNING more than 7 days after it first spent; not a new ad set, not one that learned", () => {
    const old = account([{ id: "a", learning: "LEARNING" }], [{ adSet: "a", days: 10, spend: 5000, conversions: 1 }]);
    expect(stuckInLearning(old)).toMatchObject([{ kind: "stuck_in_learning", object_id: "a", evidence: { delivering_since: day(9), purchases_last_7_days: 7 } }]);
    expect(stuckInLearning(account([{ id: "a", learning: "LEARNING" }], [{ adSet: "a", days: 5, spend: 5000, conversions: 1 }]))).toEqual([]);
    expect(stuckInLearning(account([{ id: "a", learning: "SUCCESS" }], [{ adSet: "a", days: 10, spend: 5000, conversions: 9 }]))).toEqual([]);
  });

  it("budget_underpacing: under 80% of the daily budget over the days it ran; not at 80% or when it ran under 3 days", () => {
    const slow = account([{ id: "a", budget: 10000 }], [{ adSet: "a", days: 7, spend: 7900, conversions: 1 }]);
    expect(budgetUnderpacing(slow)).toMatchObject([{ kind: "budget_underpacing", object_id: "a", evidence: { daily_budget: 10000, days: 7, spend: 55300, pacing: 0.79 } }]);
    expect(budgetUnderpacing(account([{ id: "a", budget: 10000 }], [{ adSet: "a", days: 7, spend: 8000, conversions: 1 }]))).toEqual([]);
    expect(budgetUnderpacing(account([{ id: "a", budget: 10000 }], [{ adSet: "a", days: 2, spend: 100, conversions: 0 }]))).toEqual([]);
    // Lifetime-budget ad sets have no daily budget to pace against.
    expect(budgetUnderpacing(account([{ id: "a", budget: null }], [{ adSet: "a", days: 7, spend: 100, conversions: 0 }]))).toEqual([]);
  });

  it("disapproved_ad: names the policies the review gave", () => {
    const input = account([{ id: "a" }, { id: "b" }], []);
    input.ads[0] = { ...input.ads[0]!, effectiveStatus: "DISAPPROVED", reviewFeedback: { "Misleading claims": "The ad promises results" } };
    const findings = disapprovedAds(input);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: "disapproved_ad", object_id: "a-ad", evidence: { effective_status: "DISAPPROVED" } });
    expect(findings[0]!.fix).toContain("Misleading claims");
  });

  it("overlapping_audiences: same countries, ages and genders in one campaign; disjoint countries or distinct custom audiences are not", () => {
    const us = { geo_locations: { countries: ["US"] }, age_min: 25, age_max: 54 };
    const overlapping = account([{ id: "a", targeting: us }, { id: "b", targeting: { ...us, age_min: 30 } }], []);
    expect(overlappingAudiences(overlapping)).toMatchObject([{ kind: "overlapping_audiences", object_id: "c1", evidence: { pairs: [{ ad_set_ids: ["a", "b"], estimated_overlap: 1 }] } }]);
    expect(overlappingAudiences(account([{ id: "a", targeting: us }, { id: "b", targeting: { ...us, geo_locations: { countries: ["DE"] } } }], []))).toEqual([]);
    expect(overlappingAudiences(account([{ id: "a", targeting: { ...us, custom_audiences: [{ id: "1" }] } }, { id: "b", targeting: { ...us, custom_audiences: [{ id: "2" }] } }], []))).toEqual([]);
    expect(overlappingAudiences(account([{ id: "a", targeting: us }, { id: "b", targeting: us, campaign: "c2" }], []))).toEqual([]);
  });

  it("audience overlap is the share of the smaller audience the other reaches", () => {
    const base = { countries: new Set(["US", "CA"]), ageMin: 18, ageMax: 65, genders: new Set([1, 2]), custom: new Set<string>() };
    expect(audienceOverlap(base, { ...base, countries: new Set(["US"]) })).toBe(1);
    expect(audienceOverlap(base, { ...base, genders: new Set([1]) })).toBe(1);
    expect(audienceOverlap({ ...base, ageMin: 18, ageMax: 27 }, { ...base, ageMin: 23, ageMax: 32 })).toBeCloseTo(0.5);
    expect(audienceOverlap({ ...base, genders: new Set([1]) }, { ...base, genders: new Set([2]) })).toBe(0);
  });

  it("creative_fatigue: frequency 3+ and CTR down 20%+ week on week; not with fresh reach or steady CTR or few impressions", () => {
    const weeks = (before: [number, number, number], last: [number, number, number]) => [
      { adId: "a-ad", dateStart: day(13), dateStop: day(7), impressions: before[0], reach: before[1], clicks: before[2] },
      { adId: "a-ad", dateStart: day(6), dateStop: day(0), impressions: last[0], reach: last[1], clicks: last[2] },
    ];
    const tired = account([{ id: "a" }], [], { weekly: weeks([10000, 5000, 200], [12000, 3000, 150]) });
    expect(creativeFatigue(tired)).toMatchObject([{ kind: "creative_fatigue", object_id: "a-ad", evidence: { frequency_last_7_days: 4, ctr_last_7_days: 1.25, ctr_previous_7_days: 2 } }]);
    expect(creativeFatigue(account([{ id: "a" }], [], { weekly: weeks([10000, 5000, 200], [12000, 6000, 150]) }))).toEqual([]);
    expect(creativeFatigue(account([{ id: "a" }], [], { weekly: weeks([10000, 5000, 200], [12000, 3000, 230]) }))).toEqual([]);
    expect(creativeFatigue(account([{ id: "a" }], [], { weekly: weeks([900, 300, 20], [900, 200, 5]) }))).toEqual([]);
  });

  it("a healthy account has no findings", () => {
    const healthy = account(
      [{ id: "a", budget: 100000, learning: "SUCCESS", targeting: { geo_locations: { countries: ["US"] } } }],
      [{ adSet: "a", days: 28, spend: 100000, conversions: 10 }],
      { pixels: [{ id: "px1", name: "Shop pixel", lastFiredTime: `${LAST}T20:00:00+0000` }] },
    );
    expect(auditAccount(healthy)).toEqual([]);
  });
});
