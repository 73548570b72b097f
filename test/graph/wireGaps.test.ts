import bizSdk from "facebook-nodejs-business-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { RateLimiter } from "../../src/graph/rateLimit/rateLimiter.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

const { FacebookAdsApi, FacebookAdsApiBatch, AdAccount } = bizSdk;

describe.each(DIALECTS)("Graph wire details as Meta answers them on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let accountId: string;
  let graph: ReturnType<typeof graphClient>;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    stranger = await bootstrapBusiness(hub, "Stranger");
    graph = graphClient(server.url, owner.access_token);
    accountId = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    for (let i = 0; i < 3; i++) {
      await graph("POST", `/${accountId}/campaigns`, { name: `C${i}`, objective: "OUTCOME_SALES", special_ad_categories: [], daily_budget: String(1000 + i) });
    }
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("answers 400 for codes 100, 190 and 200, and 404 with 803 for an alias that does not exist", async () => {
    const badToken = await graphClient(server.url, "nope")("GET", `/${accountId}`);
    expect(badToken.status).toBe(400);
    expect(badToken.body.error).toMatchObject({ code: 190, type: "OAuthException" });
    // An employee is told why (200); a stranger is answered as for an unknown object (100, subcode 33).
    const employee = await hub.businesses.createSystemUser(operatorContext(), owner.business_id, { name: "Bot", role: "EMPLOYEE" });
    const employeeToken = (await hub.tokens.issueSystemUserToken(operatorContext(), employee.id, {})).accessToken;
    const denied = await graphClient(server.url, employeeToken)("POST", `/${owner.business_id}/system_users`, { name: "X" });
    expect(denied.status).toBe(400);
    expect(denied.body.error.code).toBe(200);
    const hidden = await graphClient(server.url, stranger.access_token)("POST", `/${owner.business_id}/system_users`, { name: "X" });
    expect(hidden.status).toBe(400);
    expect(hidden.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const invalid = await graph("POST", `/${accountId}/campaigns`, { name: "No objective", special_ad_categories: [] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe(100);
    const missing = await graph("GET", `/123456789`);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const alias = await graph("GET", `/no_such_page_alias`);
    expect(alias.status).toBe(404);
    expect(alias.body.error).toMatchObject({ code: 803, message: "(#803) Some of the aliases you requested do not exist: no_such_page_alias" });
  });

  it("feeds one batch operation's result into the next with {result=name:$.path}, omitting the parent's answer", async () => {
    const batch = [
      { method: "GET", name: "list", relative_url: `${accountId}/campaigns?fields=id&limit=2` },
      { method: "GET", relative_url: "?ids={result=list:$.data.*.id}&fields=name,daily_budget" },
    ];
    const result = await graph("POST", "/", `batch=${encodeURIComponent(JSON.stringify(batch))}`);
    expect(result.status).toBe(200);
    expect(result.body[0]).toBeNull();
    expect(result.body[1].code).toBe(200);
    const read = JSON.parse(result.body[1].body) as Record<string, { name: string }>;
    expect(Object.values(read).map((c) => c.name).sort()).toEqual(["C1", "C2"]);
  });

  it("keeps a parent's answer with omit_response_on_success=false, waits on depends_on, and chains a created id", async () => {
    const batch = [
      { method: "POST", name: "create", omit_response_on_success: false, relative_url: `${accountId}/campaigns`, body: "name=Chained&objective=OUTCOME_SALES&special_ad_categories=[]" },
      { method: "POST", relative_url: "{result=create:$.id}", body: "name=Chained+and+renamed" },
      { method: "GET", depends_on: "create", relative_url: "{result=create:$.id}?fields=name" },
    ];
    const result = await graph("POST", "/", { batch });
    expect(result.body.map((r: { code: number }) => r.code)).toEqual([200, 200, 200]);
    const created = JSON.parse(result.body[0].body) as { id: string };
    expect(JSON.parse(result.body[2].body)).toEqual({ id: created.id, name: "Chained and renamed" });
  });

  it("does not run an operation whose parent failed or is unknown, and refuses filters in paths", async () => {
    const batch = [
      { method: "POST", name: "bad", relative_url: `${accountId}/campaigns`, body: "name=NoObjective" },
      { method: "GET", relative_url: "{result=bad:$.id}?fields=name" },
      { method: "GET", depends_on: "nobody", relative_url: `${accountId}?fields=name` },
      { method: "GET", name: "ok", relative_url: `${accountId}/campaigns?fields=id&limit=1` },
      { method: "GET", relative_url: "?ids={result=ok:$.data[?(@.id)].id}" },
      { method: "GET", relative_url: "?ids={result=ok:$.data.*.nothing}" },
    ];
    const before = await hub.store.db.selectFrom("campaigns").select("id").execute();
    const result = await graph("POST", "/", { batch, include_headers: false });
    const codes = result.body.map((r: { code: number } | null) => r?.code);
    expect(codes).toEqual([400, 400, 400, 200, 400, 400]);
    expect(JSON.parse(result.body[1].body).error.message).toContain("depends on the operation named bad, which failed");
    expect(JSON.parse(result.body[2].body).error.message).toContain("No operation in this batch is named nobody");
    expect(JSON.parse(result.body[4].body).error.message).toContain("Unsupported JSONPath");
    expect(JSON.parse(result.body[5].body).error.message).toContain("matched nothing");
    expect(result.body[0]).not.toHaveProperty("headers");
    // ok's answer stays: nothing that used it ran.
    expect(result.body[3]).not.toBeNull();
    expect(await hub.store.db.selectFrom("campaigns").select("id").execute()).toHaveLength(before.length);
  });

  it("runs dependent batch operations sent through Meta's SDK", async () => {
    Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => server.url, configurable: true });
    const api = new FacebookAdsApi(owner.access_token, "en_US", false);
    const batch = new FacebookAdsApiBatch(api);
    const answers: Record<string, unknown>[] = [];
    const call = batch.add("GET", `${accountId}/campaigns`, { fields: "id", limit: 3, name: "all" }, undefined, (r: { body: Record<string, unknown> }) => answers.push(r.body));
    (call as Record<string, unknown>).omit_response_on_success = false;
    batch.add("GET", "", { ids: "{result=all:$.data.*.id}", fields: "name" }, undefined, (r: { body: Record<string, unknown> }) => answers.push(r.body));
    await batch.execute();
    expect(answers).toHaveLength(2);
    const ids = (answers[0]!.data as { id: string }[]).map((c) => c.id);
    expect(Object.keys(answers[1]!).sort()).toEqual(ids.sort());
  });

  it("answers insights with only the asked-for fields plus the dates, through the SDK too", async () => {
    const ads = adServicesOf(hub);
    const op = operatorContext();
    const campaign = await buildCampaign(ads, op, accountId, { status: "ACTIVE" });
    const adSet = await buildAdSet(ads, op, accountId, campaign.id, { status: "ACTIVE" });
    const ad = await buildAd(ads, op, accountId, adSet.id, (await buildCreative(ads, op, accountId)).id, { status: "ACTIVE" });
    await hub.insights.upsertDailyRows([{ ad_id: ad.id, date: "2026-01-02", impressions: 1000, reach: 800, clicks: 50, spend: 2500, conversions: 3, revenue: 9000 }]);
    const range = { since: "2026-01-01", until: "2026-01-31" };
    const raw = await graph("GET", `/${accountId}/insights?level=ad&fields=ad_id,spend&time_range=${encodeURIComponent(JSON.stringify(range))}`);
    expect(raw.body.data).toEqual([{ ad_id: ad.id, spend: "25.00", date_start: "2026-01-01", date_stop: "2026-01-31" }]);
    Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => server.url, configurable: true });
    const api = new FacebookAdsApi(owner.access_token, "en_US", false);
    const rows = await new AdAccount(accountId, {}, undefined, api).getInsights(["impressions", "clicks"], { time_range: range });
    expect(rows.map((r: { _data: unknown }) => r._data)).toEqual([{ impressions: "1000", clicks: "50", date_start: "2026-01-01", date_stop: "2026-01-31" }]);
  });
});

describe.each(DIALECTS)("the ad-account quota grows with active ads on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  afterAll(async () => {
    await store.cleanup();
  });

  it("adds 40 points per active ad to the standard tier's base, as Meta does", async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    const owner = await bootstrapBusiness(hub, "Acme");
    const app = await buildServer(hub, {
      logLevel: "silent",
      rateLimiter: new RateLimiter({ accessTier: "standard_access", adAccountBasePoints: { standard_access: 10 } }),
    });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const graph = graphClient(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, owner.access_token);
    try {
      const ads = adServicesOf(hub);
      const op = operatorContext();
      const busy = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Busy", currency: "USD", timezone_id: 1 })).body.id as string;
      const idle = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Idle", currency: "USD", timezone_id: 1 })).body.id as string;
      const campaign = await buildCampaign(ads, op, busy, { status: "ACTIVE" });
      const adSet = await buildAdSet(ads, op, busy, campaign.id, { status: "ACTIVE" });
      const creative = await buildCreative(ads, op, busy);
      for (let i = 0; i < 3; i++) {
        const ad = await buildAd(ads, op, busy, adSet.id, creative.id, { status: "ACTIVE" });
        await ads.ads.setReviewStatus(op, ad.id, { review_status: "APPROVED" });
      }
      await buildAd(ads, op, busy, adSet.id, creative.id, { status: "PAUSED" }); // not active: no points
      const usage = async (account: string) => JSON.parse((await graph("GET", `/${account}?fields=name`)).headers.get("x-ad-account-usage")!) as { acc_id_util_pct: number };
      // One point used: of 10 + 3 × 40 = 130 on the busy account, of 10 on the idle one.
      expect((await usage(busy)).acc_id_util_pct).toBeCloseTo(100 / 130, 1);
      expect((await usage(idle)).acc_id_util_pct).toBe(10);
      // A stranger's calls neither use up the account's quota nor reveal its usage.
      const stranger = await bootstrapBusiness(hub, "Stranger");
      const strangerGraph = graphClient(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`, stranger.access_token);
      for (let i = 0; i < 12; i++) {
        const refused = await strangerGraph("GET", `/${idle}?fields=name`);
        expect(refused.body.error.code).toBe(100);
        expect(refused.headers.get("x-ad-account-usage")).toBeNull();
      }
      expect((await usage(idle)).acc_id_util_pct).toBe(20);
    } finally {
      await app.close();
    }
  });
});
