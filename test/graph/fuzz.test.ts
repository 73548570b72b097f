import fc from "fast-check";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { buildGraphRegistry } from "../../src/graph/graphRegistry.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";

/**
 * Random requests — paths, fields, parameters and bodies, valid and not — against the full HTTP
 * pipeline (Fastify's inject). None may answer 5xx, and none may succeed on an asset the caller had
 * no path to before the request.
 */
/** A path segment from any string; a lone surrogate cannot be percent-encoded and goes in as `%ED%A0%80`. */
const pathSegment = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return "%ED%A0%80";
  }
};
const EDGES = [...new Set(Object.values(buildGraphRegistry().nodes).flatMap((n) => Object.keys(n.edges)))];
const PARAM_NAMES = ["fields", "limit", "after", "before", "summary", "business", "permitted_tasks", "tasks", "user", "name", "currency", "timezone_id", "spend_cap", "adaccount_id", "page_id", "role", "email", "scope", "ids", "batch", "end_time", "expiration_time", "daily_budget", "since", "time_range", "set_token_expires_in_60_days", "business_app", "access_token", "two_factor_type", "breakdowns", "action_breakdowns", "action_attribution_windows", "time_ranges", "sort", "date_preset", "time_increment", "level", "filtering", "default_summary"];

describe.each(DIALECTS)("fuzzed Graph requests on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let app: FastifyInstance;
  const tokens: Record<string, string> = {};
  const principals: Record<string, string> = {};
  const ids: string[] = [];
  const assetIds = new Set<string>();

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    app = await buildServer(hub, { logLevel: (process.env.FUZZ_LOG as "error") ?? "silent" });
    const owner = await bootstrapBusiness(hub, "Owner");
    const agency = await bootstrapBusiness(hub, "Agency");
    const stranger = await bootstrapBusiness(hub, "Stranger");
    const op = operatorContext();
    const employee = await hub.businesses.createSystemUser(op, agency.business_id, { name: "Agency Staff", role: "EMPLOYEE" });
    const employeeToken = await hub.tokens.issueSystemUserToken(op, employee.id, {});
    Object.assign(tokens, { owner: owner.access_token, agency: agency.access_token, stranger: stranger.access_token, employee: employeeToken.accessToken });
    Object.assign(principals, { owner: owner.system_user_id, agency: agency.system_user_id, stranger: stranger.system_user_id, employee: employee.id });
    for (const type of ["ad_account", "page", "pixel", "instagram_account", "product_catalog", "creative_hub_project"] as const) {
      const asset = await hub.assets.createAsset(op, owner.business_id, { type, name: `Owner ${type}` });
      assetIds.add(asset.id);
      ids.push(asset.graphId);
      await hub.partners.offer(op, { assetId: asset.id, partnerBusinessId: agency.business_id, tasks: presetTasks(type, "VIEW_ONLY") });
      if (type !== "pixel") await hub.partners.acceptOrRequest(op, { partnerBusinessId: agency.business_id, assetId: asset.id });
    }
    ids.push(owner.business_id, agency.business_id, stranger.business_id, owner.system_user_id, agency.system_user_id, employee.id, "me");
  });
  afterAll(async () => {
    await app.close();
    await store.cleanup();
  });

  it("never answers 5xx and never succeeds on an asset without a path", async () => {
    const inOwnerOrPartnerBusiness = (principalId: string, assetId: string) => {
      const asset = hub.engine.asset(assetId);
      const roles = hub.engine.index.principals.get(principalId)?.roles;
      return asset !== undefined && roles !== undefined && (roles.has(asset.ownerId) || hub.engine.index.sharesOf(assetId).some((share) => roles.has(share.partnerId)));
    };
    const junk = fc.oneof(
      fc.string(),
      fc.constantFrom("", "0", "-1", "9".repeat(40), "act_", "act_abc", "%00", "..", "null", "[]", "{}", "['A','B']", '["MANAGE"]', "{\"since\":\"x\"}", "true"),
      fc.integer().map(String),
      fc.json(),
      // Hostile dates, numbers and text: out-of-range times, numbers past 2^53, controls and direction overrides.
      fc.constantFrom("9999999999999", "99999999999999999999", "-9999999999999", "1e309", "NaN", "Infinity", "9999-12-31", "0000-00-00", "2026-02-30T25:61:00Z", "+275760-09-13"),
      fc.constantFrom("\u202Eevil\u202C", "a\u0000b", "\u001b[31mred", "\u2066x\u2069", "\ud800", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\u0085next"),
      fc.string({ unit: "binary", maxLength: 12 }),
    );
    /** A batch whose items are batches, as JSON: refused item by item, never run. */
    const nestedBatch = fc.constantFrom(...ids).map((id) =>
      JSON.stringify([{ method: "POST", relative_url: "/", body: `batch=${encodeURIComponent(JSON.stringify([{ method: "GET", relative_url: id }]))}` }]),
    );
    const value = fc.oneof(junk, nestedBatch, fc.constantFrom(...ids), fc.array(fc.constantFrom("ANALYZE", "ADVERTISE", "MANAGE", "FLY", "EDIT"), { maxLength: 4 }).map((a) => JSON.stringify(a)));
    const requestArb = fc.record({
      method: fc.constantFrom("GET", "POST", "DELETE", "GET", "POST"),
      version: fc.constantFrom("", "/v24.0", "/v1", "/v99.9"),
      node: fc.oneof(fc.constantFrom(...ids), junk.map((s) => pathSegment(s).slice(0, 60) || "x")),
      edge: fc.option(fc.oneof(fc.constantFrom(...EDGES), fc.string({ maxLength: 12 }).map((s) => pathSegment(s) || "y")), { nil: undefined }),
      params: fc.dictionary(fc.constantFrom(...PARAM_NAMES), value, { maxKeys: 5 }),
      as: fc.constantFrom("owner", "agency", "stranger", "employee", "none", "garbage"),
      bodyKind: fc.constantFrom("json", "form", "query", "raw"),
      raw: fc.string({ maxLength: 40 }),
    });
    const runs = dialect === "postgres" ? 4000 : 20_000;
    await fc.assert(
      fc.asyncProperty(requestArb, async (r) => {
        const token = r.as === "none" ? undefined : r.as === "garbage" ? "garbage" : tokens[r.as];
        const path = `${r.version}/${r.node}${r.edge ? `/${r.edge}` : ""}`;
        const query = new URLSearchParams();
        if (token) query.set("access_token", token);
        let payload: string | undefined;
        const headers: Record<string, string> = {};
        if (r.bodyKind === "query" || r.method !== "POST") {
          for (const [k, v] of Object.entries(r.params)) query.set(k, String(v));
        } else if (r.bodyKind === "json") {
          payload = JSON.stringify(r.params);
          headers["content-type"] = "application/json";
        } else if (r.bodyKind === "form") {
          payload = new URLSearchParams(Object.entries(r.params).map(([k, v]): [string, string] => [k, String(v)])).toString();
          headers["content-type"] = "application/x-www-form-urlencoded";
        } else {
          payload = r.raw;
          headers["content-type"] = "application/json";
        }
        const principal = r.as in principals ? principals[r.as] : undefined;
        const assetId = r.node.startsWith("act_") ? r.node.slice(4) : r.node;
        const isAsset = assetIds.has(assetId);
        const hadPath = principal !== undefined && isAsset && hub.engine.tasksOf(principal, assetId).length > 0;
        const response = await app.inject({ method: r.method as "GET", url: `${path}?${query.toString()}`, headers, ...(payload !== undefined ? { payload } : {}) });
        if (response.statusCode >= 500) throw new Error(`${response.statusCode} ${r.method} ${path} ${payload ?? ""} -> ${response.body}`);
        expect(() => JSON.parse(response.body)).not.toThrow();
        // Some edges answer only about the caller (its own capabilities, the presets, the guardrails
        // and held changes of its own business) to anyone in the owner business or a business the
        // asset is shared with — a partner admin not yet staffed.
        const aboutCallerOnly = r.method === "GET" && ["capabilities", "permission_levels", "partner_guardrails", "pending_changes"].includes(r.edge ?? "");
        const related = principal !== undefined && isAsset && inOwnerOrPartnerBusiness(principal, assetId);
        if (isAsset && response.statusCode < 300 && !hadPath && !(aboutCallerOnly && related)) throw new Error(`${r.as} reached ${r.method} ${path} without a path: ${response.body}`);
      }),
      { numRuns: runs },
    );
  }, 600_000);

  it("never answers 5xx to insights with random breakdowns, action breakdowns, windows, time ranges, sort and expansions", async () => {
    const op = operatorContext();
    const accountId = ids[0]!;
    const campaign = await hub.campaigns.createCampaign(op, accountId, { name: "Fuzz", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
    const adSet = await hub.adSets.createAdSet(op, accountId, { campaign_id: campaign.id, name: "Fuzz set", daily_budget: 5000, status: "ACTIVE", targeting: { age_min: 30, genders: [1], geo_locations: { countries: ["GB", "zz", 7] } } } as never);
    const creative = await hub.adCreatives.createAdCreative(op, accountId, { name: "Fuzz look", title: "t", body: "b", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW" });
    const ad = await hub.ads.createAd(op, accountId, { adset_id: adSet.id, name: "Fuzz ad", creative: { creative_id: creative.id }, status: "ACTIVE" });
    const today = new Date(hub.now()).toISOString().slice(0, 10);
    await hub.insights.upsertDailyRows(
      Array.from({ length: 20 }, (_, d) => ({ ad_id: ad.id, date: new Date(hub.now() - (d + 1) * 86_400_000).toISOString().slice(0, 10), impressions: 900 + d, reach: 700, clicks: 30, link_clicks: 20, spend: 1234, conversions: d % 3, revenue: 4000 })),
    );
    const names = ["age", "gender", "country", "region", "publisher_platform", "platform_position", "device_platform", "impression_device", "hourly_stats_aggregated_by_advertiser_time_zone", "dma", "action_type", "action_device", "action_destination", "action_target_id", "action_reaction", "", "AGE"];
    const list = fc.oneof(
      fc.subarray(names, { maxLength: 4 }).map((a) => a.join(",")),
      fc.subarray(names, { maxLength: 4 }).map((a) => JSON.stringify(a)),
      fc.string({ maxLength: 20 }),
    );
    const day = fc.oneof(fc.constantFrom(today, "2026-02-30", "1970-01-01", "9999-12-31", "x"), fc.integer({ min: 0, max: 60 }).map((d) => new Date(hub.now() - d * 86_400_000).toISOString().slice(0, 10)));
    const range = fc.record({ since: day, until: day });
    const params = fc.record(
      {
        breakdowns: list,
        action_breakdowns: list,
        action_attribution_windows: fc.oneof(fc.subarray(["1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "default", "2d_click"], { maxLength: 4 }).map((a) => JSON.stringify(a)), fc.string({ maxLength: 10 })),
        time_ranges: fc.oneof(fc.array(range, { maxLength: 3 }).map((a) => JSON.stringify(a)), fc.string({ maxLength: 20 }), fc.constant("[1,2]")),
        time_range: fc.oneof(range.map((r) => JSON.stringify(r)), fc.string({ maxLength: 10 })),
        sort: fc.oneof(fc.constantFrom("spend_descending", "reach_ascending", "impressions_descending", '["ctr_ascending","spend_descending"]', "name_descending", "_ascending", "spend"), fc.string({ maxLength: 12 })),
        date_preset: fc.constantFrom("today", "last_7d", "maximum", "this_week_sun_today", "last_quarter", "lifetime", ""),
        time_increment: fc.constantFrom("1", "7", "monthly", "all_days", "0", "91", "x"),
        level: fc.constantFrom("account", "campaign", "adset", "ad", "business", ""),
        use_unified_attribution_setting: fc.constantFrom("true", "false", "maybe"),
        summary: fc.constantFrom('["spend","impressions"]', "total_count", '["nope"]', "true"),
        fields: fc.constantFrom("spend,impressions,actions", "age,gender,spend", "reach,frequency,unique_clicks,objective,quality_ranking", "video_p25_watched_actions,wish_bid", "not_a_field", "actions{action_type}", ""),
        limit: fc.constantFrom("1", "5", "0", "-3", "x"),
      },
      { requiredKeys: [] },
    );
    const target = fc.constantFrom(accountId, campaign.id, adSet.id, ad.id);
    const expansion = fc.record({ preset: fc.constantFrom("last_7d", "bogus", "maximum"), breakdowns: fc.constantFrom("age,gender", "age,country", "publisher_platform", "x"), extra: fc.constantFrom("", ".limit(2)", ".filtering([{'field':'spend','operator':'GREATER_THAN','value':1}])", ".time_range({'since':'2026-01-01'})", ".sort(spend_descending)", ".summary(true)") });
    await fc.assert(
      fc.asyncProperty(target, params, fc.option(expansion, { nil: undefined }), async (id, p, x) => {
        const query = new URLSearchParams({ access_token: tokens.owner!, ...p });
        const url = x
          ? `/v24.0/${accountId}/campaigns?access_token=${tokens.owner}&fields=${encodeURIComponent(`name,adsets{name,insights.date_preset(${x.preset}).breakdowns(${x.breakdowns})${x.extra}{spend,impressions}}`)}`
          : `/v24.0/${id}/insights?${query.toString()}`;
        const response = await app.inject({ method: "GET", url });
        if (response.statusCode >= 500) throw new Error(`${response.statusCode} GET ${url} -> ${response.body}`);
        expect(() => JSON.parse(response.body)).not.toThrow();
      }),
      { numRuns: dialect === "postgres" ? 300 : 1500 },
    );
  }, 600_000);
});
