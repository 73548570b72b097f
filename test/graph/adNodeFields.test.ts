import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** Fields of ad accounts and ad objects that reporting and buying tools read, in Meta's types. */
describe.each(DIALECTS)("ad object fields on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let accountId: string;
  let campaign: string;
  let cboCampaign: string;
  let adSet: string;
  let lifetimeSet: string;
  let creative: string;
  let ad: string;
  let pageId: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    // 2026-01-05 04:00 in Los Angeles.
    hub = await store.open(new TestClock());
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    graph = graphClient(server.url, owner.access_token);
    accountId = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const post = async (path: string, body: Record<string, unknown>) => {
      const response = await graph("POST", path, body);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.id as string;
    };
    campaign = await post(`/${accountId}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
    cboCampaign = await post(`/${accountId}/campaigns`, { name: "CBO", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE", daily_budget: "10000" });
    adSet = await post(`/${accountId}/adsets`, { campaign_id: campaign, name: "Daily", daily_budget: "5000", status: "ACTIVE" });
    lifetimeSet = await post(`/${accountId}/adsets`, { campaign_id: campaign, name: "Lifetime", lifetime_budget: "100000", end_time: "2026-02-01T00:00:00-0800", status: "ACTIVE" });
    const page = await hub.assets.createAsset(operatorContext(), owner.business_id, { type: "page", name: "Acme Shoes" });
    pageId = page.graphId;
    creative = await post(`/${accountId}/adcreatives`, {
      name: "Look",
      title: "Shoes",
      body: "Light.",
      image_url: "https://cdn.example.test/shoe.jpg",
      call_to_action_type: "SHOP_NOW",
      object_story_spec: { page_id: pageId, link_data: { link: "https://shop.example.test/", message: "Light." } },
    });
    ad = await post(`/${accountId}/ads`, { adset_id: adSet, name: "Ad", creative: { creative_id: creative }, status: "ACTIVE" });
    const lifetimeAd = await post(`/${accountId}/ads`, { adset_id: lifetimeSet, name: "Ad 2", creative: { creative_id: creative }, status: "ACTIVE" });
    await hub.insights.upsertDailyRows([
      { ad_id: ad, date: "2026-01-04", impressions: 1000, reach: 800, clicks: 20, spend: 4000, conversions: 30, revenue: 0 },
      { ad_id: ad, date: "2026-01-05", impressions: 500, reach: 400, clicks: 10, spend: 1200, conversions: 25, revenue: 0 },
      { ad_id: lifetimeAd, date: "2026-01-03", impressions: 100, reach: 90, clicks: 1, spend: 30000, conversions: 1, revenue: 0 },
    ]);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("an ad account answers spend, zone, minimum budget, the caller's tasks, business and funding source", async () => {
    const fields = "amount_spent,balance,timezone_id,timezone_name,timezone_offset_hours_utc,min_daily_budget,user_tasks,business,owner,funding_source_details";
    const response = await graph("GET", `/${accountId}?fields=${fields}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      id: accountId,
      amount_spent: "35200",
      balance: "0",
      timezone_id: 1,
      timezone_name: "America/Los_Angeles",
      timezone_offset_hours_utc: -8,
      min_daily_budget: 100,
      business: { id: owner.business_id, name: "Acme" },
      owner: owner.business_id,
      funding_source_details: { display_string: "Visa *4242", type: 1 },
    });
    expect(typeof response.body.funding_source_details.id).toBe("string");
    expect(response.body.user_tasks).toEqual(expect.arrayContaining(["MANAGE", "ADVERTISE", "ANALYZE"]));
  });

  it("campaigns and ad sets answer budget_remaining as strings, issues_info and learning_stage_info", async () => {
    const daily = await graph("GET", `/${adSet}?fields=budget_remaining,issues_info,learning_stage_info,promoted_object`);
    expect(daily.body).toMatchObject({ budget_remaining: "3800", issues_info: [], learning_stage_info: { status: "SUCCESS", conversions: 55 } });
    const lifetime = await graph("GET", `/${lifetimeSet}?fields=budget_remaining,learning_stage_info`);
    expect(lifetime.body).toMatchObject({ budget_remaining: "70000", learning_stage_info: { status: "LEARNING", conversions: 1 } });
    // A campaign without a budget of its own has none remaining; a CBO campaign has its whole daily budget today.
    const listed = await graph("GET", `/${accountId}/campaigns?fields=name,budget_remaining,issues_info`);
    const byName = Object.fromEntries((listed.body.data as { name: string }[]).map((c) => [c.name, c]));
    expect(byName.Spring).toMatchObject({ budget_remaining: "0", issues_info: [] });
    expect(byName.CBO).toMatchObject({ budget_remaining: "10000" });
    expect(cboCampaign).toBeTruthy();
    const refused = await graph("GET", `/${accountId}/adsets?${`filtering=${encodeURIComponent(JSON.stringify([{ field: "budget_remaining", operator: "GREATER_THAN", value: 0 }]))}`}`);
    expect(refused.body.error.message).toBe("(#100) Filtering field 'budget_remaining' is not supported");
  });

  it("an ad answers its ad set and campaign as references; a creative its thumbnail, story id and call to action", async () => {
    const read = await graph("GET", `/${ad}?fields=adset,campaign,issues_info,adset{name}`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({ adset: { id: adSet, name: "Daily" }, campaign: { id: campaign }, issues_info: [] });
    const look = await graph("GET", `/${creative}?fields=thumbnail_url,effective_object_story_id,call_to_action`);
    expect(look.body).toEqual({
      id: creative,
      thumbnail_url: "https://cdn.example.test/shoe.jpg",
      effective_object_story_id: `${pageId}_${creative}`,
      call_to_action: { type: "SHOP_NOW", value: { link: "https://shop.example.test/" } },
    });
  });
});
