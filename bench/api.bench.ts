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
 * On PostgreSQL the Graph side is also loaded at 10 and at 50 concurrent connections in turns
 * (10, 50, 50, 10), to show that more connections do not mean fewer answers.
 *
 * Options: --seconds 10  --connections 10  --campaigns 50  --sync-interval-ms 1000 (0: look at the
 * access-change sequence and the ad-object versions on every request)
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import pg from "pg";
import Fastify from "fastify";
import { buildServer } from "../src/http/server.ts";
import { HubMetrics } from "../src/http/metrics.ts";
import { bootstrapBusiness, openHub } from "../src/hub/hub.ts";
import { dropPostgresSchema } from "../src/store/database.ts";
import { RateLimiter, type RateLimitRequest } from "../src/graph/rateLimit/rateLimiter.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SECONDS = Number(args.get("seconds") ?? 10);
const CONNECTIONS = Number(args.get("connections") ?? 10);
const CAMPAIGNS = Number(args.get("campaigns") ?? 50);
const SYNC_INTERVAL_MS = Number(args.get("sync-interval-ms") ?? 1000);
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
  const hub = await openHub({
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

  log(`${dialect}: bare, Graph, Graph, bare for ${SECONDS / 2} s each…`);
  const half = SECONDS / 2;
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

const results = [await measure("sqlite")];
if (process.env.DATABASE_URL) results.push(await measure("postgres"));
else log("postgres: skipped (DATABASE_URL is not set)");
const scaling = results.flatMap((r) => r.scaling ?? []);
const rows = results.map((r) => r.main);
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
    `Load average (1, 5, 15 min) at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(", ")} on ${os.cpus().length} CPUs.`,
    "",
  ].join("\n"),
);
