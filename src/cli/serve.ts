import path from "node:path";
import { changeFeedFor } from "../store/changeFeed.ts";
import type { Config } from "../config/env.ts";
import { seedDemoWorld, DEMO_ADVERTISER, DEMO_AGENCY, DEMO_PASSWORD } from "../demo/demoWorld.ts";
import { operatorContext, systemContext } from "../hub/context.ts";
import { openHub, type Hub } from "../hub/hub.ts";
import { findPersonByEmail } from "../hub/people/person.repository.ts";
import { buildServer } from "../http/server.ts";
import { createClient } from "redis";
import { RateLimiter } from "../graph/rateLimit/rateLimiter.ts";
import { RedisRateLimitStore } from "../graph/rateLimit/redisRateLimitStore.ts";
import { WebhookDispatcher } from "../hub/webhooks/webhookDispatcher.ts";
import { HubSimulation } from "../simulator/hubSimulation.ts";
import { startLandingSite, type LandingSite } from "../simulator/landingSite.ts";
import { NotificationDispatcher } from "../notify/notificationDispatcher.ts";
import { SecurityAlertPoller, SecurityAlertService } from "../hub/alerts/securityAlert.service.ts";
import { ReviewScheduler } from "../hub/review/reviewScheduler.ts";
import { warnExpiringTokens } from "../oauth/tokenExpiry.ts";
import { oidcPayloadSweeper } from "../oauth/oidcPayloadSweep.ts";
import { openAutopilot } from "../autopilot/app/wiring.ts";
import { ensureAutopilotApp } from "../autopilot/app/registration.ts";
import { AutopilotScheduler } from "../autopilot/app/scheduler.ts";

const DEMO_DAY_SECONDS = 180;
/** How often the market's day in progress is written hour by hour. */
const DAY_IN_PROGRESS_MS = 5 * 60_000;

const SWEEP_EVERY_MS = 60_000;
const OIDC_SWEEP_EVERY_MS = 10 * 60_000;

/** Starts the hub's HTTP server and background work; returns when the process is told to stop. */
export async function runServer(config: Config, options: { demo: boolean }): Promise<void> {
  const hub = await openHub({ databaseUrl: config.databaseUrl, pgSchema: config.databaseSchema, dataDir: config.dataDir, pendingTtlDays: config.pendingTtlDays, secretKey: config.secretKey, mail: config.mail, notifications: config.alerts, adObjectsMaxAgeMs: config.syncIntervalMs, outbound: config.outbound });
  // With Redis, every instance counts calls in one place; without it, each counts its own.
  const redis = config.redisUrl ? await createClient({ url: config.redisUrl }).connect() : undefined;
  const rateLimiter = new RateLimiter({
    ...config.rateLimits,
    ...(redis ? { store: new RedisRateLimitStore(redis, { keyPrefix: "grantline:rate:" }) } : {}),
  });
  const autopilot = openAutopilot(hub, config);
  const app = await buildServer(hub, { logLevel: config.logLevel, rateLimiter, publicUrl: config.publicUrl, accessFreshnessMs: config.syncIntervalMs, autopilot, trustProxy: config.trustProxy });
  const landing = await startLandingSite(hub, { host: config.host, port: config.simSitePort }).catch((error: unknown) => {
    app.log.warn({ err: error }, "the simulated shops' landing pages could not start");
    return undefined;
  });
  const demoLines = options.demo ? await prepareDemo(hub, landing) : [];
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  // Autopilot reaches this hub and the simulated shops where they actually listen (PORT=0 picks at start).
  autopilot.deps.http.trust(url);
  if (landing) autopilot.deps.http.trust(landing.url);

  hub.engine.startSync(config.syncIntervalMs, (error) => app.log.error({ err: error }, "access index sync failed"));
  // Revocations are pushed to the other instances; the poll above stays as the safety net.
  const changeFeed = changeFeedFor(
    { redis, databaseUrl: config.databaseUrl, store: config.databaseUrl ? `pg:${config.databaseSchema ?? "public"}` : `sqlite:${path.resolve(config.dataDir)}` },
    (error) => app.log.warn({ err: error }, "access change feed interrupted; polling continues"),
  );
  if (changeFeed) await hub.engine.connectFeed(changeFeed, (error) => app.log.warn({ err: error }, "access change feed interrupted; polling continues"));
  const sweeper = setInterval(() => {
    hub.partners.sweep(systemContext()).catch((error: unknown) => app.log.error({ err: error }, "share sweep failed"));
    void warnExpiringTokens(hub, app.log, config.tokenWarningLeadsMs);
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  const oidcSweeper = oidcPayloadSweeper(hub, OIDC_SWEEP_EVERY_MS, (error) => app.log.error({ err: error }, "expired OAuth row sweep failed"));
  oidcSweeper.start();
  // Every instance may run one: deliveries are claimed in the store before they are sent.
  const webhookDispatcher = new WebhookDispatcher(hub.webhooks, { onError: (error) => app.log.error({ err: error }, "webhook delivery run failed") });
  webhookDispatcher.start();
  // Alerts: every instance may run both; deliveries are claimed and the audit cursor is locked in the store.
  const notificationDispatcher = new NotificationDispatcher(hub.notifications, { onError: (error) => app.log.error({ err: error }, "alert delivery run failed") });
  notificationDispatcher.start();
  const securityAlerts = new SecurityAlertPoller(new SecurityAlertService(hub, {
      ...config.alerts,
      publicUrl: config.publicUrl ?? url,
      onSkipped: (seq, error) => app.log.warn({ err: error, auditSeq: seq }, "security alert skipped"),
    }), {
    intervalMs: config.alerts.pollMs,
    onError: (error) => app.log.error({ err: error }, "security alert run failed"),
  });
  securityAlerts.start();
  // Real-time mode: the market moves one day every few minutes while the server runs.
  const daySeconds = config.simDaySeconds ?? (options.demo ? DEMO_DAY_SECONDS : 0);
  const simulation = new HubSimulation(hub);
  const marketClock =
    daySeconds > 0
      ? setInterval(() => {
          simulation.advance(1).catch((error: unknown) => app.log.error({ err: error }, "simulated day failed"));
        }, daySeconds * 1000)
      : undefined;
  marketClock?.unref();
  // While the market's next day is today's date, the hours already over are written as hourly rows
  // (what Meta reports during the day), so hourly insights and Autopilot's intraday spike check see them.
  const hoursClock = setInterval(() => {
    simulation.reportDayInProgress().catch((error: unknown) => app.log.error({ err: error }, "simulated hours failed"));
  }, DAY_IN_PROGRESS_MS);
  hoursClock.unref();
  // Access reviews: Graph reads counted as use are written every few seconds; quarterly campaigns
  // start and reminders go out from every instance, the store making sure each happens once.
  hub.usage.start(5_000);
  const reviewScheduler = new ReviewScheduler(hub.reviewCampaigns, hub.now, {
    mailer: hub.mailer(),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    onError: (error) => app.log.error({ err: error }, "access review schedule run failed"),
  });
  reviewScheduler.start();
  // Autopilot acts on its own: every instance may run the schedule; each workspace's due job is claimed in the store.
  const autopilotScheduler = config.autopilotSchedule
    ? new AutopilotScheduler(autopilot, { ...config.autopilotSchedule, log: app.log, onError: (error) => app.log.error({ err: error }, "autopilot schedule run failed") })
    : undefined;
  autopilotScheduler?.start();

  const store = config.databaseUrl ? "PostgreSQL" : `SQLite in ${config.dataDir}`;
  process.stdout.write(`Grantline hub listening on ${url} (store: ${store})\n`);
  process.stdout.write(`Health: ${url}/healthz\n`);
  process.stdout.write(`Web console: ${url}/console/\n`);
  if (landing) process.stdout.write(`Simulated shops: ${landing.url}/ (pages fail while the market has their site down)\n`);
  if (daySeconds > 0) process.stdout.write(`Simulated market: one day every ${daySeconds} s (GRANTLINE_SIM_DAY_SECONDS)\n`);
  for (const line of demoLines) process.stdout.write(`${line.replaceAll("{url}", url)}\n`);
  // Autopilot connects through OAuth as an app of its own business; the demo registers it.
  const autopilotClient = options.demo ? (await ensureAutopilotApp(hub, autopilot, config.publicUrl ?? url)).client : await autopilot.connect.client();
  const schedule = autopilotScheduler?.settings;
  process.stdout.write(
    schedule
      ? `Autopilot schedule: scan, then plan or run, daily at ${String(schedule.dailyHour).padStart(2, "0")}:00 ${schedule.timeZone}; monitors every ${schedule.monitorIntervalMs / 60_000} min (GRANTLINE_AUTOPILOT_SCHEDULE=off turns it off)\n`
      : "Autopilot schedule: off (GRANTLINE_AUTOPILOT_SCHEDULE); run `grantline autopilot scan|plan|run|monitor` from cron\n",
  );
  process.stdout.write(
    autopilotClient
      ? `Autopilot: OAuth client ${autopilotClient.client_id} (secret sealed in the store; \`grantline autopilot oauth-client\` shows it), callback ${autopilotClient.redirect_uri}\n`
      : "Autopilot: no OAuth client yet; `grantline autopilot register --hub-url URL` registers it\n",
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  clearInterval(sweeper);
  await changeFeed?.close();
  if (marketClock) clearInterval(marketClock);
  clearInterval(hoursClock);
  await oidcSweeper.stop();
  await webhookDispatcher.stop();
  await securityAlerts.stop();
  await notificationDispatcher.stop();
  await reviewScheduler.stop();
  await autopilotScheduler?.stop();
  await landing?.close();
  await app.close();
  await redis?.close();
  await hub.close();
}

async function prepareDemo(hub: Hub, landing: LandingSite | undefined): Promise<string[]> {
  const existing = await findPersonByEmail(hub.store.db, "alice@acme.example");
  const lines: string[] = [];
  if (!existing) {
    const world = await seedDemoWorld(hub, landing?.url ?? "https://shop.acme.example");
    const history = await new HubSimulation(hub).backfill(90);
    lines.push("", "Demo world created:");
    lines.push(`  ${DEMO_ADVERTISER} (Business ID ${world.advertiser.id}) owns:`);
    for (const asset of world.assets) lines.push(`    ${asset.type.padEnd(22)} ${asset.graphId.padEnd(22)} ${asset.name}`);
    lines.push(`  ${DEMO_AGENCY} (Business ID ${world.agency.id}) has Standard on Acme Main and the Page; a Pixel offer waits in its Requests.`);
    lines.push(`  Acme Main has ${history.days} days of simulated delivery (${history.from} to ${history.to}): spend ${history.spend.toFixed(2)}, ${history.conversions} purchases.`);
    lines.push(`  People (sign in with POST {url}/auth/login; password of each: ${DEMO_PASSWORD}):`);
    for (const person of world.people) lines.push(`    ${person.email.padEnd(26)} ${person.role.padEnd(9)} ${person.business}  id ${person.id}`);
    const token = await hub.tokens.issueSystemUserToken(operatorContext(), world.agencySystemUserId, {});
    const advertiserToken = await hub.tokens.issueSystemUserToken(operatorContext(), world.advertiserSystemUserId, {});
    lines.push(`  ${DEMO_AGENCY} reporting bot: system user ${world.agencySystemUserId}, token ${token.accessToken}`);
    lines.push(`  ${DEMO_ADVERTISER} API (admin): system user ${world.advertiserSystemUserId}, token ${advertiserToken.accessToken}`);
    lines.push("  Tokens are shown once; only their hashes are stored.");
    lines.push(`  Try: npx grantline explain --principal ${world.people[3]!.id} --action change_budget --asset ${world.assets[0]!.graphId}`);
    lines.push(`       curl '{url}/v24.0/${world.assets[0]!.graphId}/insights?level=adset&fields=adset_name,spend,actions&date_preset=last_30d&access_token=${advertiserToken.accessToken}'`);
    lines.push("       API reference: /docs");
  } else {
    lines.push("", `Demo world already present (alice@acme.example is ${existing.id}); delete the data folder to start over.`);
    lines.push(`  Demo logins: alice@acme.example, bob@acme.example, nora@northwind.example, sam@northwind.example; password ${DEMO_PASSWORD} (unless changed).`);
  }
  return lines;
}
