import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** Meta's `filtering` parameter on every ad object list and on insights, over real HTTP. */
describe.each(DIALECTS)("filtering on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  let accountId: string;
  const campaigns: Record<string, string> = {};
  const adSets: Record<string, string> = {};
  const ads: Record<string, string> = {};

  const q = (clauses: unknown) => `filtering=${encodeURIComponent(JSON.stringify(clauses))}`;
  const names = async (path: string, clauses: unknown, extra = "") => {
    const response = await graph("GET", `${path}${path.includes("?") ? "&" : "?"}fields=name&${q(clauses)}${extra}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return (response.body.data as { name: string }[]).map((item) => item.name).sort();
  };

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    server = await startServer(hub);
    const owner = await bootstrapBusiness(hub, "Acme");
    graph = graphClient(server.url, owner.access_token);
    accountId = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const creative = (await graph("POST", `/${accountId}/adcreatives`, { name: "Spring look", title: "Shoes", body: "Light.", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW" })).body.id as string;
    await graph("POST", `/${accountId}/adcreatives`, { name: "Winter look", title: "Boots", body: "Warm.", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW" });
    for (const [name, budget] of [["Spring Sale", "1000"], ["Summer Sale", "3000"], ["spring clearance", "5000"]] as const) {
      const created = await graph("POST", `/${accountId}/campaigns`, { name, objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
      expect(created.status, JSON.stringify(created.body)).toBe(200);
      campaigns[name] = created.body.id as string;
      const adSet = await graph("POST", `/${accountId}/adsets`, { campaign_id: created.body.id, name: `${name} set`, daily_budget: budget, status: "ACTIVE" });
      expect(adSet.status, JSON.stringify(adSet.body)).toBe(200);
      adSets[name] = adSet.body.id as string;
      const ad = await graph("POST", `/${accountId}/ads`, { adset_id: adSet.body.id, name: `${name} ad`, creative: { creative_id: creative }, status: "ACTIVE" });
      expect(ad.status, JSON.stringify(ad.body)).toBe(200);
      ads[name] = ad.body.id as string;
    }
    expect((await graph("POST", `/${campaigns["Summer Sale"]}`, { status: "PAUSED" })).status).toBe(200);
    expect((await graph("DELETE", `/${ads["spring clearance"]}`)).status).toBe(200);
    await hub.insights.upsertDailyRows(
      Object.values(ads).flatMap((id, i) =>
        ["2026-01-01", "2026-01-02"].map((date) => ({ ad_id: id, date, impressions: 1000 * (i + 1), reach: 500, clicks: 10, spend: 2500 * (i + 1), conversions: i, revenue: 0 })),
      ),
    );
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("filters campaign, ad set, ad and creative lists with Meta's operators and dotted fields", async () => {
    expect(await names(`/${accountId}/campaigns`, [{ field: "campaign.name", operator: "CONTAIN", value: "spring" }])).toEqual(["Spring Sale", "spring clearance"]);
    expect(await names(`/${accountId}/campaigns`, [{ field: "name", operator: "NOT_CONTAIN", value: "Sale" }])).toEqual(["spring clearance"]);
    expect(await names(`/${accountId}/campaigns`, [{ field: "name", operator: "EQUAL", value: "Summer Sale" }])).toEqual(["Summer Sale"]);
    expect(await names(`/${accountId}/campaigns`, [{ field: "effective_status", operator: "NOT_IN", value: ["PAUSED"] }])).toEqual(["Spring Sale", "spring clearance"]);
    // Ad sets by their own budget (minor units, as strings on the wire) and by their campaign.
    expect(await names(`/${accountId}/adsets`, [{ field: "adset.daily_budget", operator: "GREATER_THAN", value: 1000 }])).toEqual(["Summer Sale set", "spring clearance set"]);
    expect(await names(`/${accountId}/adsets`, [{ field: "daily_budget", operator: "IN_RANGE", value: [1000, 3000] }])).toEqual(["Spring Sale set", "Summer Sale set"]);
    expect(await names(`/${accountId}/adsets`, [{ field: "daily_budget", operator: "NOT_IN_RANGE", value: [1000, 3000] }])).toEqual(["spring clearance set"]);
    expect(await names(`/${accountId}/adsets`, [{ field: "campaign.name", operator: "CONTAIN", value: "Spring" }, { field: "daily_budget", operator: "LESS_THAN_OR_EQUAL", value: "1000" }])).toEqual(["Spring Sale set"]);
    expect(await names(`/${accountId}/adsets`, [{ field: "campaign.effective_status", operator: "IN", value: ["PAUSED"] }])).toEqual(["Summer Sale set"]);
    // Ads by their ad set and campaign; the deleted ad only when the filter asks for DELETED, as on Meta.
    expect(await names(`/${accountId}/ads`, [{ field: "adset.id", operator: "EQUAL", value: adSets["Summer Sale"] }])).toEqual(["Summer Sale ad"]);
    expect(await names(`/${accountId}/ads`, [{ field: "campaign.id", operator: "IN", value: [campaigns["Spring Sale"], campaigns["spring clearance"]] }])).toEqual(["Spring Sale ad"]);
    expect(await names(`/${accountId}/ads`, [{ field: "ad.effective_status", operator: "IN", value: ["DELETED"] }])).toEqual(["spring clearance ad"]);
    expect(await names(`/${campaigns["Spring Sale"]}/ads`, [{ field: "name", operator: "CONTAIN", value: "ad" }])).toEqual(["Spring Sale ad"]);
    expect(await names(`/${adSets["Summer Sale"]}/ads`, [{ field: "ad.name", operator: "CONTAIN", value: "Spring" }])).toEqual([]);
    expect(await names(`/${campaigns["Summer Sale"]}/adsets`, [{ field: "adset.effective_status", operator: "EQUAL", value: "CAMPAIGN_PAUSED" }])).toEqual(["Summer Sale set"]);
    expect(await names(`/${accountId}/adcreatives`, [{ field: "name", operator: "CONTAIN", value: "winter" }])).toEqual(["Winter look"]);
    // Times: created_time AFTER an old UNIX time keeps everything, BEFORE it keeps nothing.
    expect(await names(`/${accountId}/campaigns`, [{ field: "created_time", operator: "AFTER", value: 1_700_000_000 }])).toHaveLength(3);
    expect(await names(`/${accountId}/campaigns`, [{ field: "created_time", operator: "BEFORE", value: "2020-01-01" }])).toEqual([]);
    // Lists: ANY, ALL and NONE over list fields.
    expect(await names(`/${accountId}/campaigns`, [{ field: "special_ad_categories", operator: "NONE", value: ["HOUSING"] }])).toHaveLength(3);
    expect(await names(`/${accountId}/campaigns`, [{ field: "special_ad_categories", operator: "ANY", value: ["HOUSING"] }])).toEqual([]);
    expect(await names(`/${accountId}/campaigns`, [{ field: "special_ad_categories", operator: "ALL", value: [] }])).toHaveLength(3);
  });

  it("filters before paging: every page holds matching items, cursors continue, and the count is of matches", async () => {
    const clauses = [{ field: "campaign.name", operator: "CONTAIN", value: "spring" }];
    const first = await graph("GET", `/${accountId}/campaigns?fields=name&limit=1&summary=total_count&${q(clauses)}`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.summary).toEqual({ total_count: 2 });
    const after = first.body.paging.cursors.after as string;
    const second = await graph("GET", `/${accountId}/campaigns?fields=name&limit=1&after=${after}&${q(clauses)}`);
    expect(second.body.data).toHaveLength(1);
    const seen = [first.body.data[0].name, second.body.data[0].name].sort();
    expect(seen).toEqual(["Spring Sale", "spring clearance"]);
    expect(second.body.paging.next).toBeUndefined();
    const back = await graph("GET", `/${accountId}/campaigns?fields=name&limit=1&before=${second.body.paging.cursors.before as string}&${q(clauses)}`);
    expect(back.body.data).toEqual([first.body.data[0]]);
  });

  it("filters insights rows by metrics and by their objects' fields", async () => {
    const range = `time_range=${encodeURIComponent(JSON.stringify({ since: "2026-01-01", until: "2026-01-02" }))}`;
    const rows = async (clauses: unknown, extra = "") => {
      const response = await graph("GET", `/${accountId}/insights?level=campaign&fields=campaign_name,spend&${range}&${q(clauses)}${extra}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.data as Record<string, string>[];
    };
    const spring = await rows([{ field: "campaign.name", operator: "CONTAIN", value: "Spring" }]);
    expect(spring.map((r) => r.campaign_name).sort()).toEqual(["Spring Sale", "spring clearance"]);
    // Rows keep only the asked-for fields, even where the filter needed more.
    expect(Object.keys(spring[0]!).sort()).toEqual(["campaign_name", "date_start", "date_stop", "spend"]);
    const big = await rows([{ field: "spend", operator: "GREATER_THAN", value: 60 }]);
    expect(big.map((r) => r.campaign_name).sort()).toEqual(["Summer Sale", "spring clearance"]);
    const paused = await rows([{ field: "campaign.effective_status", operator: "EQUAL", value: "PAUSED" }]);
    expect(paused.map((r) => r.campaign_name)).toEqual(["Summer Sale"]);
    const byAd = await graph("GET", `/${accountId}/insights?level=ad&fields=ad_id&${range}&${q([{ field: "ad.id", operator: "IN", value: [ads["Summer Sale"]] }])}`);
    expect(byAd.body.data).toEqual([{ ad_id: ads["Summer Sale"], date_start: "2026-01-01", date_stop: "2026-01-02" }]);
    const tooHigh = await graph("GET", `/${accountId}/insights?level=campaign&${range}&${q([{ field: "ad.name", operator: "CONTAIN", value: "x" }])}`);
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.body.error).toMatchObject({ code: 100 });
    expect(tooHigh.body.error.message).toMatch(/^\(#100\) Filtering field ad\.name needs level=ad/);
  });

  it("answers a bad operator, an unknown field or a malformed value with Meta's #100 error", async () => {
    const error = async (clauses: unknown, path = `/${accountId}/campaigns`) => {
      const response = await graph("GET", `${path}?${typeof clauses === "string" ? `filtering=${encodeURIComponent(clauses)}` : q(clauses)}`);
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ code: 100, type: "OAuthException" });
      return response.body.error.message as string;
    };
    expect(await error("campaign.name")).toBe("(#100) param filtering must be an array.");
    expect(await error([{ field: "name", operator: "LIKE", value: "x" }])).toMatch(/^\(#100\) param filtering\[0\]\[operator\] must be one of \{EQUAL, NOT_EQUAL, .*BEFORE\}\.$/);
    expect(await error([{ field: "campaign.nam", operator: "EQUAL", value: "x" }])).toBe("(#100) Filtering field campaign.nam is invalid.");
    expect(await error([{ field: "ad.name", operator: "EQUAL", value: "x" }])).toBe("(#100) Filtering field ad.name is invalid.");
    expect(await error([{ field: "name", operator: "IN", value: "x" }])).toBe("(#100) param filtering[0][value] must be a list of values with operator IN.");
    expect(await error([{ field: "daily_budget", operator: "IN_RANGE", value: [1] }])).toBe("(#100) param filtering[0][value] must be a list of two numbers [low, high] with operator IN_RANGE.");
    expect(await error([{ field: "daily_budget", operator: "GREATER_THAN", value: "lots" }])).toBe("(#100) param filtering[0][value] must be a number with operator GREATER_THAN.");
    expect(await error([{ field: "name", operator: "EQUAL" }])).toBe("(#100) param filtering[0][value] must be a single value with operator EQUAL.");
    expect(await error([{ field: "wish_bid", operator: "EQUAL", value: "x" }], `/${accountId}/insights`)).toBe("(#100) Filtering field 'wish_bid' is not supported");
  });

  it("keeps the effective_status parameter working beside filtering", async () => {
    const response = await graph("GET", `/${accountId}/campaigns?fields=name&effective_status=${encodeURIComponent('["PAUSED"]')}&${q([{ field: "name", operator: "CONTAIN", value: "Sale" }])}`);
    expect(response.body.data.map((c: { name: string }) => c.name)).toEqual(["Summer Sale"]);
  });
});
