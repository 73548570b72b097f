import fc from "fast-check";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { DailyInsightInput, InsightsRow } from "../../src/hub/ads/insights.service.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildAd, buildAdSet, buildAsset, buildBusiness, buildCampaign, buildCreative, buildMember, buildShare, type TestBusiness, adServicesOf, type AdServices } from "../support/factories.ts";
import { DIALECTS, makeTestStore, snapshotState, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";


const DAY = 24 * 60 * 60 * 1000;
const dateAt = (base: string, offset: number) => new Date(Date.parse(`${base}T00:00:00Z`) + offset * DAY).toISOString().slice(0, 10);
/** "12.34" → 1234 (USD). */
const minor = (major: string | undefined) => (major === undefined ? 0 : Number(major.replace(".", "")));
const purchasesOf = (row: InsightsRow) => Number(row.actions?.find((a) => a.action_type === "purchase")?.value ?? 0);

interface Tree {
  accountId: string;
  campaigns: { id: string; adSets: { id: string; ads: string[] }[] }[];
}

/** Two campaigns, each with two ad sets of two ads. */
async function buildTree(ads: AdServices, owner: TestBusiness, accountId: string): Promise<Tree> {
  const ctx = owner.admin.ctx;
  const creative = await buildCreative(ads, ctx, accountId);
  const campaigns: Tree["campaigns"] = [];
  for (let c = 0; c < 2; c++) {
    const campaign = await buildCampaign(ads, ctx, accountId, { name: `Campaign ${c}`, status: "ACTIVE" });
    const adSets: { id: string; ads: string[] }[] = [];
    for (let s = 0; s < 2; s++) {
      const adSet = await buildAdSet(ads, ctx, accountId, campaign.id, { name: `Ad set ${c}.${s}`, status: "ACTIVE" });
      const adIds: string[] = [];
      for (let a = 0; a < 2; a++) adIds.push((await buildAd(ads, ctx, accountId, adSet.id, creative.id, { name: `Ad ${c}.${s}.${a}`, status: "ACTIVE" })).id);
      adSets.push({ id: adSet.id, ads: adIds });
    }
    campaigns.push({ id: campaign.id, adSets });
  }
  return { accountId, campaigns };
}

describe.each(DIALECTS)("insights on %s", (dialect) => {
  describe("sums of stored daily rows", () => {
    let store: TestStore;
    let hub: Grantline;
    let ads: AdServices;
    let acme: TestBusiness;
    let tree: Tree;
    let stored: DailyInsightInput[];
    const placement = new Map<string, { campaign: string; adSet: string }>();

    beforeAll(async () => {
      store = makeTestStore(dialect);
      hub = await store.open(new TestClock());
      ads = adServicesOf(hub);
      acme = await buildBusiness(hub, "Acme");
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      tree = await buildTree(ads, acme, account.graphId);
      for (const c of tree.campaigns) for (const s of c.adSets) for (const ad of s.ads) placement.set(ad, { campaign: c.id, adSet: s.id });
      // 100 days up to today (2026-01-05 in Los Angeles); each ad delivers on about 60% of them.
      const day = fc.record({
        delivers: fc.integer({ min: 0, max: 9 }),
        impressions: fc.integer({ min: 0, max: 5000 }),
        reachShare: fc.double({ min: 0, max: 1, noNaN: true }),
        clickShare: fc.double({ min: 0, max: 0.05, noNaN: true }),
        spend: fc.integer({ min: 0, max: 20000 }),
        conversions: fc.integer({ min: 0, max: 6 }),
        revenue: fc.integer({ min: 0, max: 90000 }),
      });
      const samples = fc.sample(day, { seed: 20260105, numRuns: 8 * 100 });
      stored = [];
      [...placement.keys()].forEach((adId, a) => {
        for (let d = 0; d < 100; d++) {
          const s = samples[a * 100 + d]!;
          if (s.delivers >= 6) continue;
          const clicks = Math.floor(s.impressions * s.clickShare);
          stored.push({
            ad_id: adId,
            date: dateAt("2025-09-28", d),
            impressions: s.impressions,
            reach: Math.floor(s.impressions * s.reachShare),
            clicks,
            link_clicks: Math.floor(clicks / 2),
            spend: s.spend,
            conversions: s.conversions,
            revenue: s.revenue,
          });
        }
      });
      expect(await ads.insights.upsertDailyRows(stored)).toEqual({ upserted: stored.length });
    });
    afterAll(async () => {
      await store.cleanup();
    });

    const LEVELS = ["account", "campaign", "adset", "ad"] as const;
    const column = { campaign: "campaign_id", adset: "adset_id", ad: "ad_id" } as const;

    it("any object, level, range and time increment adds up to exactly the stored rows", async () => {
      const objectArb = fc.oneof(
        fc.constant({ level: 0, id: () => tree.accountId, has: (_: DailyInsightInput) => true }),
        fc.integer({ min: 0, max: 1 }).map((c) => ({ level: 1, id: () => tree.campaigns[c]!.id, has: (r: DailyInsightInput) => placement.get(r.ad_id)!.campaign === tree.campaigns[c]!.id })),
        fc.integer({ min: 0, max: 3 }).map((s) => {
          const adSet = () => tree.campaigns[s >> 1]!.adSets[s & 1]!;
          return { level: 2, id: () => adSet().id, has: (r: DailyInsightInput) => placement.get(r.ad_id)!.adSet === adSet().id };
        }),
        fc.integer({ min: 0, max: 7 }).map((a) => {
          const ad = () => tree.campaigns[a >> 2]!.adSets[(a >> 1) & 1]!.ads[a & 1]!;
          return { level: 3, id: () => ad(), has: (r: DailyInsightInput) => r.ad_id === ad() };
        }),
      );
      const query = fc.record({
        object: objectArb,
        levelUp: fc.integer({ min: 0, max: 3 }),
        start: fc.integer({ min: -5, max: 105 }),
        length: fc.integer({ min: 0, max: 80 }),
        increment: fc.constantFrom<number | string>(1, 2, 7, 30, 90, "monthly", "all_days"),
      });
      await fc.assert(
        fc.asyncProperty(query, async ({ object, levelUp, start, length, increment }) => {
          const level = LEVELS[Math.min(3, object.level + levelUp)]!;
          const since = dateAt("2025-09-28", start);
          const until = dateAt("2025-09-28", start + length);
          const rows = await ads.insights.insights(acme.admin.ctx, {
            objectId: object.id(),
            level,
            timeRange: { since, until },
            timeIncrement: increment,
          });
          const inScope = stored.filter((r) => object.has(r) && r.date >= since && r.date <= until);
          const keyOf = (r: DailyInsightInput) => {
            if (level === "account") return "";
            const p = placement.get(r.ad_id)!;
            return level === "campaign" ? p.campaign : level === "adset" ? p.adSet : r.ad_id;
          };
          const covered = new Set<DailyInsightInput>();
          for (const row of rows) {
            expect(row.date_start >= since && row.date_stop <= until && row.date_start <= row.date_stop).toBe(true);
            const key = level === "account" ? "" : (row[column[level]] ?? "missing");
            const mine = inScope.filter((r) => keyOf(r) === key && r.date >= row.date_start && r.date <= row.date_stop);
            expect(mine.length).toBeGreaterThan(0);
            for (const r of mine) {
              expect(covered.has(r)).toBe(false);
              covered.add(r);
            }
            const sum = (f: (r: DailyInsightInput) => number) => mine.reduce((t, r) => t + f(r), 0);
            expect(Number(row.impressions)).toBe(sum((r) => r.impressions));
            expect(Number(row.reach)).toBe(sum((r) => r.reach));
            expect(Number(row.clicks)).toBe(sum((r) => r.clicks));
            expect(Number(row.inline_link_clicks)).toBe(sum((r) => r.link_clicks ?? 0));
            expect(minor(row.spend)).toBe(sum((r) => r.spend));
            expect(purchasesOf(row)).toBe(sum((r) => r.conversions));
            expect(row.account_id).toBe(tree.accountId.replace("act_", ""));
          }
          // Every stored row in scope is in exactly one result row.
          expect(covered.size).toBe(inScope.length);
          if (increment === "all_days") expect(new Set(rows.map((r) => `${r.date_start}|${r.date_stop}`)).size).toBeLessThanOrEqual(1);
        }),
        { numRuns: 40, seed: 42 },
      );
    });

    it("names the objects of the level and those above it", async () => {
      const rows = await ads.insights.insights(acme.admin.ctx, { objectId: tree.accountId, level: "ad", datePreset: "maximum" });
      const first = tree.campaigns[0]!.adSets[0]!.ads[0]!;
      expect(rows.find((r) => r.ad_id === first)).toMatchObject({
        account_name: "Acme Main",
        campaign_id: tree.campaigns[0]!.id,
        campaign_name: "Campaign 0",
        adset_id: tree.campaigns[0]!.adSets[0]!.id,
        adset_name: "Ad set 0.0",
        ad_name: "Ad 0.0.0",
        date_start: "2025-09-28",
        date_stop: "2026-01-05",
      });
      const campaignRows = await ads.insights.insights(acme.admin.ctx, { objectId: tree.campaigns[1]!.id, datePreset: "maximum" });
      expect(campaignRows).toHaveLength(1);
      expect(campaignRows[0]).not.toHaveProperty("adset_id");
      expect(campaignRows[0]).toMatchObject({ campaign_id: tree.campaigns[1]!.id, campaign_name: "Campaign 1" });
    });
  });

  describe("presets, metrics and access", () => {
    let store: TestStore;
    let hub: Grantline;
    let ads: AdServices;
    let clock: TestClock;
    let acme: TestBusiness;
    let accountId: string;
    let adId: string;

    beforeEach(async () => {
      store = makeTestStore(dialect);
      clock = new TestClock(); // 2026-01-05 12:00 UTC = 04:00 in Los Angeles
      hub = await store.open(clock);
      ads = adServicesOf(hub);
      acme = await buildBusiness(hub, "Acme");
      const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
      accountId = account.graphId;
      const campaign = await buildCampaign(ads, acme.admin.ctx, accountId);
      const adSet = await buildAdSet(ads, acme.admin.ctx, accountId, campaign.id);
      const creative = await buildCreative(ads, acme.admin.ctx, accountId);
      adId = (await buildAd(ads, acme.admin.ctx, accountId, adSet.id, creative.id)).id;
    });
    afterEach(async () => {
      await store.cleanup();
    });

    /** One row a day from 2025-11-01 to 2026-01-05, spending the day of the month in cents. */
    async function storeEveryDay() {
      const rows: DailyInsightInput[] = [];
      for (let d = 0; d < 66; d++) {
        const date = dateAt("2025-11-01", d);
        rows.push({ ad_id: adId, date, impressions: 100, reach: 80, clicks: 2, spend: Number(date.slice(8)), conversions: 0, revenue: 0 });
      }
      await ads.insights.upsertDailyRows(rows);
      return rows;
    }

    it("presets count from today in the ad account's zone, and the relative ones exclude today", async () => {
      const rows = await storeEveryDay();
      const range = async (datePreset: string) => {
        const [row] = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, datePreset, fields: ["spend"] });
        const expected = rows.filter((r) => r.date >= row!.date_start && r.date <= row!.date_stop).reduce((t, r) => t + r.spend, 0);
        expect(minor(row!.spend)).toBe(expected);
        return `${row!.date_start}..${row!.date_stop}`;
      };
      expect(await range("today")).toBe("2026-01-05..2026-01-05");
      expect(await range("yesterday")).toBe("2026-01-04..2026-01-04");
      expect(await range("last_3d")).toBe("2026-01-02..2026-01-04");
      expect(await range("last_7d")).toBe("2025-12-29..2026-01-04");
      expect(await range("last_14d")).toBe("2025-12-22..2026-01-04");
      expect(await range("last_30d")).toBe("2025-12-06..2026-01-04");
      expect(await range("this_month")).toBe("2026-01-01..2026-01-05");
      expect(await range("last_month")).toBe("2025-12-01..2025-12-31");
      expect(await range("this_week_mon_today")).toBe("2026-01-05..2026-01-05");
      expect(await range("last_week_mon_sun")).toBe("2025-12-29..2026-01-04");
      expect(await range("maximum")).toBe("2025-11-01..2026-01-05");
      // The default is last_30d.
      const [byDefault] = await ads.insights.insights(acme.admin.ctx, { objectId: accountId });
      expect(`${byDefault!.date_start}..${byDefault!.date_stop}`).toBe("2025-12-06..2026-01-04");

      // 03:00 UTC on the 5th is still the evening of the 4th in Los Angeles.
      clock.t = Date.UTC(2026, 0, 5, 3);
      expect(await range("today")).toBe("2026-01-04..2026-01-04");
      expect(await range("last_7d")).toBe("2025-12-28..2026-01-03");
      expect(await range("this_month")).toBe("2026-01-01..2026-01-04");

      const monthly = await ads.insights.insights(acme.admin.ctx, { objectId: adId, datePreset: "maximum", timeIncrement: "monthly", fields: ["spend"] });
      expect(monthly.map((r) => [r.date_start, r.date_stop])).toEqual([
        ["2025-11-01", "2025-11-30"],
        ["2025-12-01", "2025-12-31"],
        ["2026-01-01", "2026-01-04"],
      ]);
      expect(monthly.map((r) => r.spend)).toEqual(["4.65", "4.96", "0.10"]);
      const weekly = await ads.insights.insights(acme.admin.ctx, { objectId: adId, timeRange: { since: "2025-12-01", until: "2025-12-10" }, timeIncrement: "7" });
      expect(weekly.map((r) => [r.date_start, r.date_stop])).toEqual([
        ["2025-12-01", "2025-12-07"],
        ["2025-12-08", "2025-12-10"],
      ]);
    });

    it("computes Meta's metrics from the sums, and leaves out what would divide by zero", async () => {
      await ads.insights.upsertDailyRows([
        { ad_id: adId, date: "2026-01-04", impressions: 2000, reach: 1500, clicks: 50, link_clicks: 40, spend: 1234, conversions: 3, revenue: 15000 },
        { ad_id: adId, date: "2026-01-03", impressions: 0, reach: 0, clicks: 0, spend: 0, conversions: 0, revenue: 0 },
      ]);
      const [row] = await ads.insights.insights(acme.admin.ctx, { objectId: adId, datePreset: "yesterday" });
      expect(row).toMatchObject({
        date_start: "2026-01-04",
        date_stop: "2026-01-04",
        account_currency: "USD",
        impressions: "2000",
        reach: "1500",
        frequency: "1.333333",
        clicks: "50",
        inline_link_clicks: "40",
        spend: "12.34",
        ctr: "2.5",
        cpc: "0.2468",
        cpm: "6.17",
        cpp: "8.226667",
        inline_link_click_ctr: "2",
        cost_per_inline_link_click: "0.3085",
      });
      expect(row!.actions).toEqual([
        { action_type: "link_click", value: "40" },
        { action_type: "purchase", value: "3" },
        { action_type: "omni_purchase", value: "3" },
        { action_type: "offsite_conversion.fb_pixel_purchase", value: "3" },
      ]);
      expect(row!.action_values).toContainEqual({ action_type: "purchase", value: "150.00" });
      expect(row!.cost_per_action_type).toContainEqual({ action_type: "purchase", value: "4.113333" });
      expect(row!.purchase_roas).toContainEqual({ action_type: "purchase", value: "12.155592" });

      const [empty] = await ads.insights.insights(acme.admin.ctx, { objectId: adId, timeRange: { since: "2026-01-03", until: "2026-01-03" } });
      expect(empty).toMatchObject({ impressions: "0", spend: "0.00" });
      for (const field of ["ctr", "cpc", "cpm", "frequency", "actions", "purchase_roas"]) expect(empty).not.toHaveProperty(field);

      const [few] = await ads.insights.insights(acme.admin.ctx, { objectId: adId, datePreset: "yesterday", fields: ["spend", "actions", "ad_name"] });
      expect(Object.keys(few!).sort()).toEqual(
        // Only what was asked for, plus the row's dates, as on Meta.
        ["actions", "ad_name", "date_start", "date_stop", "spend"].sort(),
      );
      expect(await ads.insights.insights(acme.admin.ctx, { objectId: adId, datePreset: "today" })).toEqual([]);
    });

    it("answers cost_per_unique_action_type, adset_start and adset_end only when asked, at the levels that have them", async () => {
      // An ad set scheduled from 2026-01-02 09:00 to 2026-02-10 18:30 in the account's zone (Los Angeles, -0800).
      const campaign = await buildCampaign(ads, acme.admin.ctx, accountId);
      const scheduled = await buildAdSet(ads, acme.admin.ctx, accountId, campaign.id, { start_time: "2026-01-02T09:00:00-0800", end_time: "2026-02-10T18:30:00-0800" });
      const creative = await buildCreative(ads, acme.admin.ctx, accountId);
      const scheduledAd = (await buildAd(ads, acme.admin.ctx, accountId, scheduled.id, creative.id)).id;
      await ads.insights.upsertDailyRows([
        // Unique link clicks are min(link clicks, reach) of a row's sums: 40 for the first ad, 3 for the second.
        { ad_id: scheduledAd, date: "2026-01-04", impressions: 2000, reach: 1500, clicks: 50, link_clicks: 40, spend: 1234, conversions: 3, revenue: 15000 },
        { ad_id: adId, date: "2026-01-04", impressions: 10, reach: 3, clicks: 6, link_clicks: 5, spend: 100, conversions: 0, revenue: 0 },
      ]);
      const fields = ["spend", "cost_per_unique_action_type", "adset_start", "adset_end"];
      const rows = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, level: "ad", datePreset: "yesterday", fields: ["ad_id", ...fields] });
      const byAd = new Map(rows.map((r) => [r.ad_id ?? "", r]));
      // 12.34 / 40 = 0.3085; the first ad set was made without a schedule: it starts when made (the
      // test clock's 2026-01-05 04:00 in Los Angeles) and has no end, so adset_end is left out.
      expect(byAd.get(scheduledAd)).toEqual({
        ad_id: scheduledAd,
        date_start: "2026-01-04",
        date_stop: "2026-01-04",
        spend: "12.34",
        cost_per_unique_action_type: [{ action_type: "link_click", value: "0.3085" }],
        adset_start: "2026-01-02T09:00:00-0800",
        adset_end: "2026-02-10T18:30:00-0800",
      });
      // 1.00 / 3 = 0.333333.
      expect(byAd.get(adId)).toEqual({
        ad_id: adId,
        date_start: "2026-01-04",
        date_stop: "2026-01-04",
        spend: "1.00",
        cost_per_unique_action_type: [{ action_type: "link_click", value: "0.333333" }],
        adset_start: "2026-01-05T04:00:00-0800",
      });

      // At the ad set level the row is the ad set's; above it a row spans ad sets and has no schedule.
      const [adSetRow] = await ads.insights.insights(acme.admin.ctx, { objectId: scheduled.id, datePreset: "yesterday", fields });
      expect(adSetRow).toMatchObject({ adset_start: "2026-01-02T09:00:00-0800", adset_end: "2026-02-10T18:30:00-0800" });
      const [accountRow] = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, datePreset: "yesterday", fields });
      // The row's own sums: min(45 link clicks, 1503 reached) = 45 unique; 13.34 / 45 = 0.296444 (6 decimals).
      expect(accountRow).toEqual({ date_start: "2026-01-04", date_stop: "2026-01-04", spend: "13.34", cost_per_unique_action_type: [{ action_type: "link_click", value: "0.296444" }] });

      // Not among the metrics a query without fields answers; no link clicks, no cost per unique action.
      const [plain] = await ads.insights.insights(acme.admin.ctx, { objectId: scheduledAd, datePreset: "yesterday" });
      for (const field of ["cost_per_unique_action_type", "adset_start", "adset_end"]) expect(plain).not.toHaveProperty(field);
      await ads.insights.upsertDailyRows([{ ad_id: scheduledAd, date: "2026-01-03", impressions: 100, reach: 90, clicks: 0, spend: 50, conversions: 0, revenue: 0 }]);
      const [noClicks] = await ads.insights.insights(acme.admin.ctx, { objectId: scheduledAd, timeRange: { since: "2026-01-03", until: "2026-01-03" }, fields });
      expect(noClicks).toEqual({ date_start: "2026-01-03", date_stop: "2026-01-03", spend: "0.50", adset_start: "2026-01-02T09:00:00-0800", adset_end: "2026-02-10T18:30:00-0800" });
    });

    it("answers results and cost_per_result for the ad set's optimization goal, with breakdown rows adding up", async () => {
      const creative = await buildCreative(ads, acme.admin.ctx, accountId);
      const adSetOf = new Map<string, string>();
      const adUnder = async (objective: string) => {
        const campaign = await buildCampaign(ads, acme.admin.ctx, accountId, { objective });
        const adSet = await buildAdSet(ads, acme.admin.ctx, accountId, campaign.id);
        adSetOf.set(objective, adSet.id);
        return (await buildAd(ads, acme.admin.ctx, accountId, adSet.id, creative.id)).id;
      };
      // Each objective's default goal: purchases (adId, OUTCOME_SALES), link clicks, reach, post engagement.
      const [traffic, awareness, engagement] = [await adUnder("OUTCOME_TRAFFIC"), await adUnder("OUTCOME_AWARENESS"), await adUnder("OUTCOME_ENGAGEMENT")];
      const day = { date: "2026-01-04", impressions: 2000, reach: 1500, clicks: 50, link_clicks: 40, spend: 1234, conversions: 3, revenue: 15000 };
      await ads.insights.upsertDailyRows([adId, traffic, awareness, engagement].map((ad_id) => ({ ...day, ad_id })));
      const fields = ["ad_id", "spend", "results", "cost_per_result"];
      const rows = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, level: "ad", datePreset: "yesterday", fields });
      const byAd = new Map(rows.map((r) => [r.ad_id ?? "", r]));
      const result = (indicator: string, value: string) => [{ indicator, values: [{ value, attribution_windows: ["default"] }] }];
      // 12.34 / 3 purchases = 4.113333; / 40 link clicks = 0.3085; / 1500 reached = 0.008227.
      expect(byAd.get(adId)).toMatchObject({ results: result("actions:offsite_conversion.fb_pixel_purchase", "3"), cost_per_result: result("actions:offsite_conversion.fb_pixel_purchase", "4.113333") });
      expect(byAd.get(traffic)).toMatchObject({ results: result("actions:link_click", "40"), cost_per_result: result("actions:link_click", "0.3085") });
      expect(byAd.get(awareness)).toMatchObject({ results: result("reach", "1500"), cost_per_result: result("reach", "0.008227") });
      // Post engagement is not delivered here: no results, and the fields are left out.
      expect(byAd.get(engagement)).toEqual({ ad_id: engagement, date_start: "2026-01-04", date_stop: "2026-01-04", spend: "12.34" });

      // The ad set's row has its result, and so has the row of a campaign whose ad sets share one goal;
      // a campaign whose ad sets optimize for different results, and the account, leave both out.
      const [adSetRow] = await ads.insights.insights(acme.admin.ctx, { objectId: adSetOf.get("OUTCOME_TRAFFIC")!, datePreset: "yesterday", fields });
      expect(adSetRow).toMatchObject({ results: result("actions:link_click", "40") });
      const campaignRow = async (objective: string) => {
        const rows = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, level: "campaign", datePreset: "yesterday", fields: ["campaign_id", ...fields] });
        const campaignId = (await ads.adSets.getAdSet(acme.admin.ctx, adSetOf.get(objective)!)).campaign_id;
        return rows.find((r) => r.campaign_id === campaignId);
      };
      expect(await campaignRow("OUTCOME_TRAFFIC")).toMatchObject({ results: result("actions:link_click", "40"), cost_per_result: result("actions:link_click", "0.3085") });
      const trafficCampaign = (await ads.adSets.getAdSet(acme.admin.ctx, adSetOf.get("OUTCOME_TRAFFIC")!)).campaign_id;
      await buildAdSet(ads, acme.admin.ctx, accountId, trafficCampaign, { optimization_goal: "REACH" });
      expect(await campaignRow("OUTCOME_TRAFFIC")).not.toHaveProperty("results");
      const [accountRow] = await ads.insights.insights(acme.admin.ctx, { objectId: accountId, datePreset: "yesterday", fields });
      expect(accountRow).not.toHaveProperty("results");
      expect(accountRow).not.toHaveProperty("cost_per_result");

      // Results add up over breakdown rows, and each row's cost is its spend over its results.
      for (const breakdowns of [["age", "gender"], ["publisher_platform"], ["country"]]) {
        const cells = await ads.insights.insights(acme.admin.ctx, { objectId: traffic, datePreset: "yesterday", breakdowns, fields: ["spend", "results", "cost_per_result"] });
        const count = (r: InsightsRow) => Number((r.results as { values?: { value: string }[] }[] | undefined)?.[0]?.values?.[0]?.value ?? 0);
        expect(cells.reduce((t, r) => t + count(r), 0)).toBe(40);
        for (const cell of cells.filter((r) => count(r) > 0)) {
          const cost = (cell.cost_per_result as { values: { value: string }[] }[])[0]!.values[0]!.value;
          expect(Number(cost)).toBeCloseTo(minor(cell.spend) / 100 / count(cell), 6);
        }
      }

      // A day without a result keeps the indicator without values, as Meta's rows do.
      await ads.insights.upsertDailyRows([{ ...day, ad_id: adId, date: "2026-01-03", conversions: 0, revenue: 0 }]);
      const [none] = await ads.insights.insights(acme.admin.ctx, { objectId: adId, timeRange: { since: "2026-01-03", until: "2026-01-03" }, fields: ["results", "cost_per_result"] });
      expect(none).toEqual({ date_start: "2026-01-03", date_stop: "2026-01-03", results: [{ indicator: "actions:offsite_conversion.fb_pixel_purchase" }], cost_per_result: [{ indicator: "actions:offsite_conversion.fb_pixel_purchase" }] });
      // Not among the metrics a query without fields answers.
      const [plain] = await ads.insights.insights(acme.admin.ctx, { objectId: adId, datePreset: "yesterday" });
      expect(plain).not.toHaveProperty("results");
    });

    it("writing the same ad and day again replaces it; a bad batch writes nothing", async () => {
      const row = { ad_id: adId, date: "2026-01-04", impressions: 10, reach: 5, clicks: 1, spend: 100, conversions: 0, revenue: 0 };
      await ads.insights.upsertDailyRows([row]);
      await ads.insights.upsertDailyRows([{ ...row, impressions: 20, spend: 250 }]);
      const stored = await hub.store.db.selectFrom("ad_insights_daily").selectAll().execute();
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ impressions: 20, spend: 250, account_id: accountId.replace("act_", "") });

      const before = await snapshotState(hub);
      const next = { ...row, date: "2026-01-05" };
      const bad: [DailyInsightInput[], string][] = [
        [[next, { ...row, ad_id: "1234567890123456" }], "Invalid rows.1.ad_id: no ad has the ID 1234567890123456."],
        [[next, { ...row, reach: 11 }], "Invalid rows.1.reach: cannot exceed impressions."],
        [[next, { ...row, spend: -1 }], "Invalid rows.1.spend"],
        [[next, { ...row, date: "2026-02-30" }], "Invalid rows.1.date: must be a date YYYY-MM-DD."],
      ];
      for (const [rows, message] of bad) {
        const error = await expectError(ads.insights.upsertDailyRows(rows), "INVALID_PARAMETER");
        expect(error.message).toContain(message);
        expect(await snapshotState(hub)).toEqual(before);
      }
    });

    it("refuses a level above the object, unknown fields and bad ranges with Graph-style messages", async () => {
      await storeEveryDay();
      const cases: [Parameters<AdServices["insights"]["insights"]>[1], string, string][] = [
        [{ objectId: adId, level: "campaign" }, "INVALID_PARAMETER", "Invalid level: insights of an ad can be at level ad, not campaign."],
        [{ objectId: accountId, fields: ["spend", "roas"] }, "UNKNOWN_FIELD", "(#100) Tried accessing nonexisting field (roas) on node type (AdsInsights)"],
        [{ objectId: accountId, datePreset: "last_2d" }, "INVALID_PARAMETER", "Invalid date_preset"],
        [{ objectId: accountId, timeRange: { since: "2026-01-05", until: "2026-01-01" } }, "INVALID_PARAMETER", "since must not be after until"],
        [{ objectId: accountId, timeIncrement: 91 }, "INVALID_PARAMETER", "Invalid time_increment"],
        [{ objectId: "999" }, "NOT_FOUND", "Object with ID '999' does not exist"],
      ];
      for (const [query, id, message] of cases) {
        expect((await expectError(ads.insights.insights(acme.admin.ctx, query), id)).message).toContain(message);
      }
    });

    it("reading insights needs ANALYZE (Meta's View performance); AA_ANALYZE (Advanced Analytics) alone reads nothing", async () => {
      await storeEveryDay();
      const agency = await buildBusiness(hub, "Northwind Media");
      const analyst = await buildMember(hub, agency, "EMPLOYEE", "Ana");
      const viewer = await buildMember(hub, agency, "EMPLOYEE", "Vic");
      const accountAssetId = accountId.replace("act_", "");
      await buildShare(hub, acme, agency, accountAssetId, "VIEW_ONLY");
      await hub.assignments.assign(agency.admin.ctx, { assetId: accountAssetId, principalId: analyst.id, tasks: ["AA_ANALYZE"] });
      await hub.assignments.assign(agency.admin.ctx, { assetId: accountAssetId, principalId: viewer.id, tasks: ["ANALYZE"] });

      // View performance: reports and the campaigns behind them.
      expect(await ads.insights.insights(viewer.ctx, { objectId: accountId, datePreset: "yesterday" })).toHaveLength(1);
      expect(await ads.insights.insights(viewer.ctx, { objectId: adId, datePreset: "yesterday" })).toHaveLength(1);
      await ads.campaigns.listCampaigns(viewer.ctx, accountId);
      const denied = await expectError(ads.insights.insights(analyst.ctx, { objectId: adId }), "PERMISSION_DENIED");
      expect(denied.options.userMsg).toContain("needs ANALYZE");
      await expectError(ads.campaigns.listCampaigns(analyst.ctx, accountId), "PERMISSION_DENIED");
    });
  });
});
