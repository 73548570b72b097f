/**
 * `npm run bench:autopilot-scan`: Autopilot's 90-day calibration scan of one ad account with 1,000
 * ads (50 ad sets × 20), through the Graph surface over loopback HTTP (token check, access engine,
 * rate limits, async insights report runs at level=ad per day, paging, JSON) and stored in Autopilot's tables, against
 * reading the same rows and objects straight from the store, in the same run. SQLite always;
 * PostgreSQL too when DATABASE_URL is set.
 *
 * Options: --ads-per-set 20  --ad-sets 50  --days 90  --runs 3
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildServer } from "../src/http/server.ts";
import { bootstrapBusiness, openHub, type Hub } from "../src/hub/hub.ts";
import { principalContext } from "../src/hub/context.ts";
import { dropPostgresSchema } from "../src/store/database.ts";
import { RateLimiter } from "../src/graph/rateLimit/rateLimiter.ts";
import { HubSimulation } from "../src/simulator/hubSimulation.ts";
import { Autopilot } from "../src/autopilot/app/autopilot.ts";
import { OutboundHttp } from "../src/net/outbound.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const AD_SETS = Number(args.get("ad-sets") ?? 50);
const ADS_PER_SET = Number(args.get("ads-per-set") ?? 20);
const DAYS = Number(args.get("days") ?? 90);
const RUNS = Number(args.get("runs") ?? 3);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function buildAccount(hub: Hub): Promise<{ accountId: string; token: string }> {
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measure(dialect: "sqlite" | "postgres"): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-scan-"));
  const schema = `bench_scan_${process.pid}`;
  const hub = await openHub({
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
    const autopilot = new Autopilot({ db: hub.store.db, now: hub.now, secretKey: crypto.randomBytes(32), http: new OutboundHttp({ trustedOrigins: [url] }) });
    const ws = await autopilot.workspaces.create("Bench", null);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: token, adAccountId: `act_${accountId}`, scopes: ["ads_read", "ads_management"] });

    const graph: number[] = [];
    const store: number[] = [];
    let rows = 0;
    let calls = 0;
    let storeRows = 0;
    for (let run = 0; run < RUNS; run++) {
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
    return [
      `| ${dialect} | Autopilot scan through the Graph (HTTP, stored) | ${AD_SETS * ADS_PER_SET} | ${DAYS} | ${rows} | ${calls} | ${(g / 1000).toFixed(2)} s | ${Math.round(rows / (g / 1000))} | ${(g / s).toFixed(1)}× |`,
      `| ${dialect} | baseline: same rows straight from the store | ${AD_SETS * ADS_PER_SET} | ${DAYS} | ${storeRows} | — | ${(s / 1000).toFixed(3)} s | ${Math.round(storeRows / (s / 1000))} | 1.0× |`,
    ];
  } finally {
    await hub.close();
    if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const lines = ["| store | what | ads | days | rows | Graph calls | time (median of " + RUNS + ") | rows/s | vs baseline |", "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"];
lines.push(...(await measure("sqlite")));
if (process.env.DATABASE_URL) lines.push(...(await measure("postgres")));
process.stdout.write(`${lines.join("\n")}\n`);
