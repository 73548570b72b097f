/**
 * `npm run bench:graph-review`: the Graph-sourced access review of one business with 500 ad accounts
 * and 5,000 assignments, through a hub's own Graph surface on a loopback port, with the Graph calls
 * it makes measured against Meta's published quotas; then the same review against a hub whose own
 * rate limits are far tighter than the review needs, where the client's pacing by the usage headers
 * must keep it from being refused. Last, a review campaign started on it through the Graph.
 *
 * Meta's quotas the calls are compared with (a system user's token: Business Use Case limits,
 * https://developers.facebook.com/docs/graph-api/overview/rate-limiting/):
 * - ads_management, per ad account and hour: 100,000 on the standard tier (300 on the development
 *   tier) + 40 per active ad (https://developers.facebook.com/docs/marketing-api/overview/rate-limiting).
 * - ad-account score: a read is 1 point, a write 3; on the standard tier at most 9,000 points,
 *   decaying over 300 s (development tier: 60), same page.
 * Meta publishes no per-business figure for the business edges (business_users, owned_*); they are
 * compared with the hub's own quota for one business (RATE_LIMIT_DEFAULTS.businessPoints per hour).
 *
 * Options: --accounts 500 --assignments 5000 [--tight-window-ms 20000 --tight-points 600]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { operatorContext } from "../src/hub/context.ts";
import { openGrantline, type Grantline } from "../src/app/openGrantline.ts";
import { buildServer } from "../src/http/server.ts";
import { GraphClient, readUsage } from "../src/graph/client/graphClient.ts";
import { reviewThroughGraph } from "../src/graph/client/graphReview.ts";
import { RateLimiter, RATE_LIMIT_DEFAULTS, type RateLimiterOptions } from "../src/graph/rateLimit/rateLimiter.ts";
import { writeGraphReviewWorld } from "./graphReviewWorld.ts";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1] ?? "");
const ACCOUNTS = Number(args.get("accounts") ?? 500);
const ASSIGNMENTS = Number(args.get("assignments") ?? 5000);
const TIGHT_WINDOW_MS = Number(args.get("tight-window-ms") ?? 20_000);
const TIGHT_POINTS = Number(args.get("tight-points") ?? 600);
const log = (line: string) => process.stderr.write(`${line}\n`);
const fmt = (n: number, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

/** Meta's standard-tier ad-account quotas (see the top of this file). */
const META = { adsManagementPerHour: 100_000, adAccountScore: 9_000, adAccountScoreWindowS: 300 };

interface Run {
  label: string;
  seconds: number;
  calls: number;
  findings: number;
  /** Calls on the busiest ad account (its path starts with act_). */
  maxPerAccount: number;
  /** Calls on the business's own edges. */
  businessCalls: number;
  /** Fullest bucket any answer's usage headers reported, in percent. */
  maxUsagePct: number;
  pacingWaits: number;
  pacingSeconds: number;
  /** Answers that refused a call for its rate (retried by the client). */
  throttled: number;
  hubRefusals: number;
}

async function review(hub: Grantline, owner: string, token: string, label: string, limits: RateLimiterOptions): Promise<Run> {
  const rateLimiter = new RateLimiter({ accessTier: "standard_access", ...limits });
  const app = await buildServer(hub, { logLevel: "silent", rateLimiter });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const perAccount = new Map<string, number>();
  let businessCalls = 0;
  let maxUsagePct = 0;
  let pacingWaits = 0;
  let pacingMs = 0;
  let throttled = 0;
  try {
    const client = new GraphClient({
      baseUrl: url,
      token,
      // Counts every call by what it touches, and reads the usage headers as the client does.
      fetch: async (href, init) => {
        const first = new URL(href).pathname.split("/")[1] ?? "";
        if (first.startsWith("act_")) perAccount.set(first, (perAccount.get(first) ?? 0) + 1);
        else if (first === owner) businessCalls++;
        const response = await fetch(href, init);
        maxUsagePct = Math.max(maxUsagePct, readUsage(response.headers).pct);
        return response;
      },
      onWait: (ms, reason) => {
        if (reason === "pacing") {
          pacingWaits++;
          pacingMs += ms;
        } else if (reason === "rate_limited") throttled++;
      },
    });
    log(`${label}: reviewing ${ACCOUNTS} ad accounts through the Graph…`);
    const start = process.hrtime.bigint();
    const report = await reviewThroughGraph(client, { businessId: owner, windowDays: 90, now: Date.now() });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const hubRefusals = Object.values(rateLimiter.refusals).reduce((a, b) => a + b, 0);
    return {
      label,
      seconds,
      calls: client.calls,
      findings: report.findings.length,
      maxPerAccount: Math.max(0, ...perAccount.values()),
      businessCalls,
      maxUsagePct,
      pacingWaits,
      pacingSeconds: pacingMs / 1000,
      throttled,
      hubRefusals,
    };
  } finally {
    await app.close();
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grantline-bench-graph-review-scale-"));
try {
  const owner = await writeGraphReviewWorld(dir, ACCOUNTS, Math.round(ASSIGNMENTS / ACCOUNTS));
  // The Graph here is the hub itself, on loopback: its own campaigns may call it.
  const hub = await openGrantline({ dataDir: dir, outbound: { allowPrivate: true } });
  try {
    const reviewer = await hub.businesses.createSystemUser(operatorContext(), owner, { name: "Reviewer", role: "ADMIN" });
    const token = (await hub.tokens.issueSystemUserToken(operatorContext(), reviewer.id, {})).accessToken;
    const runs = [
      await review(hub, owner, token, "hub at its standard-tier defaults", {}),
      await review(hub, owner, token, `hub limited to ${fmt(TIGHT_POINTS)} points per user and business per ${fmt(TIGHT_WINDOW_MS / 1000)} s`, {
        windowMs: TIGHT_WINDOW_MS,
        userPoints: TIGHT_POINTS,
        businessPoints: TIGHT_POINTS,
      }),
    ];

    const within = (run: Run) =>
      run.maxPerAccount <= META.adAccountScore && run.maxPerAccount <= META.adsManagementPerHour && run.businessCalls <= RATE_LIMIT_DEFAULTS.businessPoints ? "yes" : "NO";
    process.stdout.write(
      [
        "",
        `## Graph-sourced access review at scale: ${fmt(ACCOUNTS)} ad accounts, ${fmt(ASSIGNMENTS)} assignments, through a hub's Graph surface on loopback (SQLite)`,
        "",
        "| hub | seconds (wall) | Graph calls | calls per ad account | busiest ad account | business edges | fullest usage header | pacing pauses (s) | refused for rate | within Meta's standard tier |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ...runs.map(
          (r) =>
            `| ${r.label} | ${fmt(r.seconds, 1)} | ${fmt(r.calls)} | ${fmt(r.calls / ACCOUNTS, 2)} | ${fmt(r.maxPerAccount)} | ${fmt(r.businessCalls)} | ${fmt(r.maxUsagePct)}% | ${fmt(r.pacingWaits)} (${fmt(r.pacingSeconds, 1)}) | ${fmt(r.throttled)} (hub: ${fmt(r.hubRefusals)}) | ${within(r)} |`,
        ),
        "",
        `Meta's standard tier allows ${fmt(META.adsManagementPerHour)} ads_management calls per ad account and hour and an ad-account score of ${fmt(META.adAccountScore)} points per ${META.adAccountScoreWindowS} s; the review's busiest account took ${fmt(runs[0]!.maxPerAccount)} read(s) (1 point each).`,
        "",
      ].join("\n"),
    );

    // A campaign over the same business, started through the hub's own Graph client.
    const holder = await hub.businesses.createBusiness(operatorContext(), { name: "Audit Desk" });
    const app = await buildServer(hub, { logLevel: "silent" });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    let campaignSeconds = 0;
    let campaignItems = 0;
    try {
      const target = await hub.reviewCampaigns.addGraphTarget(operatorContext(), holder.id, { graphUrl: url, graphBusinessId: owner, token });
      const start = process.hrtime.bigint();
      campaignItems = (await hub.reviewCampaigns.start(operatorContext(), holder.id, { graphTargetId: target.id })).items;
      campaignSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    } finally {
      await app.close();
    }

    process.stdout.write(`Review campaign started on it through the Graph: ${fmt(campaignItems)} items in ${fmt(campaignSeconds, 1)} s.\n`);
  } finally {
    await hub.close();
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
