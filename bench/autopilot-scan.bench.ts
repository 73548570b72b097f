/**
 * `npm run bench:autopilot-scan`: Autopilot's 90-day calibration scan of one ad account with 1,000
 * ads (50 ad sets × 20), through the Graph surface over loopback HTTP (token check, access engine,
 * rate limits, async insights report runs at level=ad per day, paging, JSON) and stored in Autopilot's tables, against
 * reading the same rows and objects straight from the store, in the same run. SQLite always;
 * PostgreSQL too when DATABASE_URL is set.
 *
 * In the same run, two more measures:
 * - the scan with today's field lists against the same scan without the fields the creative tests
 *   added (ad sets' `start_time`, ads' `created_time`), runs interleaved, with the ratio;
 * - a 40-ad launch (5 creatives × 4 audiences × 2 placements) through the Graph of a server with
 *   the hub's default rate limits (`loadConfig`'s, as `grantline serve` builds them): wall time,
 *   Graph calls, throttled answers and the largest share of any rate-limit bucket it used.
 *
 * Options: --ads-per-set 20  --ad-sets 50  --days 90  --runs 3
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildServer } from "../src/http/server.ts";
import { openGrantline, type Grantline } from "../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../src/hub/hub.ts";
import { principalContext } from "../src/hub/context.ts";
import { dropPostgresSchema } from "../src/store/database.ts";
import { RateLimiter } from "../src/graph/rateLimit/rateLimiter.ts";
import { MemoryRateLimitStore } from "../src/graph/rateLimit/memoryRateLimitStore.ts";
import type { RateLimitStore, WindowOutcome, WindowRequest } from "../src/graph/rateLimit/rateLimitStore.ts";
import { loadConfig } from "../src/config/env.ts";
import { parseLaunchSpec } from "../src/autopilot/app/launch/launchSpec.ts";
// The launch tests' spec: 5 creatives × 4 audiences × 2 placements, 8 ad sets of 5 ads.
import { LAUNCH_SPEC } from "../test/autopilot-app/world.ts";
import { HubSimulation } from "../src/simulator/hubSimulation.ts";
import { Autopilot } from "../src/autopilot/app/autopilot.ts";
import { OutboundHttp, type OutboundRequest, type OutboundResponse } from "../src/net/outbound.ts";
import { autopilotDb } from "../src/autopilot/store/database.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const AD_SETS = Number(args.get("ad-sets") ?? 50);
const ADS_PER_SET = Number(args.get("ads-per-set") ?? 20);
const DAYS = Number(args.get("days") ?? 90);
const RUNS = Number(args.get("runs") ?? 3);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function buildAccount(hub: Grantline): Promise<{ accountId: string; token: string }> {
  const owner = await bootstrapBusiness(hub, "Bench Advertiser");
  const ctx = principalContext("system_user", owner.system_user_id);
  const account = await hub.assets.createAsset(ctx, owner.business_id, { type: "ad_account", name: "Bench account", adAccount: { currency: "USD", timezoneName: "UTC" } });
  const campaign = await hub.campaigns.createCampaign(ctx, account.graphId, { name: "Bench campaign", objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" } as never);
  const creative = await hub.adCreatives.createAdCreative(ctx, account.graphId, { name: "Creative", title: "Shoes", body: "Buy", link_url: "https://shop.example.test/bench", call_to_action_type: "SHOP_NOW" } as never);
  for (let s = 0; s < AD_SETS; s++) {
    const adSet = await hub.adSets.createAdSet(ctx, account.graphId, { campaign_id: campaign.id, name: `Ad set ${s}`, daily_budget: 5000, status: "ACTIVE" } as never);
    for (let a = 0; a < ADS_PER_SET; a++) {
      await hub.ads.createAd(ctx, account.graphId, { adset_id: adSet.id, name: `Ad ${s}.${a}`, creative: { creative_id: creative.id }, status: "ACTIVE" } as never);
    }
  }
  await new HubSimulation(hub, { disapprovalDailyHazard: 0, hourlyDays: 0 }).backfill(DAYS, { seed: 3 });
  const app = await hub.apps.createApp(ctx, owner.business_id, "Autopilot");
  const token = await hub.tokens.issueSystemUserToken(ctx, owner.system_user_id, { scopes: ["ads_read", "ads_management"], appId: app.id });
  return { accountId: account.id, token: token.accessToken };
}

/** The fields the creative tests added to the scan's object reads. */
const CREATIVE_TEST_FIELDS = new Set(["start_time", "created_time"]);

/** Outbound HTTP that drops the creative tests' fields from every `fields` list: the scan as it was before them. */
class WithoutCreativeTestFields extends OutboundHttp {
  override fetch(url: string | URL, init?: OutboundRequest): Promise<OutboundResponse> {
    const parsed = new URL(url);
    const fields = parsed.searchParams.get("fields");
    if (fields) parsed.searchParams.set("fields", fields.split(",").filter((f) => !CREATIVE_TEST_FIELDS.has(f)).join(","));
    return super.fetch(parsed, init);
  }
}

/** The rate limiter's own store, keeping each bucket's highest use of its limit. */
class PeakRecordingStore implements RateLimitStore {
  private readonly inner = new MemoryRateLimitStore();
  readonly peaks = new Map<string, { used: number; limit: number }>();

  async apply(request: WindowRequest): Promise<WindowOutcome> {
    const outcome = await this.inner.apply(request);
    request.buckets.forEach((bucket, i) => {
      const used = outcome.buckets[i]!.used;
      if (used > (this.peaks.get(bucket.key)?.used ?? -1)) this.peaks.set(bucket.key, { used, limit: bucket.limit });
    });
    return outcome;
  }
}


/** A 40-ad launch into a new account of the bench's business, through a server with the hub's default rate limits. */
async function measureLaunch(hub: Grantline, dialect: string): Promise<string> {
  const owner = await bootstrapBusiness(hub, "Launch Advertiser");
  const ctx = principalContext("system_user", owner.system_user_id);
  const account = await hub.assets.createAsset(ctx, owner.business_id, { type: "ad_account", name: "Launch account", adAccount: { currency: "USD", timezoneName: "UTC" } });
  const app = await hub.apps.createApp(ctx, owner.business_id, "Autopilot");
  const token = await hub.tokens.issueSystemUserToken(ctx, owner.system_user_id, { scopes: ["ads_read", "ads_management"], appId: app.id });
  const store = new PeakRecordingStore();
  const limits = loadConfig({}).rateLimits;
  const rateLimiter = new RateLimiter({ ...limits, store });
  const server = await buildServer(hub, { logLevel: "silent", rateLimiter });
  await server.listen({ host: "127.0.0.1", port: 0 });
  try {
    const address = server.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const autopilot = new Autopilot({ db: autopilotDb(hub.store.db), now: hub.now, secretKey: crypto.randomBytes(32), http: new OutboundHttp({ trustedOrigins: [url] }) });
    const ws = await autopilot.workspaces.create("Launch bench", null);
    await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: token.accessToken, adAccountId: account.graphId, scopes: ["ads_read", "ads_management"] });
    log(`[${dialect}] launching 40 ads against the default rate limits…`);
    const t = performance.now();
    const report = await autopilot.launches.launch(ws.id, parseLaunchSpec(LAUNCH_SPEC));
    const ms = performance.now() - t;
    const ads = report.created.filter((o) => o.type === "ad").length;
    if (ads !== 40) throw new Error(`the launch created ${ads} ads, not 40`);
    const throttled = Object.values(rateLimiter.refusals).reduce((a, b) => a + b, 0);
    const [key, peak] = [...store.peaks].reduce((a, b) => (b[1].used / b[1].limit > a[1].used / a[1].limit ? b : a));
    const bucket = key.split(":")[0];
    const share = `${((peak.used * 100) / peak.limit).toFixed(1)}% (${peak.used} of ${peak.limit.toLocaleString("en-US")} points/${limits.windowMs / 60_000} min, ${bucket} bucket)`;
    return `| ${dialect} | 40-ad launch, hub's default rate limits (${limits.accessTier}) | ${(ms / 1000).toFixed(2)} s | ${report.graph_calls} | ${throttled} | ${share} |`;
  } finally {
    await server.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(dialect: "sqlite" | "postgres"): Promise<{ scan: string[]; fields: string; launch: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-scan-"));
  const schema = `bench_scan_${process.pid}`;
  const hub = await openGrantline({
    databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
    pgSchema: dialect === "postgres" ? schema : undefined,
    dataDir: dir,
  });
  try {
    log(`[${dialect}] building ${AD_SETS * ADS_PER_SET} ads with ${DAYS} days of history…`);
    const { accountId, token } = await buildAccount(hub);
    const server = await buildServer(hub, { logLevel: "silent", rateLimiter: new RateLimiter({ accessTier: "standard_access", appPoints: 1_000_000, businessPoints: 1_000_000 }) });
    await server.listen({ host: "127.0.0.1", port: 0 });
    const address = server.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const key = crypto.randomBytes(32);
    const autopilot = new Autopilot({ db: autopilotDb(hub.store.db), now: hub.now, secretKey: key, http: new OutboundHttp({ trustedOrigins: [url] }) });
    // The same workspace and connection, scanned as before the creative tests.
    const before = new Autopilot({ db: autopilotDb(hub.store.db), now: hub.now, secretKey: key, http: new WithoutCreativeTestFields({ trustedOrigins: [url] }) });
    const ws = await autopilot.workspaces.create("Bench", null);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: token, adAccountId: `act_${accountId}`, scopes: ["ads_read", "ads_management"] });

    const graph: number[] = [];
    const withoutFields: number[] = [];
    const store: number[] = [];
    let rows = 0;
    let calls = 0;
    let storeRows = 0;
    const scanWithoutFields = async () => {
      const t = performance.now();
      const older = await before.scans.scan(await before.workspaces.connection(view.id), { days: DAYS });
      withoutFields.push(performance.now() - t);
      return older.rows;
    };
    // One scan first, not measured, so that neither variant pays for a cold server and store.
    log(`[${dialect}] warming up with one scan…`);
    await autopilot.scans.scan(await autopilot.workspaces.connection(view.id), { days: DAYS });
    for (let run = 0; run < RUNS; run++) {
      // Odd runs scan without the fields first, so neither side always runs on a warmer store.
      const olderRows = run % 2 === 1 ? await scanWithoutFields() : undefined;
      const connection = await autopilot.workspaces.connection(view.id);
      let t = performance.now();
      let shown = -1;
      const result = await autopilot.scans.scan(connection, {
        days: DAYS,
        onProgress: (p) => {
          if (p.phase !== "insights" || Math.floor(p.rows / 20_000) === shown) return;
          shown = Math.floor(p.rows / 20_000);
          log(`[${dialect}] run ${run + 1}: ${p.done}/${p.total} days, ${p.rows} rows`);
        },
      });
      graph.push(performance.now() - t);
      rows = result.rows;
      calls = result.graph_calls;

      const older = olderRows ?? (await scanWithoutFields());
      if (older !== rows) throw new Error(`the scan without the creative tests' fields read ${older} rows, not ${rows}`);
      log(`[${dialect}] run ${run + 1}: ${(graph.at(-1)! / 1000).toFixed(2)} s with today's fields, ${(withoutFields.at(-1)! / 1000).toFixed(2)} s without`);

      // Baseline: the same objects and daily rows read straight from the store, no HTTP, no checks.
      t = performance.now();
      const db = hub.store.db;
      await db.selectFrom("campaigns").selectAll().where("account_id", "=", accountId).execute();
      await db.selectFrom("ad_sets").selectAll().where("account_id", "=", accountId).execute();
      await db.selectFrom("ads").selectAll().where("account_id", "=", accountId).execute();
      await db.selectFrom("ad_creatives").selectAll().where("account_id", "=", accountId).execute();
      const direct = await db.selectFrom("ad_insights_daily").selectAll().where("account_id", "=", accountId).where("date", ">=", result.since).where("date", "<=", result.until).execute();
      store.push(performance.now() - t);
      storeRows = direct.length;
    }
    if (storeRows !== rows) throw new Error(`the scan read ${rows} rows but the store holds ${storeRows}`);
    await server.close();
    const g = median(graph);
    const s = median(store);
    const w = median(withoutFields);
    const fields = `| ${dialect} | ${(g / 1000).toFixed(2)} s | ${(w / 1000).toFixed(2)} s | ${(g / w).toFixed(3)}× |`;
    const launch = await measureLaunch(hub, dialect);
    const scan = [
      `| ${dialect} | Autopilot scan through the Graph (HTTP, stored) | ${AD_SETS * ADS_PER_SET} | ${DAYS} | ${rows} | ${calls} | ${(g / 1000).toFixed(2)} s | ${Math.round(rows / (g / 1000))} | ${(g / s).toFixed(1)}× |`,
      `| ${dialect} | baseline: same rows straight from the store | ${AD_SETS * ADS_PER_SET} | ${DAYS} | ${storeRows} | — | ${(s / 1000).toFixed(3)} s | ${Math.round(storeRows / (s / 1000))} | 1.0× |`,
    ];
    return { scan, fields, launch };
  } finally {
    await hub.close();
    if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const results = [await measure("sqlite")];
if (process.env.DATABASE_URL) results.push(await measure("postgres"));
const lines = [
  "| store | what | ads | days | rows | Graph calls | time (median of " + RUNS + ") | rows/s | vs baseline |",
  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ...results.flatMap((r) => r.scan),
  "",
  `| store | scan, today's fields (median of ${RUNS}) | scan without start_time, created_time (median of ${RUNS}) | ratio |`,
  "| --- | --- | --- | --- |",
  ...results.map((r) => r.fields),
  "",
  "| store | what | wall time | Graph calls | throttled answers | most of a rate-limit budget used |",
  "| --- | --- | --- | --- | --- | --- |",
  ...results.map((r) => r.launch),
];
process.stdout.write(`${lines.join("\n")}\n`);
