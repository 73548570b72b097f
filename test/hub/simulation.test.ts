import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { adServicesOf, buildAd, buildAdSet, buildBusiness, buildCampaign, buildCreative, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { runGrantline } from "../support/cli.ts";


describe.each(DIALECTS)("the simulated market over the hub's ad accounts on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let clock: TestClock;
  let acme: TestBusiness;
  let accountId: string;
  let activeAd: string;
  let pausedAd: string;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock(Date.UTC(2026, 5, 15, 12));
    hub = await store.open(clock);
    acme = await buildBusiness(hub, "Acme");
    const account = await hub.assets.createAsset(acme.admin.ctx, acme.id, {
      type: "ad_account",
      name: "Main",
      adAccount: { currency: "USD", timezoneName: "UTC", spendCap: 2_000_000 },
    });
    accountId = account.id;
    const ads = adServicesOf(hub);
    const ctx = acme.admin.ctx;
    const campaign = await buildCampaign(ads, ctx, account.graphId, { status: "ACTIVE" });
    const creative = await buildCreative(ads, ctx, account.graphId);
    const running = await buildAdSet(ads, ctx, account.graphId, campaign.id, { status: "ACTIVE", daily_budget: 10_000 });
    const paused = await buildAdSet(ads, ctx, account.graphId, campaign.id, { status: "PAUSED", daily_budget: 10_000 });
    activeAd = (await buildAd(ads, ctx, account.graphId, running.id, creative.id, { status: "ACTIVE" })).id;
    pausedAd = (await buildAd(ads, ctx, account.graphId, paused.id, creative.id, { status: "ACTIVE" })).id;
  });
  afterEach(async () => {
    await store.cleanup();
  });

  // Review disapprovals are random; these tests are about delivery, so no ad is disapproved here.
  const market = () => new HubSimulation(hub, { disapprovalDailyHazard: 0 });

  const storedRows = () =>
    hub.store.db.selectFrom("ad_insights_daily").select(["ad_id", "date", "spend", "impressions", "clicks", "conversions", "revenue"]).orderBy("date").orderBy("ad_id").execute();

  it("backfills history up to yesterday for running ads only, within the daily overspend limit", async () => {
    const summary = await market().backfill(14);
    expect(summary).toMatchObject({ days: 14, from: "2026-06-01", to: "2026-06-14", ads: 1 });
    const rows = await storedRows();
    expect(new Set(rows.map((r) => r.ad_id))).toEqual(new Set([activeAd]));
    expect(rows.some((r) => r.ad_id === pausedAd)).toBe(false);
    expect(rows.map((r) => r.date)).toEqual(Array.from({ length: 14 }, (_, i) => `2026-06-${String(i + 1).padStart(2, "0")}`));
    for (const row of rows) expect(row.spend).toBeLessThanOrEqual(12_500);
    expect(summary.spend).toBeCloseTo(rows.reduce((s, r) => s + r.spend, 0) / 100, 2);

    // The Graph reads the same totals from the same rows.
    const [total] = await hub.insights.insights(acme.admin.ctx, {
      objectId: `act_${accountId}`,
      timeRange: { since: "2026-06-01", until: "2026-06-14" },
      fields: ["spend", "impressions"],
    });
    expect(total).toMatchObject({ spend: summary.spend.toFixed(2), impressions: String(summary.impressions) });
    await expect(market().backfill(3)).rejects.toThrow(/already has simulated history/);
  });

  it("gives the same rows whether ten days are simulated at once or in two runs", async () => {
    const reset = async () => {
      await hub.store.db.deleteFrom("simulation_runs").execute();
      await hub.store.db.deleteFrom("ad_insights_daily").execute();
      await hub.store.db.updateTable("ads").set({ review_status: "APPROVED" }).execute();
    };
    await market().advance(10);
    const once = await storedRows();
    await reset();
    await market().advance(4);
    await market().advance(6);
    expect(await storedRows()).toEqual(once);
  });

  it("reports late conversions as they arrive: a day's count only grows on later runs", async () => {
    await market().advance(3);
    const before = await storedRows();
    await market().advance(7);
    const after = new Map((await storedRows()).map((r) => [r.date, r]));
    for (const row of before) {
      expect(after.get(row.date)!.conversions).toBeGreaterThanOrEqual(row.conversions);
      expect(after.get(row.date)!.spend).toBe(row.spend);
    }
  });

  it("prints one line of JSON from `grantline sim advance --days N --json`", async () => {
    const { stdout } = await runGrantline(store.env, "sim", "advance", "--days", "2", "--json");
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(lines[0]!)).sort()).toEqual(["ads", "clicks", "conversions", "days", "from", "impressions", "revenue", "spend", "to"]);
  });

  it("reads back through the Graph, for any date range and level, exactly the sums of the stored daily rows", async () => {
    await market().backfill(20);
    const rows = await storedRows();
    const app = await buildServer(hub, { logLevel: "silent" });
    const reader = await hub.businesses.createSystemUser(acme.admin.ctx, acme.id, { name: "Reader", role: "ADMIN" });
    const token = (await hub.tokens.issueSystemUserToken(acme.admin.ctx, reader.id, {})).accessToken;
    const dates = [...new Set(rows.map((r) => r.date))].sort();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: dates.length - 1 }),
        fc.integer({ min: 0, max: dates.length - 1 }),
        fc.constantFrom("account", "campaign", "adset", "ad"),
        async (a, b, level) => {
          const [since, until] = [dates[Math.min(a, b)]!, dates[Math.max(a, b)]!];
          const inRange = rows.filter((r) => r.date >= since && r.date <= until);
          const range = encodeURIComponent(JSON.stringify({ since, until }));
          const response = await app.inject({ url: `/v24.0/act_${accountId}/insights?level=${level}&fields=spend,impressions,clicks&time_range=${range}&access_token=${token}` });
          const data = (JSON.parse(response.body) as { data: { spend: string; impressions: string; clicks: string }[] }).data;
          const sum = (pick: (x: { spend: string; impressions: string; clicks: string }) => string) => data.reduce((t, x) => t + Number(pick(x)), 0);
          expect(Math.round(sum((x) => x.spend) * 100)).toBe(inRange.reduce((t, r) => t + r.spend, 0));
          expect(sum((x) => x.impressions)).toBe(inRange.reduce((t, r) => t + r.impressions, 0));
          expect(sum((x) => x.clicks)).toBe(inRange.reduce((t, r) => t + r.clicks, 0));
        },
      ),
      { numRuns: 25 },
    );
    await app.close();
  });
});
