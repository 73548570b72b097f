import { isRefusedSpecField } from "../../src/graph/fieldCoverage.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { META_FIELD_KINDS, metaFieldKind, type FieldKind } from "../../src/graph/metaFieldTypes.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** Graph's time format, as Meta sends `datetime` fields. */
const GRAPH_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/;
/** Money Meta sends as a string of minor units (spec type string). */
const MONEY = new Set(["amount_spent", "balance", "spend_cap", "daily_budget", "lifetime_budget", "budget_remaining", "min_campaign_group_spend_cap"]);
/** Insights metrics Meta sends as numeric strings (spec type string). */
const NUMERIC_METRICS = new Set(["impressions", "reach", "clicks", "spend", "cpc", "cpm", "cpp", "ctr", "frequency", "inline_link_clicks", "inline_link_click_ctr"]);

/** Whether `value` reads as Meta sends a field of `kind` named `field`; undefined when it does, else what is wrong. */
function mismatch(field: string, kind: FieldKind, value: unknown): string | undefined {
  const got = Array.isArray(value) ? "list" : value === null ? "null" : typeof value;
  switch (kind) {
    case "string":
      if (typeof value !== "string") return `${kind} expected, got ${got} ${JSON.stringify(value)}`;
      // Ad account ids carry act_; a post's id is <page id>_<post id>.
      if ((field === "id" || field.endsWith("_id")) && !/^(act_)?\d+(_\d+)?$/.test(value)) return `numeric id expected, got ${JSON.stringify(value)}`;
      if ((MONEY.has(field) || NUMERIC_METRICS.has(field)) && !/^-?\d+(\.\d+)?$/.test(value)) return `numeric string expected, got ${JSON.stringify(value)}`;
      return undefined;
    case "number":
      return typeof value === "number" ? undefined : `number expected, got ${got} ${JSON.stringify(value)}`;
    case "bool":
      return typeof value === "boolean" ? undefined : `bool expected, got ${got} ${JSON.stringify(value)}`;
    case "datetime":
      return typeof value === "string" && GRAPH_TIME.test(value) ? undefined : `datetime expected, got ${JSON.stringify(value)}`;
    case "list":
      return Array.isArray(value) ? undefined : `list expected, got ${got}`;
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value) ? undefined : `object expected, got ${got} ${JSON.stringify(value)}`;
  }
}

/** Every field in the answer that Meta's spec types differently, as `Type.field: problem`. */
function mismatches(type: string, object: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const [field, value] of Object.entries(object)) {
    const kind = metaFieldKind(type, field);
    if (!kind) continue;
    const problem = mismatch(field, kind, value);
    if (problem) found.push(`${type}.${field}: ${problem}`);
  }
  return found;
}

/** Every field of a type's spec that Grantline answers (the rest are refused with #100), to ask for all of them at once. */
const allFields = (type: string) =>
  Object.values(META_FIELD_KINDS[type] ?? {})
    .flatMap((names) => names.split(" "))
    .filter((name) => !isRefusedSpecField(type, name))
    .join(",");

/** The Graph surface answers every field in the JSON type Meta's specs give it (src/graph/metaFieldTypes.ts). */
describe.each(DIALECTS)("field types of Graph answers on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    store = makeTestStore(dialect);
    const clock = new TestClock();
    hub = await store.open(clock);
    server = await startServer(hub);
    const owner = await bootstrapBusiness(hub, "Acme");
    graph = graphClient(server.url, owner.access_token);
    const post = async (path: string, body: Record<string, unknown>) => {
      const response = await graph("POST", path, body);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return response.body.id as string;
    };
    const ctx = operatorContext();
    const person = await hub.businesses.createPerson(ctx, { name: "Dana Reyes", email: "dana@field-types.example" });
    await hub.businesses.setMemberRole(ctx, owner.business_id, person.id, "EMPLOYEE");
    const asset = async (type: "page" | "pixel") => (await hub.assets.createAsset(ctx, owner.business_id, { type, name: `Acme ${type}` })).graphId;
    ids.Business = owner.business_id;
    ids.User = person.id;
    ids.SystemUser = owner.system_user_id;
    ids.Page = await asset("page");
    ids.AdsPixel = await asset("pixel");
    ids.AdAccount = await post(`/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 });
    const account = ids.AdAccount;
    ids.Campaign = await post(`/${account}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE", daily_budget: "10000" });
    ids.AdSet = await post(`/${account}/adsets`, { campaign_id: ids.Campaign, name: "Daily", status: "ACTIVE", end_time: "2026-03-01T00:00:00-0800" });
    ids.AdCreative = await post(`/${account}/adcreatives`, {
      name: "Look",
      title: "Shoes",
      body: "Light.",
      image_url: "https://cdn.example.test/shoe.jpg",
      call_to_action_type: "SHOP_NOW",
      object_story_spec: { page_id: ids.Page, link_data: { link: "https://shop.example.test/", message: "Light." } },
    });
    ids.Ad = await post(`/${account}/ads`, { adset_id: ids.AdSet, name: "Ad", creative: { creative_id: ids.AdCreative }, status: "ACTIVE" });
    // The other shapes: a campaign without a budget, and an ad set with its own lifetime budget, a cost cap, targeting and a promoted pixel.
    ids["Campaign without budget"] = await post(`/${account}/campaigns`, { name: "Summer", objective: "OUTCOME_SALES", special_ad_categories: ["NONE"] });
    ids["AdSet with lifetime budget and cost cap"] = await post(`/${account}/adsets`, {
      campaign_id: ids["Campaign without budget"],
      name: "US 25-54",
      lifetime_budget: "300000",
      start_time: "2026-01-10T00:00:00-0800",
      end_time: "2026-02-01T00:00:00-0800",
      bid_strategy: "COST_CAP",
      bid_amount: 1500,
      targeting: { geo_locations: { countries: ["US"] }, age_min: 25, age_max: 54 },
      promoted_object: { pixel_id: ids.AdsPixel, custom_event_type: "PURCHASE" },
    });
    await hub.insights.upsertDailyRows([{ ad_id: ids.Ad, date: "2026-01-04", impressions: 1000, reach: 800, clicks: 20, spend: 4000, conversions: 3, revenue: 9000 }]);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it.each([
    ["AdAccount", "AdAccount"],
    ["Campaign", "Campaign"],
    ["Campaign without budget", "Campaign"],
    ["AdSet", "AdSet"],
    ["AdSet with lifetime budget and cost cap", "AdSet"],
    ["Ad", "Ad"],
    ["AdCreative", "AdCreative"],
    ["Business", "Business"],
    ["User", "User"],
    ["SystemUser", "SystemUser"],
    ["Page", "Page"],
    ["AdsPixel", "AdsPixel"],
  ])("%s: fields have Meta's types", async (label, type) => {
    const response = await graph("GET", `/${ids[label]}?fields=${allFields(type)}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    // More than the id came back, so the check below has something to check.
    expect(Object.keys(response.body).length).toBeGreaterThan(1);
    expect(mismatches(type, response.body)).toEqual([]);
  });

  it("items of edges have Meta's types too (lists read through the read model and the access index)", async () => {
    const edges: [string, string, string][] = [
      [ids.AdAccount!, "campaigns", "Campaign"],
      [ids.AdAccount!, "adsets", "AdSet"],
      [ids.AdAccount!, "ads", "Ad"],
      [ids.AdAccount!, "adcreatives", "AdCreative"],
      [ids.Business!, "owned_ad_accounts", "AdAccount"],
      [ids.Business!, "owned_pages", "Page"],
      [ids.Business!, "owned_pixels", "AdsPixel"],
    ];
    for (const [id, edge, type] of edges) {
      const response = await graph("GET", `/${id}/${edge}?fields=${allFields(type)}`);
      expect(response.status, `${edge}: ${JSON.stringify(response.body)}`).toBe(200);
      const items = response.body.data as Record<string, unknown>[];
      expect(items.length, edge).toBeGreaterThan(0);
      for (const item of items) expect(mismatches(type, item)).toEqual([]);
    }
  });

  it("insights rows have Meta's types, at each level and by day", async () => {
    const fields = "account_currency,account_id,account_name,campaign_id,campaign_name,adset_id,adset_name,ad_id,ad_name,impressions,reach,clicks,spend,cpc,cpm,ctr,frequency,actions,action_values,date_start,date_stop";
    const windows = `&action_attribution_windows=${encodeURIComponent('["1d_click","7d_click","28d_click","1d_view","7d_view"]')}`;
    for (const [asked, query] of [
      [fields, ""],
      [fields, "&level=campaign"],
      [fields, "&level=ad"],
      [fields, "&time_increment=1"],
      // Every field of Meta's spec at once: those without a meaning here are left out, never refused.
      [allFields("AdsInsights"), "&level=ad"],
      [allFields("AdsInsights"), "&level=ad&breakdowns=age,gender"],
      [allFields("AdsInsights"), `&level=adset&breakdowns=publisher_platform,platform_position&action_breakdowns=action_type,action_device${windows}`],
    ] as const) {
      const response = await graph("GET", `/${ids.AdAccount}/insights?fields=${asked}${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      const rows = response.body.data as Record<string, unknown>[];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(mismatches("AdsInsights", row)).toEqual([]);
    }
  });
});
