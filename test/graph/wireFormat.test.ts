import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { listAuditEntries } from "../../src/hub/audit/audit.repository.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

describe.each(DIALECTS)("Graph wire format over raw HTTP on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let agency: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let accountId: string;
  let graph: ReturnType<typeof graphClient>;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    agency = await bootstrapBusiness(hub, "Northwind");
    graph = graphClient(server.url, owner.access_token);
    const created = await graph("POST", `/v24.0/${owner.business_id}/adaccount`, { name: "Main", currency: "EUR", timezone_name: "Europe/Paris" });
    accountId = created.body.id as string;
    for (let i = 0; i < 7; i++) await graph("POST", `/${owner.business_id}/owned_pages`, { name: `Page ${i}` });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("serves every path with and without a version prefix", async () => {
    for (const prefix of ["", "/v24.0", "/v19.0", "/v3.2"]) {
      const response = await graph("GET", `${prefix}/${accountId}?fields=name,currency`);
      expect(response.status, prefix).toBe(200);
      expect(response.body).toEqual({ id: accountId, name: "Main", currency: "EUR" });
    }
  });

  it("takes the token from the query, a Bearer header, or the body", async () => {
    const anonymous = graphClient(server.url);
    expect((await anonymous("GET", `/${owner.business_id}`)).body.error.code).toBe(104);
    const viaHeader = await fetch(`${server.url}/${owner.business_id}`, { headers: { authorization: `Bearer ${owner.access_token}` } });
    expect(await viaHeader.json()).toMatchObject({ id: owner.business_id, name: "Acme" });
    const viaBody = await anonymous("POST", `/${owner.business_id}/system_users`, `name=Bot&access_token=${owner.access_token}`);
    expect(viaBody.status).toBe(200);
    expect(viaBody.body.id).toMatch(/^\d+$/);
    const bad = await graphClient(server.url, "not-a-token")("GET", `/${owner.business_id}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 190, type: "OAuthException" });
  });

  it("accepts form posts with pseudo-JSON lists and JSON posts with real arrays", async () => {
    const form = await graph("POST", `/${accountId}/agencies`, `business=${agency.business_id}&permitted_tasks=['ANALYZE','AA_ANALYZE']`);
    expect(form.body).toMatchObject({ success: true, access_status: "PENDING" });
    const json = await graph("POST", `/${accountId}/agencies`, { business: agency.business_id, permitted_tasks: ["ANALYZE"] });
    expect(json.status).toBe(200);
    const listed = await graph("GET", `/${accountId}/agencies?fields=["id","permitted_tasks","access_status"]`);
    expect(listed.body.data).toEqual([{ id: agency.business_id, permitted_tasks: ["ANALYZE"], access_status: "PENDING" }]);
  });

  it("pages edges with cursors and absolute next/previous URLs that carry the token, and counts on request", async () => {
    const first = await graph("GET", `/v24.0/${owner.business_id}/owned_pages?fields=name&limit=3&summary=total_count`);
    expect(first.body.data).toHaveLength(3);
    expect(first.body.summary).toEqual({ total_count: 7 });
    expect(first.body.paging.previous).toBeUndefined();
    const next = new URL(first.body.paging.next as string);
    expect(next.origin).toBe(server.url);
    expect(next.pathname).toBe(`/v24.0/${owner.business_id}/owned_pages`);
    expect(next.searchParams.get("access_token")).toBe(owner.access_token);
    const seen = [...first.body.data.map((p: { name: string }) => p.name)];
    let url: string | undefined = first.body.paging.next;
    let last: Record<string, any> = first.body;
    while (url) {
      const page = (await (await fetch(url)).json()) as Record<string, any>;
      seen.push(...page.data.map((p: { name: string }) => p.name));
      last = page;
      url = page.paging.next;
    }
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `Page ${i}`));
    const back = (await (await fetch(last.paging.previous as string)).json()) as Record<string, any>;
    expect(back.data).toHaveLength(3);
  });

  it("reads several nodes with ?ids= and runs batches", async () => {
    const ids = await graph("GET", `/?ids=${accountId},${owner.business_id}&fields=name`);
    expect(ids.body).toEqual({ [accountId]: { id: accountId, name: "Main" }, [owner.business_id]: { id: owner.business_id, name: "Acme" } });
    const batch = [
      { method: "GET", relative_url: `v24.0/${accountId}?fields=name` },
      { method: "POST", relative_url: `${owner.business_id}/owned_pages`, body: "name=Batch+Page" },
      { method: "GET", relative_url: `${agency.business_id}/owned_ad_accounts` },
    ];
    const result = await graph("POST", `/`, `batch=${encodeURIComponent(JSON.stringify(batch))}`);
    expect(result.status).toBe(200);
    expect(result.body.map((r: { code: number }) => r.code)).toEqual([200, 200, 400]);
    expect(JSON.parse(result.body[0].body)).toEqual({ id: accountId, name: "Main" });
    expect(JSON.parse(result.body[2].body).error).toMatchObject({ code: 100, error_subcode: 33 });
    expect((await graph("POST", `/`, { batch: "nope" })).body.error.code).toBe(100);
  });

  it("answers errors in Graph's envelope with a trace id that is also the audit log's request id", async () => {
    const stranger = graphClient(server.url, agency.access_token);
    const denied = await stranger("POST", `/${owner.business_id}/system_users`, { name: "Intruder" });
    expect(denied.status).toBe(400);
    // A stranger's refusal reads as an unknown object, and is still audited as a denial.
    expect(denied.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const trace = denied.body.error.fbtrace_id as string;
    expect(denied.headers.get("x-fb-trace-id")).toBe(trace);
    const [entry] = await listAuditEntries(hub.store.db, { requestId: trace });
    expect(entry).toMatchObject({ outcome: "denied", actor_id: agency.system_user_id });

    const unknownEdge = await graph("GET", `/${accountId}/nonsense`);
    expect(unknownEdge.body.error).toMatchObject({ code: 100, message: "(#100) Tried accessing nonexisting field (nonsense) on node type (AdAccount)" });
    const missing = await graph("GET", `/act_123`);
    expect(missing.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    const badParam = await graph("POST", `/${accountId}/agencies`, { business: agency.business_id, permitted_tasks: ["FLY"] });
    expect(badParam.status).toBe(400);
    expect(badParam.body.error).toMatchObject({ code: 100, error_user_title: "Unknown task" });
    const badJson = await fetch(`${server.url}/${owner.business_id}?access_token=${owner.access_token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as Record<string, any>).error.code).toBe(100);
  });

  it("tells a partner why it is denied, and strangers nothing about the asset", async () => {
    const agencyGraph = graphClient(server.url, agency.access_token);
    await agencyGraph("POST", `/${agency.business_id}/client_ad_accounts`, { adaccount_id: accountId });
    const denied = await agencyGraph("POST", `/${accountId}`, { spend_cap: 100 });
    expect(denied.status).toBe(400);
    expect(denied.body.error.error_user_msg).toBe(
      "Acme shared Main with Northwind (Analytics view), but Northwind has not assigned Northwind Admin to it. " +
        "An admin of Acme must first raise the share to Admin; then an admin of Northwind can assign Northwind Admin.",
    );
    const thirdParty = await bootstrapBusiness(hub, "Stranger");
    const strangerGraph = graphClient(server.url, thirdParty.access_token);
    const hidden = await strangerGraph("GET", `/${accountId}?fields=name`);
    expect(hidden.body.error).toMatchObject({ code: 100, error_subcode: 33 });
    expect(JSON.stringify(hidden.body)).not.toContain("Main");
  });

  it("serves the Marketing API: create, read, update, delete, filter, count, and async insights reports", async () => {
    const created = await graph("POST", `/v24.0/${accountId}/campaigns`, "name=Spring&objective=OUTCOME_SALES&special_ad_categories=[]&status=PAUSED&daily_budget=5000");
    expect(created.status).toBe(200);
    const campaignId = created.body.id as string;
    for (let i = 0; i < 29; i++) await graph("POST", `/${accountId}/campaigns`, { name: `C${i}`, objective: "OUTCOME_TRAFFIC", special_ad_categories: [] });
    const counted = await graph("GET", `/${accountId}/campaigns?limit=10&summary=total_count`);
    expect(counted.body.data).toHaveLength(10);
    expect(counted.body.data[0]).toEqual({ id: expect.any(String) });
    expect(counted.body.summary).toEqual({ total_count: 30 });

    const read = await graph("GET", `/${campaignId}?fields=name,status,daily_budget,effective_status,special_ad_categories`);
    expect(read.body).toEqual({ id: campaignId, name: "Spring", status: "PAUSED", daily_budget: "5000", effective_status: "PAUSED", special_ad_categories: [] });
    expect((await graph("POST", `/${campaignId}`, { status: "ACTIVE", daily_budget: "6000" })).body).toEqual({ success: true });
    const active = await graph("GET", `/${accountId}/campaigns?fields=name&effective_status=${encodeURIComponent('["ACTIVE"]')}`);
    expect(active.body.data).toEqual([{ id: campaignId, name: "Spring" }]);
    const invalid = await graph("POST", `/${campaignId}`, { status: "SLEEPING" });
    expect(invalid.body.error.code).toBe(100);
    expect((await graph("DELETE", `/${campaignId}`)).body).toEqual({ success: true });
    expect((await graph("GET", `/${campaignId}?fields=effective_status`)).body.effective_status).toBe("DELETED");
    expect((await graph("GET", `/${accountId}/campaigns?summary=total_count&limit=1`)).body.summary.total_count).toBe(29);

    // An ad set, a creative and an ad through the Graph, then two days of delivery for the ad.
    const campaign2 = (await graph("POST", `/${accountId}/campaigns`, { name: "Summer", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" })).body.id;
    const adSet = await graph("POST", `/${accountId}/adsets`, { campaign_id: campaign2, name: "Lookalike", daily_budget: 5000, status: "ACTIVE" });
    expect(adSet.status).toBe(200);
    const creative = await graph("POST", `/${accountId}/adcreatives`, { name: "Trail", title: "Trail shoes", body: "Grippy.", link_url: "https://shop.example.test/trail" });
    const ad = await graph("POST", `/${accountId}/ads`, { adset_id: adSet.body.id, name: "Trail ad", creative: { creative_id: creative.body.id }, status: "ACTIVE" });
    expect(ad.status).toBe(200);
    await hub.insights.upsertDailyRows([
      { ad_id: ad.body.id, date: "2026-01-02", impressions: 1000, reach: 900, clicks: 40, spend: 1234, conversions: 2, revenue: 5000 },
      { ad_id: ad.body.id, date: "2026-01-05", impressions: 500, reach: 450, clicks: 10, spend: 766, conversions: 1, revenue: 2500 },
    ]);
    const timeRange = encodeURIComponent(JSON.stringify({ since: "2026-01-01", until: "2026-01-07" }));
    const daily = await graph("GET", `/${accountId}/insights?fields=spend,impressions&time_range=${timeRange}&time_increment=1`);
    expect(daily.status).toBe(200);
    // Only the asked-for fields and the row's dates, as on Meta.
    expect(daily.body.data).toEqual([
      { date_start: "2026-01-02", date_stop: "2026-01-02", spend: "12.34", impressions: "1000" },
      { date_start: "2026-01-05", date_stop: "2026-01-05", spend: "7.66", impressions: "500" },
    ]);
    const run = await graph("POST", `/${accountId}/insights`, { fields: "ad_id,spend,actions", level: "ad", time_range: { since: "2026-01-01", until: "2026-01-07" } });
    const runId = run.body.report_run_id as string;
    expect((await graph("GET", `/${runId}`)).body).toMatchObject({ id: runId, async_status: "Job Completed", async_percent_completion: 100 });
    const rows = await graph("GET", `/${runId}/insights`);
    expect(rows.body.data).toEqual([expect.objectContaining({ date_start: "2026-01-01", date_stop: "2026-01-07", ad_id: ad.body.id, spend: "20.00" })]);
    const stranger = graphClient(server.url, agency.access_token);
    expect((await stranger("GET", `/${runId}/insights`)).body.error.code).toBe(100);
  });
});
