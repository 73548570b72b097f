import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemContext } from "../../src/hub/context.ts";
import { startLandingSite } from "../../src/simulator/landingSite.ts";
import { HubSimulation, simulatedToday, siteFor } from "../../src/simulator/hubSimulation.ts";
import { isSiteDown } from "../../src/simulator/market.ts";
import { NotificationDispatcher } from "../../src/notify/notificationDispatcher.ts";
import { WebhookReceiver } from "../support/webhooks.ts";
import { adServicesOf, buildAd, buildCreative } from "../support/factories.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";

/** A shop whose /broken page fails until it is fixed, /flaky fails once then works, and anything else works. */
async function startShop() {
  const hits: string[] = [];
  let flakyServed = 0;
  let fixed = false;
  const server = http.createServer((request, response) => {
    const url = request.url ?? "/";
    hits.push(url);
    if (url.startsWith("/broken") && !fixed) {
      response.writeHead(503, { "content-type": "text/html" });
      response.end("<h1>down</h1>");
    } else if (url.startsWith("/flaky") && flakyServed++ === 0) {
      response.writeHead(500);
      response.end();
    } else {
      response.writeHead(200, { "content-type": "text/html" });
      response.end("<h1>shop</h1>");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, fix: () => void (fixed = true), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(DIALECTS)("Autopilot's monitors on %s", (dialect) => {
  let world: AutopilotWorld;
  let shop: Awaited<ReturnType<typeof startShop>>;
  beforeEach(async () => {
    shop = await startShop();
    world = await buildAutopilotWorld(dialect, { days: 30, linkUrl: `${shop.url}/flaky/trail` });
  });
  afterEach(async () => {
    await world.close();
    await shop.close();
  });

  const setUp = async (mode: "semi_auto" | "autopilot") => {
    const sleeps: number[] = [];
    const autopilot = world.autopilot({ urlCheck: { timeoutMs: 2000, attempts: 3, retryDelayMs: 10 }, sleep: async (ms) => void sleeps.push(ms) });
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    const view = await autopilot.workspaces.connect(ws.id, {
      graphUrl: world.server.url,
      accessToken: world.token,
      adAccountId: world.account.graphId,
      scopes: ["ads_read", "ads_management"],
      tokenExpiresAt: world.clock.now() + 2 * 86_400_000,
    });
    await autopilot.workspaces.setGuardrails("Acme", { dailyCap: 50_000 });
    await autopilot.workspaces.setMode("Acme", mode);
    const connection = await autopilot.workspaces.connection(view.id);
    await autopilot.scans.scan(connection);
    return { autopilot, connection, sleeps };
  };

  const addBrokenAd = async () => {
    const services = adServicesOf(world.hub);
    const ctx = world.advertiser.admin.ctx;
    const creative = await buildCreative(services, ctx, world.account.graphId, { link_url: `${shop.url}/broken/sale` });
    return buildAd(services, ctx, world.account.graphId, world.adSets[0]!.id, creative.id, { name: "Broken link ad", status: "ACTIVE" });
  };

  it("pauses ads whose landing page keeps failing (autopilot mode), retrying before judging; a page that recovers is left alone", async () => {
    const { autopilot } = await setUp("autopilot");
    const broken = await addBrokenAd();
    const [report] = await autopilot.monitors.run("Acme");
    const brokenCheck = report!.urls.find((u) => u.url.includes("/broken"))!;
    expect(brokenCheck).toMatchObject({ ok: false, status: 503, attempts: 3, ads: [broken.id] });
    expect(report!.urls.find((u) => u.url.includes("/flaky"))).toMatchObject({ ok: true, attempts: 2 });
    expect(shop.hits.filter((h) => h.startsWith("/broken"))).toHaveLength(3);
    expect(report!.paused.map((p) => p.state)).toEqual(["CONFIRMED"]);
    expect(report!.paused[0]!.text).toMatch(/^Paused ad 'Broken link ad': its landing page .*\/broken\/sale is failing \(HTTP 503 after 3 tries\)/);
    const live = await world.hub.store.db.selectFrom("ads").select("status").where("id", "=", broken.id).executeTakeFirstOrThrow();
    expect(live.status).toBe("PAUSED");
    expect(world.alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(["url_down", "token_expiring"]));
    expect(world.alerts.find((a) => a.kind === "token_expiring")!.title).toMatch(/expires in 2 days/);
    // The same findings again are not sent again.
    const before = world.alerts.length;
    await autopilot.monitors.run("Acme");
    expect(world.alerts.length).toBe(before);
  });

  it("keeps its landing-page checks for the engine: an ad paused for a broken page comes back once the page loads", async () => {
    const { autopilot, connection } = await setUp("autopilot");
    const broken = await addBrokenAd();
    const [report] = await autopilot.monitors.run("Acme");
    expect(report!.paused.map((p) => p.state)).toEqual(["CONFIRMED"]);
    const status = async () => (await world.hub.store.db.selectFrom("ads").select("status").where("id", "=", broken.id).executeTakeFirstOrThrow()).status;
    await autopilot.scans.scan(connection);
    const today = new Date(world.clock.now()).toISOString().slice(0, 10);
    const seen = (await autopilot.snapshot("Acme", connection.id)).ads.find((a) => a.id === broken.id)!;
    expect(seen.linkCheck).toEqual({ down: true, downDates: [today] });
    expect(seen.status).toBe("PAUSED");

    // Past the cooldown, with the page still down, the engine leaves it paused.
    world.clock.t += 13 * 3_600_000;
    await autopilot.monitors.run("Acme");
    const whileDown = await autopilot.run("Acme");
    expect(whileDown.executed.filter((e) => e.text.includes("Broken link ad"))).toEqual([]);
    expect(await status()).toBe("PAUSED");

    // The page loads again: the next check records it, and the next cycle turns the ad back on.
    shop.fix();
    world.clock.t += 3_600_000;
    const [recovered] = await autopilot.monitors.run("Acme");
    expect(recovered!.urls.find((u) => u.url.includes("/broken"))).toMatchObject({ ok: true });
    const after = await autopilot.run("Acme");
    const back = after.executed.filter((e) => e.text.includes("Broken link ad"));
    expect(back.map((e) => [e.state, e.text])).toEqual([["CONFIRMED", "Turned on ad 'Broken link ad': it was paused because its landing page was down, and the page loads again"]]);
    expect(await status()).toBe("ACTIVE");
    // The days it was down (its checks failed on both) stay on record for the estimates.
    const nextDay = new Date(world.clock.now()).toISOString().slice(0, 10);
    expect(nextDay).not.toBe(today);
    expect((await autopilot.snapshot("Acme", connection.id)).ads.find((a) => a.id === broken.id)!.linkCheck).toEqual({ down: false, downDates: [today, nextDay] });
  });

  it("delivers its alerts to the advertiser's Slack channel (Block Kit) through the notification service", async () => {
    const slack = await new WebhookReceiver().start();
    try {
      await world.hub.notifications.addChannel(world.advertiser.admin.ctx, world.advertiser.id, { kind: "slack", name: "#ads", url: slack.url });
      const { autopilot } = await setUp("semi_auto");
      await addBrokenAd();
      await autopilot.monitors.run("Acme");
      await new NotificationDispatcher(world.hub.notifications).runOnce(world.clock.now());
      const bodies = slack.deliveries.map((d) => JSON.parse(d.raw.toString("utf8")) as { blocks?: unknown[]; text?: string });
      const all = JSON.stringify(bodies);
      expect(bodies.every((b) => Array.isArray(b.blocks))).toBe(true);
      expect(all).toContain("Landing page down");
      const logged = await autopilot.deps.db.selectFrom("autopilot_alerts").select(["kind", "delivery_json"]).where("kind", "=", "url_down").executeTakeFirstOrThrow();
      expect(JSON.parse(logged.delivery_json!)).toMatchObject({ deduplicated: false });
    } finally {
      await slack.close();
    }
  });

  it("queues the pause for approval in semi-auto mode, and reports disapproved ads", async () => {
    const { autopilot } = await setUp("semi_auto");
    const broken = await addBrokenAd();
    await world.hub.ads.setReviewStatus(systemContext(), world.ads[1]!.id, { review_status: "DISAPPROVED", feedback: "Landing page does not match the ad." });
    const [report] = await autopilot.monitors.run("Acme");
    expect(report!.paused).toEqual([]);
    expect(report!.queued).toHaveLength(1);
    expect(report!.disapproved).toEqual([{ id: world.ads[1]!.id, name: expect.any(String), feedback: { DISAPPROVED: "Landing page does not match the ad." } }]);
    const disapproval = world.alerts.find((a) => a.kind === "disapproved_ad")!;
    expect(disapproval.body).toBe("Landing page does not match the ad.");
    const live = await world.hub.store.db.selectFrom("ads").select("status").where("id", "=", broken.id).executeTakeFirstOrThrow();
    expect(live.status).toBe("ACTIVE");
    const queue = await autopilot.actions.queue(await autopilot.workspaces.require("Acme"));
    expect(queue.map((q) => q.text)).toEqual([expect.stringMatching(/^Pause ad 'Broken link ad'/)]);
  });

  it("alerts on a spend spike against the account's own pattern", async () => {
    const { autopilot, connection } = await setUp("semi_auto");
    const [quiet] = await autopilot.monitors.run("Acme");
    expect(quiet!.spend).toMatchObject({ spike: false, tooLittleData: false });
    // Yesterday's delivery jumps to five times the usual on every ad.
    const yesterday = "2026-06-14";
    const rows = await world.hub.store.db.selectFrom("ad_insights_daily").selectAll().where("date", "=", yesterday).where("account_id", "=", world.account.id).execute();
    await world.hub.insights.upsertDailyRows(rows.map((r) => ({ ad_id: r.ad_id, date: r.date, impressions: Number(r.impressions), reach: Number(r.reach), clicks: Number(r.clicks), link_clicks: Number(r.link_clicks), spend: Number(r.spend) * 5, conversions: Number(r.conversions), revenue: Number(r.revenue) })));
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.monitors.run("Acme");
    expect(report!.spend).toMatchObject({ spike: true, date: yesterday });
    expect(world.alerts.find((a) => a.kind === "spend_spike")!.title).toMatch(/^Spend spike on Acme Main: \$/);
  });

  it("alerts on a spend spike within the day, from hourly insights, before the day is over", async () => {
    const { autopilot } = await setUp("semi_auto");
    const market = new HubSimulation(world.hub, { disapprovalDailyHazard: 0 });
    const today = "2026-06-15";
    // 13:30: the morning has run as usual.
    world.clock.t = Date.UTC(2026, 5, 15, 13, 30);
    expect(await market.reportDayInProgress()).toEqual({ date: today, hours: 13, rows: 4 * 13 });
    const [calm] = await autopilot.monitors.run("Acme");
    expect(calm!.spend_today).toMatchObject({ date: today, hours: 13, spike: false, tooLittleData: false, historyDays: 14 });

    // The Graph's hourly breakdown, in Meta's names: a finished day's hours add up to its daily row.
    const graph = graphClient(world.server.url, world.token);
    const range = encodeURIComponent(JSON.stringify({ since: "2026-06-14", until: "2026-06-14" }));
    const hours = await graph("GET", `/${world.account.graphId}/insights?level=account&breakdowns=hourly_stats_aggregated_by_advertiser_time_zone&time_range=${range}&fields=spend&limit=100`);
    expect(hours.body.data).toHaveLength(24);
    expect(hours.body.data[13]).toMatchObject({ date_start: "2026-06-14", hourly_stats_aggregated_by_advertiser_time_zone: "13:00:00 - 13:59:59", spend: expect.any(String) });
    const day = await graph("GET", `/${world.account.graphId}/insights?level=account&time_range=${range}&fields=spend`);
    const cents = (v: string) => Math.round(Number(v) * 100);
    expect(hours.body.data.reduce((sum: number, h: { spend: string }) => sum + cents(h.spend), 0)).toBe(cents(day.body.data[0].spend));
    // A breakdown Meta does not have is refused in Meta's words (age and the others are served now).
    expect((await graph("GET", `/${world.account.graphId}/insights?breakdowns=colour`)).body.error).toMatchObject({ code: 100, message: expect.stringMatching(/breakdowns\[0\] must be one of the following values: .*age/) });

    // Then every ad set's budget goes up tenfold: by 14:00 the day has spent far more than usual.
    for (const set of world.adSets) await world.hub.adSets.updateAdSet(world.advertiser.admin.ctx, set.id, { daily_budget: 50_000 } as never);
    world.clock.t = Date.UTC(2026, 5, 15, 14, 5);
    await market.reportDayInProgress();
    const [report] = await autopilot.monitors.run("Acme");
    expect(report!.spend_today).toMatchObject({ date: today, hours: 14, spike: true });
    const alert = world.alerts.find((a) => a.kind === "spend_spike")!;
    expect(alert.title).toMatch(/^Spend spike on act_\d+ today: \$[\d,.]+ by 14:00$/);
    // The alert came before the day ended: the day itself is not in the daily insights yet.
    const daily = await world.hub.store.db.selectFrom("ad_insights_daily").select("ad_id").where("date", "=", today).execute();
    expect(daily).toHaveLength(0);
    // The same spike later the same day is not sent again.
    const count = world.alerts.length;
    await autopilot.monitors.run("Acme");
    expect(world.alerts.length).toBe(count);
  });

  it("checks the simulator's landing pages over real HTTP", async () => {
    const site = await startLandingSite(world.hub);
    try {
      const services = adServicesOf(world.hub);
      const ctx = world.advertiser.admin.ctx;
      const creative = await buildCreative(services, ctx, world.account.graphId, { link_url: `${site.url}/shop/boots` });
      await buildAd(services, ctx, world.account.graphId, world.adSets[1]!.id, creative.id, { name: "Boots", status: "ACTIVE" });
      const { autopilot } = await setUp("semi_auto");
      const [report] = await autopilot.monitors.run("Acme");
      const check = report!.urls.find((u) => u.url.startsWith(site.url))!;
      // Up or down exactly as the simulated market has that shop on the simulation's current day.
      const today = (await simulatedToday(world.hub))!;
      const down = isSiteDown(siteFor(today.seed, `${site.url}/shop/boots`), today.dayIndex);
      expect(check.ok).toBe(!down);
      if (!down) expect(check).toMatchObject({ status: 200, attempts: 1 });
    } finally {
      await site.close();
    }
  });
});
