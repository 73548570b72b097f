/**
 * `npm run bench:oauth`: what token checks cost per request, against a request with no auth in the
 * same run, on the same server, over loopback with autocannon:
 *   - no auth: a route on the same server returning the same JSON as /me, with no token at all;
 *   - Graph /me with an OAuth app token (issued through the real authorization code flow): token
 *     lookup, app grant, appsecret_proof policy, access engine;
 *   - Graph /me with a system-user token;
 *   - RFC 7662 introspection of the OAuth token (client authentication included).
 * On SQLite always, and on PostgreSQL when DATABASE_URL is set.
 *
 * Options: --seconds 5  --connections 10
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { openGrantline } from "../src/app/openGrantline.ts";
import { operatorContext } from "../src/hub/context.ts";
import { dropPostgresSchema } from "../src/store/database.ts";
import { RateLimiter } from "../src/graph/rateLimit/rateLimiter.ts";
import { Browser } from "../test/auth/browser.ts";
import { authorizeApp, buildOAuthWorld } from "../test/oauth/oauthWorld.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const SECONDS = Number(args.get("seconds") ?? 5);
const CONNECTIONS = Number(args.get("connections") ?? 10);
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Result {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

async function load(options: autocannon.Options): Promise<Result> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS, ...options });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, failed: result.errors + result.timeouts + result.non2xx };
}

async function measure(dialect: "sqlite" | "postgres"): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-oauth-"));
  const schema = `bench_oauth_${process.pid}`;
  const hub = await openGrantline({
    databaseUrl: dialect === "postgres" ? process.env.DATABASE_URL : undefined,
    pgSchema: dialect === "postgres" ? schema : undefined,
    dataDir: dir,
  });
  const unreachable = 1_000_000_000;
  const rateLimiter = new RateLimiter({ appPoints: unreachable, businessPoints: unreachable, adAccountBasePoints: { development_access: unreachable, standard_access: unreachable } });
  let meJson: unknown = {};
  const world = await buildOAuthWorld(hub, `bench-${dialect}`, {
    serverOptions: { rateLimiter },
    configure: (app) => app.get("/bench/no-auth", async () => meJson),
  });
  const { tokens } = await authorizeApp(world, new Browser(world.url), { assets: [world.assets.adAccountA] });
  const appToken = tokens.access_token;
  const bot = await hub.businesses.createSystemUser(operatorContext(), world.business.id, { name: "Bench Bot", role: "ADMIN" });
  const systemToken = (await hub.tokens.issueSystemUserToken(operatorContext(), bot.id, {})).accessToken;
  meJson = await (await fetch(`${world.url}/me?access_token=${appToken}`)).json();
  if (!(meJson as { id?: string }).id) throw new Error(`unexpected /me answer: ${JSON.stringify(meJson)}`);
  const basic = Buffer.from(`${world.app.id}:${world.app.secret}`).toString("base64");
  const introspect = { method: "POST" as const, headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${basic}` }, body: `token=${appToken}` };
  const check = await fetch(`${world.url}/oauth/introspect`, introspect);
  if (!((await check.json()) as { active?: boolean }).active) throw new Error("introspection says the token is not active");

  const runs: [string, autocannon.Options][] = [
    ["no auth (same JSON, same server)", { url: `${world.url}/bench/no-auth` }],
    ["Graph /me, OAuth app token", { url: `${world.url}/v24.0/me?access_token=${appToken}` }],
    ["Graph /me, system-user token", { url: `${world.url}/v24.0/me?access_token=${systemToken}` }],
    ["POST /oauth/introspect (RFC 7662)", { url: `${world.url}/oauth/introspect`, ...introspect }],
  ];
  const results: [string, Result][] = [];
  for (const [name, options] of runs) {
    log(`${dialect}: ${name} for ${SECONDS} s…`);
    results.push([name, await load(options)]);
  }
  await world.close();
  await hub.close();
  if (dialect === "postgres") await dropPostgresSchema(process.env.DATABASE_URL!, schema);
  fs.rmSync(dir, { recursive: true, force: true });
  const base = results[0]![1];
  const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
  return results.map(([name, r]) => `| ${dialect} | ${name} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} ms | ${fmt(r.p99, 1)} ms | ${fmt(r.p50 - base.p50, 1)} ms | **${fmt(base.rps / r.rps, 2)}×** | ${fmt(r.failed)} |`);
}

const rows = await measure("sqlite");
if (process.env.DATABASE_URL) rows.push(...(await measure("postgres")));
process.stdout.write(
  [
    "",
    `## Token validation and introspection vs no auth (${CONNECTIONS} connections, ${SECONDS} s each, same run, same server)`,
    "",
    "| store | request | req/s | p50 | p99 | p50 over no auth | cost (no-auth req/s ÷ req/s) | failed |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
    "",
  ].join("\n"),
);
process.exit(0);
