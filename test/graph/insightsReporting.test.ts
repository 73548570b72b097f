import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import bizSdk from "facebook-nodejs-business-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DailyInsightInput } from "../../src/hub/ads/insights.service.ts";
import { operatorContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { startMetaHostRedirect } from "../support/metaHostRedirect.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

const { FacebookAdsApi, AdAccount } = bizSdk;
const execFileAsync = promisify(execFile);

/** Points Meta's official SDK at a Grantline server, as a tool builder would. */
function pointSdkAt(url: string): void {
  Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => url, configurable: true });
  Object.defineProperty(FacebookAdsApi, "GRAPH_VIDEO", { get: () => url, configurable: true });
}

const DAY = 24 * 60 * 60 * 1000;
type Row = Record<string, any>;
const minor = (major: unknown) => (typeof major === "string" ? Math.round(Number(major) * 100) : 0);
const purchases = (row: Row) => Number((row.actions as { action_type: string; value: string }[] | undefined)?.find((a) => a.action_type === "purchase")?.value ?? 0);

/** The totals a reporting job adds up: impressions, clicks, spend (minor units), purchases. */
function totals(rows: Row[]): [number, number, number, number] {
  const t: [number, number, number, number] = [0, 0, 0, 0];
  for (const row of rows) {
    t[0] += Number(row.impressions ?? 0);
    t[1] += Number(row.clicks ?? 0);
    t[2] += minor(row.spend);
    t[3] += purchases(row);
  }
  return t;
}

describe.each(DIALECTS)("a reporting job against the insights edge on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let token: string;
  let accountId: string;
  let graph: ReturnType<typeof graphClient>;
  const stored: DailyInsightInput[] = [];
  let since: string;
  let until: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    pointSdkAt(server.url);
    const owner = await bootstrapBusiness(hub, "Report Co");
    token = owner.access_token;
    graph = graphClient(server.url, token);
    const created = await graph("POST", `/v24.0/${owner.business_id}/adaccount`, { name: "Reporting", currency: "USD", timezone_id: 1 });
    accountId = created.body.id as string;
    const op = operatorContext();
    const ads = adServicesOf(hub);
    const creative = await buildCreative(ads, op, accountId);
    const adIds: string[] = [];
    for (let c = 0; c < 3; c++) {
      const campaign = await buildCampaign(ads, op, accountId, { name: `Campaign ${c}`, status: "ACTIVE" });
      for (let s = 0; s < 2; s++) {
        const targeting = s === 0 ? { age_min: 25, age_max: 54, genders: [2], geo_locations: { countries: ["US"] } } : undefined;
        const adSet = await buildAdSet(ads, op, accountId, campaign.id, { name: `Ad set ${c}.${s}`, status: "ACTIVE", ...(targeting ? { targeting } : {}) });
        for (let a = 0; a < 3; a++) adIds.push((await buildAd(ads, op, accountId, adSet.id, creative.id, { name: `Ad ${c}.${s}.${a}`, status: "ACTIVE" })).id);
      }
    }
    // 30 days up to yesterday, so presets counted from today see them too.
    const first = hub.now() - 31 * DAY;
    for (const [a, adId] of adIds.entries()) {
      for (let d = 0; d < 30; d++) {
        const impressions = 400 + ((a * 37 + d * 101) % 900);
        const clicks = Math.floor(impressions * (0.01 + ((a + d) % 5) / 200));
        stored.push({
          ad_id: adId,
          date: new Date(first + d * DAY).toISOString().slice(0, 10),
          impressions,
          reach: Math.floor(impressions * 0.8),
          clicks,
          link_clicks: Math.floor(clicks * 0.7),
          spend: 500 + ((a * 53 + d * 17) % 1500),
          conversions: (a + d) % 4,
          revenue: ((a + d) % 4) * 2999,
        });
      }
    }
    await hub.insights.upsertDailyRows(stored);
    since = stored[0]!.date;
    until = stored[stored.length - 1]!.date;
  });
  afterAll(async () => {
    await server?.close();
    await store?.cleanup();
  });

  it("pulls 30 days of ad-level daily insights with actions through every page with the SDK, and the same with age × gender: totals equal", async () => {
    const api = new FacebookAdsApi(token);
    const account = new AdAccount(accountId, {}, undefined, api);
    const pull = async (params: Record<string, unknown>) => {
      const fields = ["ad_id", "ad_name", "impressions", "clicks", "spend", "actions", "action_values"];
      const cursor = await account.getInsights(fields, { level: "ad", time_increment: 1, time_range: { since, until }, limit: 200, ...params });
      const rows: Row[] = cursor.map((r: { _data: Row }) => r._data);
      let pages = 1;
      while (cursor.hasNext()) {
        await cursor.next();
        rows.push(...cursor.map((r: { _data: Row }) => r._data));
        pages++;
      }
      return { rows, pages };
    };
    const plain = await pull({});
    expect(plain.rows).toHaveLength(stored.length);
    expect(plain.pages).toBeGreaterThan(1);
    const expected: [number, number, number, number] = [0, 0, 0, 0];
    for (const r of stored) {
      expected[0] += r.impressions;
      expected[1] += r.clicks;
      expected[2] += r.spend;
      expected[3] += r.conversions;
    }
    expect(totals(plain.rows)).toEqual(expected);

    const broken = await pull({ breakdowns: ["age", "gender"] });
    expect(broken.rows.length).toBeGreaterThan(plain.rows.length);
    for (const row of broken.rows) {
      expect(row.age).toMatch(/^(18-24|25-34|35-44|45-54|55-64|65\+)$/);
      expect(["female", "male", "unknown"]).toContain(row.gender);
    }
    expect(totals(broken.rows)).toEqual(expected);
    // Each ad and day adds up on its own, not just overall.
    const perAdDay = (rows: Row[]) => {
      const out = new Map<string, number[]>();
      for (const row of rows) {
        const key = `${row.ad_id}|${row.date_start}`;
        const t = totals([row]);
        const seen = out.get(key);
        if (seen) t.forEach((v, i) => (seen[i]! += v));
        else out.set(key, t);
      }
      return out;
    };
    expect(perAdDay(broken.rows)).toEqual(perAdDay(plain.rows));
  }, 120_000);

  it("runs the same job written with node-fb, unmodified, against graph.facebook.com sent here by its HTTPS proxy", async () => {
    const redirect = await startMetaHostRedirect(server.url);
    try {
      // Asynchronously: the server answering the job runs in this process.
      const job = await execFileAsync(process.execPath, [fileURLToPath(new URL("./fixtures/fb-reporting-job.mjs", import.meta.url))], {
        env: { PATH: process.env.PATH ?? "", ...redirect.env, FB_ACCESS_TOKEN: token, REPORT_SINCE: since, REPORT_UNTIL: until },
        encoding: "utf8",
        timeout: 90_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(job.stderr).toBe("");
      expect(redirect.hosts.length).toBeGreaterThan(0);
      expect(redirect.hosts.every((h) => h === "graph.facebook.com:443")).toBe(true);
      const report = JSON.parse(job.stdout) as { accounts: Row[]; perAccount: { id: string; plain: { rows: Row[]; pages: number }; broken: { rows: Row[]; pages: number }; batch: { code: number; body: Row }[] }[] };
      expect(report.accounts).toEqual([{ id: accountId, name: "Reporting", currency: "USD", account_status: 1 }]);
      const [mine] = report.perAccount;
      expect(mine!.plain.rows).toHaveLength(stored.length);
      expect(mine!.plain.pages).toBeGreaterThan(1);
      const expected = totals(stored.map((r) => ({ impressions: r.impressions, clicks: r.clicks, spend: (r.spend / 100).toFixed(2), actions: [{ action_type: "purchase", value: String(r.conversions) }] })));
      expect(totals(mine!.plain.rows)).toEqual(expected);
      expect(mine!.broken.rows.length).toBeGreaterThan(stored.length);
      expect(totals(mine!.broken.rows)).toEqual(expected);
      expect(mine!.batch.map((b) => b.code)).toEqual([200, 200]);
      expect(mine!.batch[0]!.body).toMatchObject({ id: accountId, name: "Reporting", currency: "USD", amount_spent: expect.any(String) });
      expect((mine!.batch[1]!.body.data as Row[]).map((c) => c.name).sort()).toEqual(["Campaign 0", "Campaign 1", "Campaign 2"]);
    } finally {
      await redirect.close();
    }
  }, 120_000);

  it("expands insights inside fields with .date_preset, .time_range, .breakdowns, .filtering and .limit", async () => {
    const nested = await graph("GET", `/v24.0/${accountId}/campaigns?fields=${encodeURIComponent("name,adsets{name,insights.date_preset(last_7d){spend,impressions}}")}`);
    expect(nested.status).toBe(200);
    const adSets = (nested.body.data as Row[]).flatMap((c) => c.adsets.data as Row[]);
    expect(adSets).toHaveLength(6);
    for (const adSet of adSets) {
      const direct = await graph("GET", `/v24.0/${adSet.id}/insights?date_preset=last_7d&fields=spend,impressions`);
      expect(adSet.insights.data).toEqual(direct.body.data);
      expect(Number(adSet.insights.data[0].impressions)).toBeGreaterThan(0);
    }

    const range = `{'since':'${since}','until':'${until}'}`;
    const expanded = await graph("GET", `/v24.0/${accountId}?fields=${encodeURIComponent(`name,insights.time_range(${range}).breakdowns(age,gender).limit(2){impressions,spend}`)}`);
    expect(expanded.status).toBe(200);
    expect(expanded.body.insights.data).toHaveLength(2);
    expect(expanded.body.insights.data[0]).toHaveProperty("age");
    const next = new URL(expanded.body.insights.paging.next as string);
    expect(next.searchParams.get("breakdowns")).toBe("age,gender");
    const followed = await graph("GET", next.pathname + next.search);
    expect(followed.status).toBe(200);
    expect(followed.body.data[0]).toHaveProperty("gender");

    const filtered = await graph(
      "GET",
      `/v24.0/${accountId}?fields=${encodeURIComponent(`insights.time_range(${range}).level(ad).filtering([{'field':'ad.name','operator':'CONTAIN','value':'Ad 1.'}]){ad_name,spend}`)}`,
    );
    expect(filtered.status).toBe(200);
    const names = (filtered.body.insights.data as Row[]).map((r) => r.ad_name as string);
    expect(names.length).toBe(6);
    expect(names.every((n) => n.startsWith("Ad 1."))).toBe(true);
  });

  it("answers summary, sort, time_ranges and spec fields without a meaning here as Meta does", async () => {
    const range = encodeURIComponent(JSON.stringify({ since, until }));
    const summed = await graph("GET", `/v24.0/${accountId}/insights?level=ad&time_range=${range}&fields=spend,impressions&summary=${encodeURIComponent('["spend","impressions"]')}`);
    expect(summed.status).toBe(200);
    expect(minor(summed.body.summary.spend)).toBe(stored.reduce((s, r) => s + r.spend, 0));
    expect(Number(summed.body.summary.impressions)).toBe((summed.body.data as Row[]).reduce((s, r) => s + Number(r.impressions), 0) || stored.reduce((s, r) => s + r.impressions, 0));

    const sorted = await graph("GET", `/v24.0/${accountId}/insights?level=campaign&time_range=${range}&fields=campaign_name,spend&sort=${encodeURIComponent('["spend_ascending"]')}`);
    const spends = (sorted.body.data as Row[]).map((r) => Number(r.spend));
    expect(spends).toEqual([...spends].sort((a, b) => a - b));

    const ranges = encodeURIComponent(JSON.stringify([{ since, until: since }, { since: until, until }]));
    const perRange = await graph("GET", `/v24.0/${accountId}/insights?time_ranges=${ranges}&fields=impressions`);
    expect((perRange.body.data as Row[]).map((r) => r.date_start)).toEqual([since, until]);

    const meaningless = await graph("GET", `/v24.0/${accountId}/insights?time_range=${range}&fields=impressions,video_p25_watched_actions,wish_bid,unique_clicks,objective,account_currency`);
    expect(meaningless.status).toBe(200);
    expect(meaningless.body.data[0]).not.toHaveProperty("video_p25_watched_actions");
    expect(meaningless.body.data[0]).toMatchObject({ account_currency: "USD", unique_clicks: expect.any(String) });
    const unknown = await graph("GET", `/v24.0/${accountId}/insights?fields=impressions,not_a_field`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 100, message: "(#100) Tried accessing nonexisting field (not_a_field) on node type (AdsInsights)" });
  });

  it("answers cost_per_unique_action_type from each row's sums and adset_start from the row's ad set", async () => {
    const range = encodeURIComponent(JSON.stringify({ since, until }));
    const response = await graph("GET", `/v24.0/${accountId}/insights?level=ad&time_range=${range}&limit=100&fields=ad_id,adset_id,cost_per_unique_action_type,adset_start,adset_end`);
    expect(response.status).toBe(200);
    const rows = response.body.data as Row[];
    expect(rows).toHaveLength(18);
    const startOf = new Map<string, string>();
    for (const row of rows) {
      // One unique link click per link click, at most one per person reached (the row's own sums).
      const mine = stored.filter((r) => r.ad_id === row.ad_id);
      const spend = mine.reduce((s, r) => s + r.spend, 0) / 100;
      const unique = Math.min(mine.reduce((s, r) => s + (r.link_clicks ?? 0), 0), mine.reduce((s, r) => s + r.reach, 0));
      expect(row.cost_per_unique_action_type).toEqual([{ action_type: "link_click", value: (spend / unique).toFixed(6).replace(/\.?0+$/, "") }]);
      if (!startOf.has(row.adset_id)) startOf.set(row.adset_id, (await graph("GET", `/v24.0/${row.adset_id}?fields=start_time`)).body.start_time as string);
      expect(row.adset_start).toBe(startOf.get(row.adset_id));
      // These ad sets run until stopped: no end to show.
      expect(row).not.toHaveProperty("adset_end");
    }
    expect(startOf.size).toBe(6);
    expect([...startOf.values()].every((t) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/.test(t))).toBe(true);
    // Account rows span ad sets: no schedule.
    const account = await graph("GET", `/v24.0/${accountId}/insights?time_range=${range}&fields=adset_start,adset_end,spend`);
    expect(Object.keys(account.body.data[0]).sort()).toEqual(["date_start", "date_stop", "spend"]);
  });

  it("answers results and cost_per_result as Meta's indicator entries: the purchases these sales ad sets optimize for", async () => {
    const range = encodeURIComponent(JSON.stringify({ since, until }));
    const response = await graph("GET", `/v24.0/${accountId}/insights?level=ad&time_range=${range}&limit=100&fields=ad_id,spend,results,cost_per_result`);
    expect(response.status).toBe(200);
    const rows = response.body.data as Row[];
    expect(rows).toHaveLength(18);
    const indicator = "actions:offsite_conversion.fb_pixel_purchase";
    for (const row of rows) {
      const purchases = stored.filter((r) => r.ad_id === row.ad_id).reduce((s, r) => s + r.conversions, 0);
      if (purchases === 0) {
        expect(row.results).toEqual([{ indicator }]);
        continue;
      }
      expect(row.results).toEqual([{ indicator, values: [{ value: String(purchases), attribution_windows: ["default"] }] }]);
      const cost = (minor(row.spend) / 100 / purchases).toFixed(6).replace(/\.?0+$/, "");
      expect(row.cost_per_result).toEqual([{ indicator, values: [{ value: cost, attribution_windows: ["default"] }] }]);
    }
  });

  it("refuses a combination of breakdowns Meta does not serve with Meta's error", async () => {
    const refused = await graph("GET", `/v24.0/${accountId}/insights?breakdowns=age,country&fields=impressions`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 100, type: "OAuthException", message: "(#100) Current combination of data breakdown columns (action_type, age, country) is invalid" });
    const withDevice = await graph("GET", `/v24.0/${accountId}/insights?breakdowns=publisher_platform&action_breakdowns=action_device&fields=actions&time_range=${encodeURIComponent(JSON.stringify({ since, until }))}`);
    expect(withDevice.status).toBe(200);
    const stat = (withDevice.body.data as Row[])[0]!.actions[0];
    expect(stat).toHaveProperty("action_device");
  });
});
