import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DailyInsightInput, InsightsQuery, InsightsRow } from "../../src/hub/ads/insights.service.ts";
import type { Hub } from "../../src/hub/hub.ts";
import { buildAd, buildAdSet, buildAsset, buildBusiness, buildCampaign, buildCreative, adServicesOf, type AdServices, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";

const DAY = 24 * 60 * 60 * 1000;
const dateAt = (base: string, offset: number) => new Date(Date.parse(`${base}T00:00:00Z`) + offset * DAY).toISOString().slice(0, 10);
/** "12.34" → 1234 (USD). */
const minor = (major: unknown) => (typeof major === "string" ? Math.round(Number(major) * 100) : 0);
const actionCount = (list: unknown, type: string) =>
  ((list as { action_type: string; value: string }[] | undefined) ?? []).filter((a) => a.action_type === type).reduce((n, a) => n + Number(a.value), 0);

/** Every breakdown set Meta serves among those Grantline serves (Meta's "Combining Breakdowns" table). */
const VALID_COMBINATIONS: string[][] = [
  ["age"],
  ["gender"],
  ["age", "gender"],
  ["country"],
  ["region"],
  ["country", "region"],
  ["publisher_platform"],
  ["publisher_platform", "impression_device"],
  ["publisher_platform", "platform_position"],
  ["publisher_platform", "platform_position", "impression_device"],
  ["device_platform"],
  ["impression_device"],
  ["impression_device", "device_platform"],
];

/** Additive totals of a set of rows, grouped by their dates and level object. */
function totalsByRow(rows: InsightsRow[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const row of rows) {
    const key = [row.date_start, row.date_stop, row.campaign_id ?? "", row.adset_id ?? "", row.ad_id ?? ""].join("|");
    const values = [
      Number(row.impressions ?? 0),
      Number(row.reach ?? 0),
      Number(row.clicks ?? 0),
      Number(row.inline_link_clicks ?? 0),
      minor(row.spend),
      actionCount(row.actions, "purchase"),
      actionCount(row.actions, "link_click"),
      minor((row.action_values as { action_type: string; value: string }[] | undefined)?.filter((a) => a.action_type === "purchase").reduce((s, a) => (Number(s) + Number(a.value)).toFixed(2), "0")),
    ];
    const seen = out.get(key);
    if (seen) values.forEach((v, i) => (seen[i]! += v));
    else out.set(key, values);
  }
  return out;
}

describe.each(DIALECTS)("insights breakdowns on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
  let ads: AdServices;
  let acme: TestBusiness;
  let accountId: string;
  const adIds: string[] = [];
  const campaignIds: string[] = [];

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    ads = adServicesOf(hub);
    acme = await buildBusiness(hub, "Acme");
    accountId = (await buildAsset(hub, acme, "ad_account", "Acme Main")).graphId;
    const ctx = acme.admin.ctx;
    const creative = await buildCreative(ads, ctx, accountId);
    // Ad sets with different audiences: one narrow (women 25–44 in two countries, Instagram on
    // mobile), one with no targeting at all, one for men 55+ in Germany.
    const targetings = [
      { age_min: 25, age_max: 44, genders: [2], geo_locations: { countries: ["US", "CA"] }, publisher_platforms: ["instagram"], device_platforms: ["mobile"] },
      undefined,
      { age_min: 55, age_max: 65, genders: [1], geo_locations: { countries: ["DE"] } },
    ];
    for (let c = 0; c < 2; c++) {
      const campaign = await buildCampaign(ads, ctx, accountId, { name: `Campaign ${c}`, status: "ACTIVE" });
      campaignIds.push(campaign.id);
      for (let s = 0; s < 2; s++) {
        const targeting = targetings[(c * 2 + s) % 3];
        const adSet = await buildAdSet(ads, ctx, accountId, campaign.id, { name: `Ad set ${c}.${s}`, status: "ACTIVE", ...(targeting ? { targeting } : {}) });
        for (let a = 0; a < 2; a++) adIds.push((await buildAd(ads, ctx, accountId, adSet.id, creative.id, { name: `Ad ${c}.${s}.${a}`, status: "ACTIVE" })).id);
      }
    }
    const day = fc.record({
      impressions: fc.integer({ min: 0, max: 4000 }),
      reachShare: fc.double({ min: 0, max: 1, noNaN: true }),
      clickShare: fc.double({ min: 0, max: 0.08, noNaN: true }),
      linkShare: fc.double({ min: 0, max: 1, noNaN: true }),
      spend: fc.integer({ min: 0, max: 30000 }),
      conversions: fc.integer({ min: 0, max: 9 }),
      revenue: fc.integer({ min: 0, max: 90000 }),
    });
    const samples = fc.sample(day, { seed: 20260105, numRuns: adIds.length * 40 });
    const rows: DailyInsightInput[] = [];
    adIds.forEach((adId, a) => {
      for (let d = 0; d < 40; d++) {
        const s = samples[a * 40 + d]!;
        const clicks = Math.floor(s.impressions * s.clickShare);
        rows.push({
          ad_id: adId,
          date: dateAt("2025-12-01", d),
          impressions: s.impressions,
          reach: Math.floor(s.impressions * s.reachShare),
          clicks,
          link_clicks: Math.floor(clicks * s.linkShare),
          spend: s.spend,
          conversions: s.conversions,
          revenue: s.revenue,
        });
      }
    });
    await ads.insights.upsertDailyRows(rows);
  });
  afterAll(async () => {
    await store.cleanup();
  });

  it("breakdown rows add up exactly to the rows without breakdowns, for every additive metric", async () => {
    const query = fc.record({
      object: fc.constantFrom(0, 1, 2, 3),
      level: fc.constantFrom("account", "campaign", "adset", "ad"),
      start: fc.integer({ min: -3, max: 38 }),
      length: fc.integer({ min: 0, max: 30 }),
      increment: fc.constantFrom<number | string>(1, 3, 7, "monthly", "all_days"),
      breakdowns: fc.constantFrom(...VALID_COMBINATIONS),
      actionDevice: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(query, async ({ object, level, start, length, increment, breakdowns, actionDevice }) => {
        const objectId = object === 0 ? accountId : object === 1 ? campaignIds[0]! : object === 2 ? campaignIds[1]! : adIds[5]!;
        const effectiveLevel = object === 3 ? "ad" : object > 0 && level === "account" ? "campaign" : level;
        const base: InsightsQuery = {
          objectId,
          level: effectiveLevel,
          timeRange: { since: dateAt("2025-12-01", start), until: dateAt("2025-12-01", start + length) },
          timeIncrement: increment,
          fields: ["impressions", "reach", "clicks", "inline_link_clicks", "spend", "actions", "action_values"],
        };
        const plain = await ads.insights.insights(acme.admin.ctx, base);
        const broken = await ads.insights.insights(acme.admin.ctx, {
          ...base,
          breakdowns,
          ...(actionDevice && breakdowns.every((b) => ["publisher_platform", "platform_position", "impression_device"].includes(b)) ? { actionBreakdowns: ["action_type", "action_device"] } : {}),
        });
        for (const row of broken) for (const b of breakdowns) expect(typeof row[b]).toBe("string");
        expect(totalsByRow(broken)).toEqual(totalsByRow(plain));
      }),
      { numRuns: 60 },
    );
  });

  it("splits follow the ad set's targeting: a women-only, 25–44, Instagram-on-mobile audience shows nothing else", async () => {
    const narrowAd = adIds[0]!;
    const range = { since: "2025-12-01", until: "2025-12-31" };
    const ageGender = await ads.insights.insights(acme.admin.ctx, { objectId: narrowAd, timeRange: range, breakdowns: ["age", "gender"], fields: ["impressions"] });
    expect(new Set(ageGender.map((r) => r.gender))).toEqual(new Set(["female"]));
    expect(new Set(ageGender.map((r) => r.age))).toEqual(new Set(["25-34", "35-44"]));
    const countries = await ads.insights.insights(acme.admin.ctx, { objectId: narrowAd, timeRange: range, breakdowns: ["country"], fields: ["impressions"] });
    expect(new Set(countries.map((r) => r.country))).toEqual(new Set(["US", "CA"]));
    const placements = await ads.insights.insights(acme.admin.ctx, { objectId: narrowAd, timeRange: range, breakdowns: ["publisher_platform", "impression_device"], fields: ["impressions"] });
    expect(new Set(placements.map((r) => r.publisher_platform))).toEqual(new Set(["instagram"]));
    expect(placements.some((r) => r.impression_device === "desktop")).toBe(false);
    // The same query twice gives the same split: it comes from the seed, not from chance.
    expect(await ads.insights.insights(acme.admin.ctx, { objectId: narrowAd, timeRange: range, breakdowns: ["age", "gender"], fields: ["impressions"] })).toEqual(ageGender);
  });

  it("refuses a combination Meta does not serve with Meta's error, naming the columns with the implied action_type", async () => {
    const error = await expectError(ads.insights.insights(acme.admin.ctx, { objectId: accountId, breakdowns: ["age", "country"] }), "INVALID_BREAKDOWNS");
    expect(error.toGraph()).toMatchObject({ code: 100, type: "OAuthException", message: "(#100) Current combination of data breakdown columns (action_type, age, country) is invalid" });
    await expectError(ads.insights.insights(acme.admin.ctx, { objectId: accountId, breakdowns: ["platform_position"] }), "INVALID_BREAKDOWNS");
    await expectError(ads.insights.insights(acme.admin.ctx, { objectId: accountId, breakdowns: ["age"], actionBreakdowns: ["action_device"] }), "INVALID_BREAKDOWNS");
    await expectError(ads.insights.insights(acme.admin.ctx, { objectId: accountId, breakdowns: ["dma"] }), "INVALID_PARAMETER");
  });

  it("attribution windows: 1d_click ≤ 7d_click ≤ 28d_click, 1d_view counts no purchases, value is the default setting's", async () => {
    const rows = await ads.insights.insights(acme.admin.ctx, {
      objectId: accountId,
      level: "ad",
      timeRange: { since: "2025-12-01", until: "2026-01-09" },
      timeIncrement: 7,
      actionAttributionWindows: ["1d_click", "7d_click", "28d_click", "1d_view", "7d_view"],
      fields: ["actions", "action_values"],
    });
    let seen = 0;
    for (const row of rows) {
      for (const stat of (row.actions as Record<string, string>[] | undefined) ?? []) {
        if (stat.action_type !== "purchase") continue;
        seen++;
        expect(Number(stat["1d_click"])).toBeLessThanOrEqual(Number(stat["7d_click"]));
        expect(Number(stat["7d_click"])).toBeLessThanOrEqual(Number(stat["28d_click"]));
        expect(stat["7d_click"]).toBe(stat.value);
        expect(stat["1d_view"]).toBe("0");
        // Meta stopped returning 7d_view on January 12, 2026.
        expect(stat).not.toHaveProperty("7d_view");
      }
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("sort orders rows by a metric and time_ranges answers one set of rows per range", async () => {
    const bySpend = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, level: "ad", timeRange: { since: "2025-12-01", until: "2025-12-31" }, sort: ["spend_descending"], fields: ["spend"] });
    const spends = bySpend.map((r) => Number(r.spend));
    expect(spends).toEqual([...spends].sort((a, b) => b - a));
    await expectError(ads.insights.insights(acme.admin.ctx, { objectId: accountId, sort: ["name_descending"] }), "INVALID_PARAMETER");
    const ranges = await ads.insights.insights(acme.admin.ctx, {
      objectId: accountId,
      timeRanges: [
        { since: "2025-12-01", until: "2025-12-07" },
        { since: "2025-12-08", until: "2025-12-31" },
      ],
      fields: ["impressions"],
    });
    expect(ranges.map((r) => [r.date_start, r.date_stop])).toEqual([
      ["2025-12-01", "2025-12-07"],
      ["2025-12-08", "2025-12-31"],
    ]);
    const whole = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, timeRange: { since: "2025-12-01", until: "2025-12-31" }, fields: ["impressions"] });
    expect(Number(ranges[0]!.impressions) + Number(ranges[1]!.impressions)).toBe(Number(whole[0]!.impressions));
  });
});
