/**
 * `npm run bench:api`: `GET /act_X/campaigns?fields=id,name,status,daily_budget` through the whole
 * Graph surface against a bare Fastify route returning the same JSON from memory, in the same run,
 * over loopback with autocannon. On SQLite always, and on PostgreSQL when DATABASE_URL is set.
 *
 * The Graph side is the server `grantline serve` runs (buildServer on a hub, as configured by serve
 * with a sync interval), and every request does what production does: request id and trace header,
 * the access-change freshness check (a store read at most once per sync interval), the token looked
 * up (hashed; cached until the next access change), the ad account resolved, the rate limiter
 * consulted and charged (app and ad-account buckets, with Meta's usage headers; quotas set out of
 * reach so every answer is a real 200), the access engine's view_asset check for this caller, the
 * campaigns read from the in-memory read model (compared with the account's stored ad-object version
 * at most once per sync interval; dropped at once by any write through this instance), keyset
 * paging with `next` links carrying the token, field selection, the read counted for the usage
 * rollup, JSON serialization, and the operator's telemetry (the request counted and timed for
 * /metrics, its JSON log line written at info into a sink).
 *
 * The bare side is a second Fastify instance with one route answering the Graph side's own JSON
 * body, parsed once: no hooks, no auth, no store, no limiter, no usage headers.
 *
 * Both sides get `--seconds` of load, in two halves run bare, Graph, Graph, bare, so that a change
 * in the machine's load during the run weighs on both alike; req/s is all requests over all time,
 * p50 the mean of the halves' p50, p99 the larger of their p99.
 *
 * Before that, each side is loaded for `--warmup-seconds` (default 2) unmeasured. The Graph side's
 * code path is many times the bare route's, and V8 optimizes it only after some thousands of
 * requests: measured cold, its first half ran at about half the rate of the same server measured a
 * minute later in the same run (1,663 against 2,889 req/s), so the ratio said more about the JIT
 * than about the request. A server in service is warm; both sides are measured warm. The same holds
 * for the rate-limiter comparison below, whose shared-bucket server is started just before it.
 *
 * On PostgreSQL the Graph side is also loaded at 10 and at 50 concurrent connections in turns
 * (10, 50, 50, 10), to show that more connections do not mean fewer answers.
 *
 * Options: --seconds 10  --connections 10  --campaigns 50  --sync-interval-ms 1000 (0: look at the
 * access-change sequence and the ad-object versions on every request)  --warmup-seconds 2
 *
 * Two insights rows follow, each a pair of requests timed one after the other in the same run (A, B,
 * B, A, repeated, so load changes weigh on both): an ad account's 90 days × --insights-ads ads
 * (default 1,000) at level ad with age × gender breakdowns against the same query without (bar ≤ 2×),
 * and 25 campaigns × their ad sets × 7-day insights expanded in one request against the flat
 * campaign list, per returned object (bar ≤ 3×). Options: --insights-ads 1000 --insights-rounds 6,
 * --only insights (these rows alone)
 *
 * Last, the same campaign list from this checkout against an earlier build of the hub (`--baseline
 * REF`, a git revision; default the build of 2026-11-28 that the 0.5 bar was first measured on;
 * `--baseline none` skips it), each server in a process of its own with logging off, on the same
 * seeded world, loaded in turns with the bare route as the control: what the Graph surface's
 * additions since then cost per request. `--only baseline` runs this row alone.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import Fastify from "fastify";
import { buildServer } from "../src/http/server.ts";
import { HubMetrics } from "../src/http/metrics.ts";
import { openGrantline, type Grantline } from "../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../src/hub/hub.ts";
import { operatorContext } from "../src/hub/context.ts";
import { dropPostgresSchema } from "../src/store/database.ts";
import { RateLimiter, type RateLimitRequest } from "../src/graph/rateLimit/rateLimiter.ts";
import { principalContext } from "../src/hub/context.ts";
import { presetTasks } from "../src/hub/catalogue/permissionLevels.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SECONDS = Number(args.get("seconds") ?? 10);
const CONNECTIONS = Number(args.get("connections") ?? 10);
const CAMPAIGNS = Number(args.get("campaigns") ?? 50);
const SYNC_INTERVAL_MS = Number(args.get("sync-interval-ms") ?? 1000);
const INSIGHTS_ADS = Number(args.get("insights-ads") ?? 1000);
const INSIGHTS_ROUNDS = Number(args.get("insights-rounds") ?? 6);
const WARMUP_SECONDS = Number(args.get("warmup-seconds") ?? 2);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, seconds: number, connections = CONNECTIONS): Promise<Result & { requests: number }> {
  const result = await autocannon({ url, connections, duration: seconds });
  return {
    requests: result.requests.total,
    rps: result.requests.total / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Both halves of one side's load as one result. */
function combine(a: Awaited<ReturnType<typeof load>>, b: Awaited<ReturnType<typeof load>>): Result {
  return {
    rps: (a.requests + b.requests) / SECONDS,
    p50: (a.p50 + b.p50) / 2,
    p99: Math.max(a.p99, b.p99),
    errors: a.errors + b.errors,
    non2xx: a.non2xx + b.non2xx,
  };
}

async function measure(dialect: "sqlite" | "postgres"): Promise<{ main: string; limiter: string; scaling?: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-api-"));
  const schema = `bench_${process.pid}`;
  const hub = await openGrantline({
    databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
    pgSchema: dialect === "postgres" ? schema : undefined,
    dataDir: dir,
    adObjectsMaxAgeMs: SYNC_INTERVAL_MS,
  });
  // The limiter runs on every call as in production, with quotas no load run can reach, so every
  // measured answer is a real 200 rather than a cheap 429.
  const unreachable = 1_000_000_000;
  const limits = {
    appPoints: unreachable,
    userPoints: unreachable,
    businessPoints: unreachable,
    adAccountBasePoints: { development_access: unreachable, standard_access: unreachable },
  };
  const rateLimiter = new RateLimiter(limits);
  // As `grantline serve` runs it: the access-change sequence is looked at once per sync interval
  // (default 1 s) rather than on every request; that interval bounds how late another instance's
  // revocation can take effect here.
  // And with the operator's telemetry on, as `serve` with GRANTLINE_METRICS_TOKEN runs: each request
  // counted and timed for /metrics, and its JSON log line written at info (here into a sink).
  const telemetry = { logLevel: "info" as const, logStream: { write: () => undefined }, metrics: new HubMetrics({ hub, rateLimiter }) };
  const app = await buildServer(hub, { ...telemetry, rateLimiter, accessFreshnessMs: SYNC_INTERVAL_MS });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const owner = await bootstrapBusiness(hub, "Bench Co");
  const post = async (pathName: string, body: Record<string, unknown>) => {
    const response = await fetch(`${base}${pathName}?access_token=${owner.access_token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${pathName}: ${JSON.stringify(json)}`);
    return json;
  };
  const account = await post(`/v24.0/${owner.business_id}/adaccount`, { name: "Bench Account", currency: "USD", timezone_id: 1 });
  log(`${dialect}: creating ${CAMPAIGNS} campaigns…`);
  for (let i = 0; i < CAMPAIGNS; i++) {
    await post(`/v24.0/${account.id}/campaigns`, {
      name: `Campaign ${i}`,
      objective: "OUTCOME_SALES",
      status: "PAUSED",
      special_ad_categories: [],
      daily_budget: String(1000 + i),
    });
  }
  const url = `${base}/v24.0/${account.id}/campaigns?fields=id,name,status,daily_budget&access_token=${owner.access_token}`;
  const sample = await (await fetch(url)).text();
  if (!sample.includes('"data"')) throw new Error(`unexpected response: ${sample.slice(0, 200)}`);

  // The peer: the same framework and the same bytes, from memory, with no auth and no store.
  const bare = Fastify();
  const payload = JSON.parse(sample) as unknown;
  bare.get("/campaigns", async () => payload);
  await bare.listen({ host: "127.0.0.1", port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/campaigns`;

  const half = SECONDS / 2;
  if (WARMUP_SECONDS > 0) {
    log(`${dialect}: warming up bare and Graph for ${WARMUP_SECONDS} s each (not measured)…`);
    await load(bareUrl, WARMUP_SECONDS);
    await load(url, WARMUP_SECONDS);
  }
  log(`${dialect}: bare, Graph, Graph, bare for ${SECONDS / 2} s each…`);
  const bare1 = await load(bareUrl, half);
  const ours1 = await load(url, half);
  const ours2 = await load(url, half);
  const bare2 = await load(bareUrl, half);
  const peer = combine(bare1, bare2);
  const ours = combine(ours1, ours2);

  // The guard's cost: the same Graph server with the limiter counting as it did before buckets were
  // scoped per tenant (one shared bucket for tokens without an app, no user bucket), same run.
  const previous = await buildServer(hub, { ...telemetry, rateLimiter: new SharedBucketsLimiter(limits), accessFreshnessMs: SYNC_INTERVAL_MS });
  await previous.listen({ host: "127.0.0.1", port: 0 });
  const previousUrl = url.replace(base, `http://127.0.0.1:${(previous.server.address() as { port: number }).port}`);
  if (WARMUP_SECONDS > 0) await load(previousUrl, WARMUP_SECONDS);
  log(`${dialect}: shared-bucket limiter, tenant limiter, tenant limiter, shared-bucket limiter for ${SECONDS / 2} s each…`);
  const shared1 = await load(previousUrl, half);
  const tenant1 = await load(url, half);
  const tenant2 = await load(url, half);
  const shared2 = await load(previousUrl, half);
  const shared = combine(shared1, shared2);
  const tenant = combine(tenant1, tenant2);
  await previous.close();

  // PostgreSQL with more connections: the same Graph server at 10 and at 50 concurrent connections,
  // in turns (10, 50, 50, 10) so that the machine's load weighs on both alike. More connections
  // must not mean fewer answers (issue: every request used to reload the campaign list under overlap).
  let scaling: string[] | undefined;
  if (dialect === "postgres") {
    // How often the store was asked, from PostgreSQL's own table statistics for this schema: scans of
    // `campaigns` are campaign-list loads, scans of `ad_object_versions` are version comparisons.
    // Backends publish their counts when idle (at most every 10 s on PostgreSQL 15), hence the pause
    // before each reading.
    const stats = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await stats.connect();
    const scans = async () => {
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      const result = await stats.query<{ relname: string; scans: string }>(
        "SELECT relname, seq_scan + COALESCE(idx_scan, 0) AS scans FROM pg_stat_user_tables WHERE schemaname = $1",
        [schema],
      );
      const all = new Map(result.rows.map((r) => [r.relname, Number(r.scans)]));
      return { loads: all.get("campaigns") ?? 0, checks: all.get("ad_object_versions") ?? 0, all };
    };
    const phase = async (connections: number, tally: { loads: number; checks: number }) => {
      const before = await scans();
      const result = await load(url, half, connections);
      const after = await scans();
      tally.loads += after.loads - before.loads;
      tally.checks += after.checks - before.checks;
      const busiest = [...after.all]
        .map(([table, n]) => [table, n - (before.all.get(table) ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5);
      log(`  ${connections} connections, ${result.requests} requests; store scans by table: ${busiest.map(([table, n]) => `${table} ${n}`).join(", ") || "none"}`);
      return result;
    };
    log(`${dialect}: 10, 50, 50, 10 connections for ${SECONDS / 2} s each (with pauses for the store's statistics)…`);
    const lowStore = { loads: 0, checks: 0 };
    const highStore = { loads: 0, checks: 0 };
    const low1 = await phase(10, lowStore);
    const high1 = await phase(50, highStore);
    const high2 = await phase(50, highStore);
    const low2 = await phase(10, lowStore);
    await stats.end();
    // The control: the bare route at 10 and 50 connections, same turns. The load generator runs in
    // this process too, so what more connections cost the machine and the generator shows here.
    log(`${dialect}: bare route at 10, 50, 50, 10 connections for ${SECONDS / 2} s each…`);
    const bareLow1 = await load(bareUrl, half, 10);
    const bareHigh1 = await load(bareUrl, half, 50);
    const bareHigh2 = await load(bareUrl, half, 50);
    const bareLow2 = await load(bareUrl, half, 10);
    const bareLow = combine(bareLow1, bareLow2);
    const bareHigh = combine(bareHigh1, bareHigh2);
    const low = combine(low1, low2);
    const high = combine(high1, high2);
    const f = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
    const storeReads = (tally: { loads: number; checks: number }, requests: number) => `${f(tally.loads)} / ${f(tally.checks)} (for ${f(requests)} requests)`;
    scaling = [
      `| postgres | 10 | ${f(low.rps)} | ${f(low.p50, 1)} ms | ${f(low.p99, 1)} ms | – | ${storeReads(lowStore, low1.requests + low2.requests)} | ${f(low.non2xx + low.errors)} |`,
      `| postgres | 50 | ${f(high.rps)} | ${f(high.p50, 1)} ms | ${f(high.p99, 1)} ms | **${f(high.rps / low.rps, 2)}** | ${storeReads(highStore, high1.requests + high2.requests)} | ${f(high.non2xx + high.errors)} |`,
      `| bare route (control) | 10 | ${f(bareLow.rps)} | ${f(bareLow.p50, 1)} ms | ${f(bareLow.p99, 1)} ms | – | – | ${f(bareLow.non2xx + bareLow.errors)} |`,
      `| bare route (control) | 50 | ${f(bareHigh.rps)} | ${f(bareHigh.p50, 1)} ms | ${f(bareHigh.p99, 1)} ms | **${f(bareHigh.rps / bareLow.rps, 2)}** | – | ${f(bareHigh.non2xx + bareHigh.errors)} |`,
    ];
  }
  await bare.close();
  await app.close();
  await hub.close();
  if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
  fs.rmSync(dir, { recursive: true, force: true });
  if (ours.non2xx > 0 || ours.errors > 0) log(`${dialect}: ${ours.non2xx} non-2xx answers and ${ours.errors} errors during the run`);
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return {
    main: `| ${dialect} | ${fmt(ours.rps)} | ${fmt(ours.p50, 1)} ms | ${fmt(ours.p99, 1)} ms | ${fmt(peer.rps)} | ${fmt(peer.p50, 1)} ms | ${fmt(peer.p99, 1)} ms | **${fmt(ours.rps / peer.rps, 2)}** | ${fmt(ours.non2xx + ours.errors)} |`,
    scaling,
    limiter: `| ${dialect} | ${fmt(tenant.rps)} | ${fmt(tenant.p99, 1)} ms | ${fmt(shared.rps)} | ${fmt(shared.p99, 1)} ms | **${fmt(tenant.rps / shared.rps, 3)}** | ${fmt(tenant.non2xx + tenant.errors + shared.non2xx + shared.errors)} |`,
  };
}

/**
 * The limiter as it counted before buckets were scoped per tenant: every token without an app in one
 * shared "noapp" bucket, no user bucket, keys without a tenant. Only the bench keeps it, as the
 * baseline the per-tenant limiter's cost is measured against.
 */
class SharedBucketsLimiter extends RateLimiter {
  override consume(request: RateLimitRequest) {
    return super.consume({ ...request, appId: request.appId || "noapp", principalId: undefined, tenant: undefined });
  }
}

/**
 * A partner's budget write (`POST /<ad set id>` with `daily_budget`) on an account where the owner
 * set every partner guardrail, against the same write on an account without guardrails, same
 * server, same run, halves run without, with, with, without. The guardrails are set so that every
 * write passes (each one judged in full: limits read, the budget 24 hours ago looked up), and the
 * writes go round 100 ad sets per account, alternating two amounts, on a hub clock that moves a
 * minute per reading, so Meta's 4 budget changes per ad set per hour never refuse one.
 */
async function measureGuardedWrites(dialect: "sqlite" | "postgres"): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-guardrails-"));
  const schema = `bench_guard_${process.pid}`;
  let t = Date.now();
  const hub = await openGrantline({
    databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
    pgSchema: dialect === "postgres" ? schema : undefined,
    dataDir: dir,
    adObjectsMaxAgeMs: SYNC_INTERVAL_MS,
    now: () => (t += 60_000),
  });
  const unreachable = 1_000_000_000;
  const rateLimiter = new RateLimiter({
    appPoints: unreachable,
    userPoints: unreachable,
    businessPoints: unreachable,
    adAccountBasePoints: { development_access: unreachable, standard_access: unreachable },
  });
  const app = await buildServer(hub, { logLevel: "silent", rateLimiter, accessFreshnessMs: SYNC_INTERVAL_MS });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const owner = await bootstrapBusiness(hub, "Bench Owner");
  const agency = await bootstrapBusiness(hub, "Bench Agency");
  const post = async (pathName: string, body: Record<string, unknown>, token = owner.access_token) => {
    const response = await fetch(`${base}${pathName}?access_token=${token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${pathName}: ${JSON.stringify(json)}`);
    return json;
  };
  const AD_SETS = 100;
  const account = async (name: string, guarded: boolean) => {
    const id = String((await post(`/v24.0/${owner.business_id}/adaccount`, { name, currency: "USD", timezone_id: 1 })).id);
    const assetId = id.slice(4);
    await hub.partners.offer(principalContext("system_user", owner.system_user_id), { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("system_user", agency.system_user_id), { partnerBusinessId: agency.business_id, assetId });
    await hub.assignments.assign(principalContext("system_user", agency.system_user_id), { assetId, principalId: agency.system_user_id, tasks: presetTasks("ad_account", "STANDARD"), businessId: agency.business_id });
    const campaign = String((await post(`/v24.0/${id}/campaigns`, { name: "C", objective: "OUTCOME_SALES", special_ad_categories: [] })).id);
    const adSets: string[] = [];
    for (let i = 0; i < AD_SETS; i++) adSets.push(String((await post(`/v24.0/${id}/adsets`, { campaign_id: campaign, name: `Set ${i}`, daily_budget: "10000" })).id));
    if (guarded) {
      await post(`/v24.0/${id}/partner_guardrails`, {
        business: agency.business_id,
        max_daily_budget: 1_000_000,
        max_increase_percent: 50,
        max_daily_increase_percent: 1000,
        max_increase_amount: 100_000,
        max_daily_increase_amount: 100_000,
        // Never reached: 1000 per raise, one raise per ad set in two writes, a minute of hub time each.
        max_daily_new_spend: 100_000_000,
        allowed_hours: "00-24",
        allowed_days: [0, 1, 2, 3, 4, 5, 6],
        // A campaign the writes never touch: the check runs, and passes.
        protected_objects: [String((await post(`/v24.0/${id}/campaigns`, { name: "Protected", objective: "OUTCOME_SALES", special_ad_categories: [] })).id)],
        approval_above: 900_000,
      });
    }
    return adSets;
  };
  log(`${dialect}: creating two accounts of ${AD_SETS} ad sets each…`);
  const free = await account("Without guardrails", false);
  const guarded = await account("With guardrails", true);
  const writes = (adSets: string[]): autocannon.Request[] => {
    let next = 0;
    const raised = new Set<string>();
    return [
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        setupRequest: (request) => {
          const id = adSets[next++ % adSets.length]!;
          const up = !raised.has(id);
          if (up) raised.add(id);
          else raised.delete(id);
          return { ...request, path: `/v24.0/${id}?access_token=${agency.access_token}`, body: `daily_budget=${up ? 11000 : 10000}` };
        },
      },
    ];
  };
  const run = async (adSets: string[], seconds: number) => {
    const result = await autocannon({ url: base, connections: CONNECTIONS, duration: seconds, requests: writes(adSets) });
    return { requests: result.requests.total, rps: result.requests.total / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
  };
  const half = SECONDS / 2;
  log(`${dialect}: partner budget writes without, with, with, without guardrails for ${half} s each…`);
  const free1 = await run(free, half);
  const guarded1 = await run(guarded, half);
  const guarded2 = await run(guarded, half);
  const free2 = await run(free, half);
  const without = combine(free1, free2);
  const under = combine(guarded1, guarded2);
  await app.close();
  await hub.close();
  if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
  fs.rmSync(dir, { recursive: true, force: true });
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return `| ${dialect} | ${fmt(under.rps)} | ${fmt(under.p50, 1)} ms | ${fmt(under.p99, 1)} ms | ${fmt(without.rps)} | ${fmt(without.p50, 1)} ms | ${fmt(without.p99, 1)} ms | **${fmt(without.rps / under.rps, 2)}** | ${fmt(under.non2xx + under.errors + without.non2xx + without.errors)} |`;
}

/** The build the 0.5 bar was first measured on (bench:api 0.42–0.51 on a quiet machine). */
const DEFAULT_BASELINE = "b6744bbb0ceabfd4141afcaf80ff473f548196e6";
const BASELINE = args.get("baseline") ?? DEFAULT_BASELINE;
const ROOT = path.resolve(import.meta.dirname, "..");

/** Starts `bench/apiBuildServer.ts` for a tree (or `bare`) and resolves with the URL it serves. */
function startBuild(root: string, bodyFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "bench/apiBuildServer.ts"), root, String(CAMPAIGNS), bodyFile], {
    stdio: ["ignore", "pipe", "inherit"],
    cwd: ROOT,
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const url = /URL (\S+)/.exec(out)?.[1];
      if (url) resolve({ child, url });
    });
    child.on("exit", (code) => reject(new Error(`the ${root} server ended (${code}) before it answered`)));
  });
}

/** This checkout's campaign list against the baseline build's, each in its own process (see the header). */
async function measureAgainstBaseline(ref: string): Promise<string[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-baseline-"));
  const children: ChildProcess[] = [];
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", `${ref}^{commit}`], { cwd: ROOT }).toString().trim();
    execFileSync("tar", ["-x", "-C", tmp], { input: execFileSync("git", ["archive", "--format=tar", commit, "src", "package.json"], { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 }) });
    // The earlier build runs on this checkout's installed packages (no install); a package it
    // needs that is no longer installed ends the row with the child's own error.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(tmp, "node_modules"), "dir");
    const bodyFile = path.join(tmp, "body.json");
    log(`baseline: starting this checkout's server and ${commit}'s, each in its own process…`);
    const current = await startBuild(ROOT, bodyFile);
    children.push(current.child);
    const baseline = await startBuild(tmp, "");
    children.push(baseline.child);
    const bare = await startBuild("bare", bodyFile);
    children.push(bare.child);
    const sides = { current: current.url, baseline: baseline.url, bare: bare.url };
    for (const url of Object.values(sides)) if (WARMUP_SECONDS > 0) await load(url, WARMUP_SECONDS);
    const rounds = 3;
    const turn = Math.max(1, SECONDS / rounds);
    log(`baseline: ${rounds} rounds of ${turn} s per side, in turns…`);
    const totals = { current: [] as Result[], baseline: [] as Result[], bare: [] as Result[] };
    for (let r = 0; r < rounds; r++) {
      const order = (r % 2 === 0 ? ["current", "baseline", "bare"] : ["bare", "baseline", "current"]) as (keyof typeof sides)[];
      for (const side of order) totals[side].push(await load(sides[side], turn));
    }
    const sum = (runs: Result[]) => ({ rps: runs.reduce((a, b) => a + b.rps, 0) / runs.length, p50: runs.reduce((a, b) => a + b.p50, 0) / runs.length, failed: runs.reduce((a, b) => a + b.errors + b.non2xx, 0) });
    const now = sum(totals.current);
    const then = sum(totals.baseline);
    const control = sum(totals.bare);
    const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
    return [
      `| this checkout | ${fmt(now.rps)} | ${fmt(now.p50, 1)} ms | **${fmt(now.rps / control.rps, 2)}** | **${fmt(now.rps / then.rps, 2)}** | ${now.failed} |`,
      `| ${commit} | ${fmt(then.rps)} | ${fmt(then.p50, 1)} ms | ${fmt(then.rps / control.rps, 2)} | 1.00 | ${then.failed} |`,
      `| bare route | ${fmt(control.rps)} | ${fmt(control.p50, 1)} ms | 1.00 | — | ${control.failed} |`,
    ];
  } catch (error) {
    return [`| skipped: ${(error as Error).message.split("\n")[0]} | | | | | |`];
  } finally {
    for (const child of children) child.kill("SIGTERM");
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// `--only insights` runs the insights rows alone.
const ONLY_INSIGHTS = args.get("only") === "insights";
// `--only guardrails` runs the guarded-write rows alone.
const ONLY_GUARDRAILS = args.get("only") === "guardrails";
// `--only baseline` runs the comparison with an earlier build alone.
const ONLY_BASELINE = args.get("only") === "baseline";
const ONLY = ONLY_INSIGHTS || ONLY_GUARDRAILS || ONLY_BASELINE;
const results = ONLY ? [] : [await measure("sqlite")];
if (process.env.DATABASE_URL && !ONLY) results.push(await measure("postgres"));
else if (!process.env.DATABASE_URL) log("postgres: skipped (DATABASE_URL is not set)");
const scaling = results.flatMap((r) => r.scaling ?? []);
const insightsRows = ONLY_GUARDRAILS || ONLY_BASELINE ? [] : [await measureInsights("sqlite")];
if (process.env.DATABASE_URL && !ONLY_GUARDRAILS && !ONLY_BASELINE) insightsRows.push(await measureInsights("postgres"));
const rows = results.map((r) => r.main);
const guardedRows = ONLY_INSIGHTS || ONLY_BASELINE ? [] : [await measureGuardedWrites("sqlite")];
if (process.env.DATABASE_URL && !ONLY_INSIGHTS && !ONLY_BASELINE) guardedRows.push(await measureGuardedWrites("postgres"));
const baselineRows = (ONLY && !ONLY_BASELINE) || BASELINE === "none" ? [] : await measureAgainstBaseline(BASELINE);
process.stdout.write(
  [
    "",
    `## GET /act_X/campaigns?fields=id,name,status,daily_budget (${CAMPAIGNS} campaigns, ${CONNECTIONS} connections, ${SECONDS} s each, sync interval ${SYNC_INTERVAL_MS} ms, same run)`,
    "",
    "| store | Graph req/s | Graph p50 | Graph p99 | bare route req/s | bare p50 | bare p99 | ratio | failed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "## The per-tenant rate limiter against the shared-bucket one it replaced (same request, same run)",
    "",
    "| store | per-tenant req/s | per-tenant p99 | shared-bucket req/s | shared-bucket p99 | ratio | failed |",
    "|---|---:|---:|---:|---:|---:|---:|",
    ...results.map((r) => r.limiter),
    "",
    `## PostgreSQL at 10 and 50 concurrent connections (same request, same server, same run; ${SECONDS} s each, in turns 10, 50, 50, 10)`,
    "",
    ...(scaling.length > 0
      ? [
          "| store | connections | Graph req/s | p50 | p99 | req/s ÷ at 10 | campaign-list loads / version checks in the store | failed |",
          "|---|---:|---:|---:|---:|---:|---:|---:|",
          ...scaling,
        ]
      : ["Skipped: DATABASE_URL is not set (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:api)."]),
    "",
    "## A partner's budget write under every guardrail against the same write without guardrails (same run)",
    "",
    "| store | guarded writes/s | guarded p50 | guarded p99 | unguarded writes/s | unguarded p50 | unguarded p99 | cost (unguarded/guarded req/s; bar ≤ 1.2) | failed |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...guardedRows,
    "",
    `## Insights: 90 days × ${INSIGHTS_ADS} ads at level ad, age × gender breakdowns against none; 25 campaigns × ad sets × 7-day insights in one request against the flat list (median of ${INSIGHTS_ROUNDS * 2} requests each, same run)`,
    "",
    "| store | query | with | without | ratio | bar |",
    "|---|---|---:|---:|---:|---:|",
    ...insightsRows.flat(),
    "",
    `## This checkout against an earlier build (${BASELINE === "none" ? "skipped" : BASELINE.slice(0, 7)}): the same campaign list, each server in its own process, logging off, in turns (same run)`,
    "",
    "| build | req/s | p50 | ÷ bare route | ÷ earlier build | failed |",
    "|---|---:|---:|---:|---:|---:|",
    ...baselineRows,
    "",
    `Load average (1, 5, 15 min) at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(", ")} on ${os.cpus().length} CPUs.`,
    "",
  ].join("\n"),
);

/**
 * The insights rows of the bench, on one store: a world of INSIGHTS_ADS ads with 90 days of stored
 * delivery, and 25 campaigns with ad sets delivering for a week, each query pair timed in the same run.
 */
async function measureInsights(dialect: "sqlite" | "postgres"): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-insights-"));
  const schema = `bench_insights_${process.pid}`;
  const hub = await openGrantline({
    databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
    pgSchema: dialect === "postgres" ? schema : undefined,
    dataDir: dir,
    adObjectsMaxAgeMs: SYNC_INTERVAL_MS,
  });
  const unreachable = 1_000_000_000;
  const rateLimiter = new RateLimiter({ appPoints: unreachable, userPoints: unreachable, businessPoints: unreachable, adAccountBasePoints: { development_access: unreachable, standard_access: unreachable } });
  const app = await buildServer(hub, { logLevel: "silent", rateLimiter, accessFreshnessMs: SYNC_INTERVAL_MS });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  try {
    const owner = await bootstrapBusiness(hub, "Insights Bench Co");
    const breakdowns = await breakdownsRow(hub, base, owner, dialect);
    const nested = await nestedExpansionRow(hub, base, owner, dialect);
    return [breakdowns, nested];
  } finally {
    await app.close();
    await hub.close();
    if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Owner = Awaited<ReturnType<typeof bootstrapBusiness>>;
// Function declarations, not consts: the bench's top-level awaits run before later consts exist.
function daysAgo(now: number, days: number): string {
  return new Date(now - days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}
function fmtMs(n: number): string {
  return `${n.toFixed(1)} ms`;
}
function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

/** Times two GETs alternately (A, B, B, A per round); both must answer 200. */
async function timePair(urlA: string, urlB: string): Promise<[number[], number[]]> {
  const once = async (url: string) => {
    const t = performance.now();
    const response = await fetch(url);
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${url}: ${response.status} ${text.slice(0, 300)}`);
    return performance.now() - t;
  };
  // One warm-up each, not counted.
  await once(urlA);
  await once(urlB);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < INSIGHTS_ROUNDS; round++) {
    a.push(await once(urlA));
    b.push(await once(urlB));
    b.push(await once(urlB));
    a.push(await once(urlA));
  }
  return [a, b];
}

async function createAccount(base: string, owner: Owner, name: string): Promise<string> {
  const response = await fetch(`${base}/v24.0/${owner.business_id}/adaccount?access_token=${owner.access_token}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, currency: "USD", timezone_id: 1 }),
  });
  const json = (await response.json()) as { id?: string };
  if (!json.id) throw new Error(`adaccount: ${JSON.stringify(json)}`);
  return json.id;
}

/** 90 days × INSIGHTS_ADS ads, level ad over the whole range: age × gender against no breakdowns. */
async function breakdownsRow(hub: Grantline, base: string, owner: Owner, dialect: string): Promise<string> {
  const op = operatorContext();
  const accountId = await createAccount(base, owner, "Breakdowns");
  const creative = await hub.adCreatives.createAdCreative(op, accountId, { name: "Look", title: "t", body: "b", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW" });
  log(`${dialect}: creating ${INSIGHTS_ADS} ads with 90 days of delivery…`);
  const adIds: string[] = [];
  const adSetsCount = Math.max(1, Math.ceil(INSIGHTS_ADS / 10));
  let campaignId = "";
  for (let s = 0; s < adSetsCount && adIds.length < INSIGHTS_ADS; s++) {
    if (s % 10 === 0) campaignId = (await hub.campaigns.createCampaign(op, accountId, { name: `Campaign ${s / 10}`, objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" })).id;
    const targeting = s % 3 === 0 ? { age_min: 25, age_max: 54, genders: [2] } : s % 3 === 1 ? { geo_locations: { countries: ["US", "CA"] } } : undefined;
    const adSet = await hub.adSets.createAdSet(op, accountId, { campaign_id: campaignId, name: `Ad set ${s}`, daily_budget: 5000, status: "ACTIVE", ...(targeting ? { targeting } : {}) } as never);
    for (let a = 0; a < 10 && adIds.length < INSIGHTS_ADS; a++) adIds.push((await hub.ads.createAd(op, accountId, { adset_id: adSet.id, name: `Ad ${s}.${a}`, creative: { creative_id: creative.id }, status: "ACTIVE" })).id);
  }
  const dates = Array.from({ length: 90 }, (_, d) => daysAgo(hub.now(), 90 - d));
  for (let i = 0; i < adIds.length; i += 50) {
    const rows = adIds.slice(i, i + 50).flatMap((adId, a) =>
      dates.map((date, d) => {
        const impressions = 500 + ((a * 37 + d * 101) % 1500);
        const clicks = Math.floor(impressions * 0.015);
        return { ad_id: adId, date, impressions, reach: Math.floor(impressions * 0.8), clicks, link_clicks: Math.floor(clicks * 0.7), spend: 800 + ((a + d) % 900), conversions: (a + d) % 3, revenue: ((a + d) % 3) * 2500 };
      }),
    );
    await hub.insights.upsertDailyRows(rows);
  }
  const range = encodeURIComponent(JSON.stringify({ since: dates[0], until: dates[dates.length - 1] }));
  const plain = `${base}/v24.0/${accountId}/insights?level=ad&time_range=${range}&fields=ad_id,impressions,clicks,spend,actions&limit=100&access_token=${owner.access_token}`;
  log(`${dialect}: timing 90-day insights with and without age × gender…`);
  const [withBreakdowns, without] = await timePair(`${plain}&breakdowns=age,gender`, plain);
  const ratio = median(withBreakdowns) / median(without);
  return `| ${dialect} | 90 d × ${adIds.length} ads, level ad, first page of 100 | ${fmtMs(median(withBreakdowns))} | ${fmtMs(median(without))} | **${ratio.toFixed(2)}** | ≤ 2 |`;
}

/** 25 campaigns × their ad sets × 7-day insights in one request against the flat campaign list, per returned object. */
async function nestedExpansionRow(hub: Grantline, base: string, owner: Owner, dialect: string): Promise<string> {
  const op = operatorContext();
  const accountId = await createAccount(base, owner, "Nested");
  const creative = await hub.adCreatives.createAdCreative(op, accountId, { name: "Look", title: "t", body: "b", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW" });
  const adSetsPerCampaign = 4;
  const rows = [];
  for (let c = 0; c < 25; c++) {
    const campaign = await hub.campaigns.createCampaign(op, accountId, { name: `Campaign ${c}`, objective: "OUTCOME_SALES", special_ad_categories: [], status: "ACTIVE" });
    for (let s = 0; s < adSetsPerCampaign; s++) {
      const adSet = await hub.adSets.createAdSet(op, accountId, { campaign_id: campaign.id, name: `Ad set ${c}.${s}`, daily_budget: 5000, status: "ACTIVE" } as never);
      const ad = await hub.ads.createAd(op, accountId, { adset_id: adSet.id, name: `Ad ${c}.${s}`, creative: { creative_id: creative.id }, status: "ACTIVE" });
      for (let d = 1; d <= 7; d++) rows.push({ ad_id: ad.id, date: daysAgo(hub.now(), d), impressions: 1000 + d, reach: 800, clicks: 20, link_clicks: 14, spend: 1500, conversions: d % 2, revenue: 3000 });
    }
  }
  await hub.insights.upsertDailyRows(rows);
  const token = `access_token=${owner.access_token}`;
  const nestedUrl = `${base}/v24.0/${accountId}/campaigns?limit=25&fields=${encodeURIComponent("name,adsets{name,insights.date_preset(last_7d){spend,impressions}}")}&${token}`;
  const flatUrl = `${base}/v24.0/${accountId}/campaigns?limit=25&fields=name&${token}`;
  const sample = (await (await fetch(nestedUrl)).json()) as { data: { adsets?: { data: { insights?: { data: unknown[] } }[] } }[] };
  const objects = sample.data.reduce((n, c) => n + 1 + (c.adsets?.data ?? []).reduce((m, s) => m + 1 + (s.insights?.data.length ?? 0), 0), 0);
  const flatObjects = 25;
  log(`${dialect}: timing the nested expansion (${objects} objects) against the flat list…`);
  const [nested, flat] = await timePair(nestedUrl, flatUrl);
  const perNested = median(nested) / objects;
  const perFlat = median(flat) / flatObjects;
  return `| ${dialect} | 25 campaigns × ad sets × 7-day insights (${objects} objects) vs flat list (${flatObjects}), per object | ${fmtMs(perNested)} | ${fmtMs(perFlat)} | **${(perNested / perFlat).toFixed(2)}** | ≤ 3 |`;
}
