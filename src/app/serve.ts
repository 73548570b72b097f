import path from "node:path";
import { changeFeedFor } from "../store/changeFeed.ts";
import type { Config } from "../config/env.ts";
import { seedDemoWorld, DEMO_ADVERTISER, DEMO_AGENCY, DEMO_PASSWORD } from "../demo/demoWorld.ts";
import { operatorContext, systemContext } from "../hub/context.ts";
import { openGrantline } from "./openGrantline.ts";
import type { Hub } from "../hub/hub.ts";
import { findPersonByEmail } from "../hub/people/person.repository.ts";
import { buildServer } from "../http/server.ts";
import { HubMetrics, startMetricsServer } from "../http/metrics.ts";
import { trackConnections } from "../http/connectionTracker.ts";
import type { FastifyInstance } from "fastify";
import { RateLimiter } from "../graph/rateLimit/rateLimiter.ts";
import { StoreFaultError } from "../store/storeFault.ts";
import { listenProblem, StartupError } from "./lifecycle.ts";
import { openRedis } from "./redisRateLimits.ts";
import { WebhookDispatcher } from "../hub/webhooks/webhookDispatcher.ts";
import { HubSimulation } from "../simulator/hubSimulation.ts";
import { startLandingSite, type LandingSite } from "../simulator/landingSite.ts";
import { NotificationDispatcher } from "../notify/notificationDispatcher.ts";
import { SecurityAlertPoller, SecurityAlertService } from "../hub/alerts/securityAlert.service.ts";
import { ReviewScheduler } from "../hub/review/reviewScheduler.ts";
import { warnExpiringTokens } from "../oauth/tokenExpiry.ts";
import { oidcPayloadSweeper } from "../oauth/oidcPayloadSweep.ts";
import { pendingChangeSweeper } from "../hub/guardrails/guardrail.service.ts";
import { openAutopilot } from "./autopilotHost.ts";
import { registerAutopilotHostRoutes } from "./autopilotHostRoutes.ts";
import { ensureAutopilotApp, ensureConfiguredApp } from "../autopilot/app/registration.ts";
import { AutopilotScheduler } from "../autopilot/app/scheduler.ts";

const DEMO_DAY_SECONDS = 180;
/** How often the market's day in progress is written hour by hour. */
const DAY_IN_PROGRESS_MS = 5 * 60_000;

const SWEEP_EVERY_MS = 60_000;
const OIDC_SWEEP_EVERY_MS = 10 * 60_000;

/** Grantline serving: the hub's HTTP server, Autopilot, the background work and the simulated shops. */
export interface RunningGrantline {
  /** The hub's HTTP server, listening. */
  app: FastifyInstance;
  /**
   * Stops (docs/operations.md, "Shutdown") and says how: 0 when everything finished within
   * GRANTLINE_SHUTDOWN_GRACE_MS, 1 when the grace ran out.
   */
  close(signal: string): Promise<number>;
}

/**
 * Opens the hub with everything `grantline serve` (and the demo) runs beside it, and listens. A
 * failed step closes what had started and throws (a StartupError when the step knows what to say).
 */
export async function startGrantline(config: Config, options: { demo: boolean }): Promise<RunningGrantline> {
  // What has started, closed in reverse order at shutdown or when a later step fails.
  const started: { name: string; close: () => Promise<unknown> | void }[] = [];
  const closeStarted = async (onError: (name: string, error: unknown) => void) => {
    for (const { name, close } of started.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        onError(name, error);
      }
    }
  };
  let running: Running;
  try {
    running = await start(config, options, started);
  } catch (error) {
    await closeStarted(() => undefined);
    throw error;
  }
  return {
    app: running.app,
    close: (signal) => running.stop(signal, () => closeStarted((name, error) => running.app.log.error({ err: error }, `${name} did not close cleanly`))),
  };
}

interface Running {
  app: FastifyInstance;
  stop(signal: string, closeResources: () => Promise<void>): Promise<number>;
}

async function start(config: Config, options: { demo: boolean }, started: { name: string; close: () => Promise<unknown> | void }[]): Promise<Running> {
  const hub = await openGrantline({
    databaseUrl: config.databaseUrl,
    pgSchema: config.databaseSchema,
    dataDir: config.dataDir,
    // `serve` on a missing data folder is far more often a volume that did not mount than a first
    // start; `grantline init` (and the demo) create it.
    createDataDir: options.demo,
    timeouts: { queryMs: config.timeouts.dbQueryMs, connectMs: config.timeouts.dbConnectMs },
    diskMinFreeBytes: config.diskMinFreeBytes,
    pendingTtlDays: config.pendingTtlDays,
    invitations: { ttlDays: config.invitationTtlDays, publicUrl: config.publicUrl },
    secretKey: config.secretKey,
    mail: config.mail,
    notifications: config.alerts,
    adObjectsMaxAgeMs: config.syncIntervalMs,
    outbound: config.outbound,
  });
  started.push({ name: "the store", close: () => hub.close() });
  const redis = config.redisUrl ? openRedis(config.redisUrl, config.timeouts.redisMs) : undefined;
  if (redis) started.push({ name: "Redis", close: () => redis.client.destroy() });
  const rateLimiter = new RateLimiter({ ...config.rateLimits, ...(redis ? { store: redis.rateLimits } : {}) });
  const hosted = openAutopilot(hub, config);
  const { autopilot } = hosted;
  // Created below, once the server listens; the metrics read its outcomes when scraped.
  const scheduled: { scheduler?: AutopilotScheduler } = {};
  const metrics = config.metrics
    ? new HubMetrics({ hub, rateLimiter, ...(redis ? { redisUp: redis.up } : {}), autopilotOutcomes: () => scheduled.scheduler?.outcomes ?? {} })
    : undefined;
  const app = await buildServer(hub, {
    logLevel: config.logLevel,
    rateLimiter,
    publicUrl: config.publicUrl,
    accessFreshnessMs: config.syncIntervalMs,
    autopilot: hosted,
    readiness: redis ? { redis: redis.readiness } : {},
    trustProxy: config.trustProxy,
    metrics,
    // On the hub's port only without a port of its own, and then only to the token.
    ...(config.metrics?.port === undefined && config.metrics?.token !== undefined ? { metricsToken: config.metrics.token } : {}),
  });
  // An Autopilot serving apart from the hub (`autopilot serve --hub`) reaches it through these.
  registerAutopilotHostRoutes(app, hub, hosted.host);
  let appClosed: Promise<void> | undefined;
  const closeApp = () => (appClosed ??= app.close());
  started.push({ name: "the HTTP server", close: closeApp });
  const log = app.log;
  hub.store.health.onEvent((event) => {
    if (event.type === "fault") log.error({ store: hub.store.location, fault: event.kind }, event.message);
    else log.warn({ store: hub.store.location }, event.message);
  });
  redis?.watch(log);
  const connections = trackConnections(app.server);

  // Real-time mode: the market moves one day every few minutes while the server runs.
  const daySeconds = config.simDaySeconds ?? (options.demo ? DEMO_DAY_SECONDS : 0);
  // The simulated shops exist for the simulator: the demo, or a server running the market.
  const landing = options.demo || daySeconds > 0 ? await startShops(hub, config, options.demo) : undefined;
  if (landing) started.push({ name: "the simulated shops", close: () => landing.site.close() });
  const demoLines = options.demo ? await prepareDemo(hub, landing?.site) : [];
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    throw new StartupError(listenProblem(error, config.host, config.port, "PORT"), { cause: error });
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  let metricsUrl: string | undefined;
  if (metrics && config.metrics?.port !== undefined) {
    const { host, port: metricsPort, token } = config.metrics;
    let server: Awaited<ReturnType<typeof startMetricsServer>>;
    try {
      server = await startMetricsServer(metrics, { host, port: metricsPort, token });
    } catch (error) {
      throw new StartupError(`the metrics listener cannot start: ${listenProblem(error, host, metricsPort, "GRANTLINE_METRICS_PORT")}`, { cause: error });
    }
    started.push({ name: "the metrics listener", close: () => server.close() });
    metricsUrl = `${server.url}/metrics`;
  } else if (metrics) {
    metricsUrl = `${url}/metrics`;
  }
  // Autopilot reaches this hub and the simulated shops where they actually listen (PORT=0 picks at start).
  autopilot.deps.http.trust(url);
  if (landing) autopilot.deps.http.trust(landing.site.url);

  // Background work. Faults of the store are reported by the store itself, once per episode.
  const failed = (what: string) => (error: unknown) => {
    if (!(error instanceof StoreFaultError)) log.error({ err: error }, what);
  };
  const jobs: { name: string; stop: () => Promise<void> | void }[] = [];
  hub.engine.startSync(config.syncIntervalMs, failed("access index sync failed"));
  jobs.push({ name: "access index sync", stop: () => hub.engine.stop() });
  // Revocations are pushed to the other instances; the poll above stays as the safety net.
  const feedInterrupted = (error: unknown) => log.warn({ err: error }, "access change feed interrupted; polling continues");
  const changeFeed = changeFeedFor(
    { redis: redis?.client, databaseUrl: config.databaseUrl, store: config.databaseUrl ? `pg:${config.databaseSchema ?? "public"}` : `sqlite:${path.resolve(config.dataDir)}` },
    feedInterrupted,
  );
  if (changeFeed) {
    // An announcement some instance may have missed holds the acknowledgement for one freshness
    // interval (the requests' own look at the store), so a revocation is never served after it returned.
    await hub.engine.connectFeed(changeFeed, feedInterrupted, { unconfirmedWaitMs: config.syncIntervalMs + 10 });
    jobs.push({ name: "access change feed", stop: () => changeFeed.close() });
  }
  const sweeper = setInterval(() => {
    hub.partners.sweep(systemContext()).catch(failed("share sweep failed"));
    void warnExpiringTokens(hub, log, config.tokenWarningLeadsMs);
  }, SWEEP_EVERY_MS);
  sweeper.unref();
  jobs.push({ name: "share sweep", stop: () => clearInterval(sweeper) });
  // Every instance may run it: a held change is expired (and announced) only while still pending.
  const pendingSweeper = pendingChangeSweeper(hub.guardrails, systemContext(), SWEEP_EVERY_MS, failed("pending change expiry failed"));
  pendingSweeper.start();
  jobs.push({ name: "pending change expiry", stop: () => pendingSweeper.stop() });
  const oidcSweeper = oidcPayloadSweeper(hub, OIDC_SWEEP_EVERY_MS, failed("expired OAuth row sweep failed"));
  oidcSweeper.start();
  jobs.push({ name: "OAuth row sweep", stop: () => oidcSweeper.stop() });
  // Every instance may run one: deliveries are claimed in the store before they are sent.
  const webhookDispatcher = new WebhookDispatcher(hub.webhooks, { onError: failed("webhook delivery run failed") });
  webhookDispatcher.start();
  jobs.push({ name: "webhook deliveries", stop: () => webhookDispatcher.stop() });
  // Alerts: every instance may run both; deliveries are claimed and the audit cursor is locked in the store.
  const notificationDispatcher = new NotificationDispatcher(hub.notifications, { onError: failed("alert delivery run failed") });
  notificationDispatcher.start();
  jobs.push({ name: "alert deliveries", stop: () => notificationDispatcher.stop() });
  const securityAlerts = new SecurityAlertPoller(new SecurityAlertService(hub, {
      ...config.alerts,
      publicUrl: config.publicUrl ?? url,
      onSkipped: (seq, error) => log.warn({ err: error, auditSeq: seq }, "security alert skipped"),
    }), {
    intervalMs: config.alerts.pollMs,
    onError: failed("security alert run failed"),
  });
  securityAlerts.start();
  jobs.push({ name: "security alerts", stop: () => securityAlerts.stop() });
  const simulation = new HubSimulation(hub);
  const marketClock =
    daySeconds > 0
      ? setInterval(() => {
          simulation.advance(1).catch(failed("simulated day failed"));
        }, daySeconds * 1000)
      : undefined;
  marketClock?.unref();
  if (marketClock) jobs.push({ name: "market clock", stop: () => clearInterval(marketClock) });
  // While the market's next day is today's date, the hours already over are written as hourly rows
  // (what Meta reports during the day), so hourly insights and Autopilot's intraday spike check see them.
  const hoursClock = setInterval(() => {
    simulation.reportDayInProgress().catch(failed("simulated hours failed"));
  }, DAY_IN_PROGRESS_MS);
  hoursClock.unref();
  jobs.push({ name: "market hours", stop: () => clearInterval(hoursClock) });
  // Access reviews: Graph reads counted as use are written every few seconds; quarterly campaigns
  // start and reminders go out from every instance, the store making sure each happens once.
  hub.usage.start(5_000);
  const reviewScheduler = new ReviewScheduler(hub.reviewCampaigns, hub.now, {
    mailer: hub.mailer(),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    onError: failed("access review schedule run failed"),
  });
  reviewScheduler.start();
  jobs.push({ name: "access review schedule", stop: () => reviewScheduler.stop() });
  // Autopilot acts on its own: every instance may run the schedule; each workspace's due job is claimed in the store.
  const autopilotScheduler = config.autopilotSchedule
    ? new AutopilotScheduler(autopilot, { ...config.autopilotSchedule, log, onError: failed("autopilot schedule run failed") })
    : undefined;
  scheduled.scheduler = autopilotScheduler;
  autopilotScheduler?.start();
  if (autopilotScheduler) jobs.push({ name: "Autopilot schedule", stop: () => autopilotScheduler.stop() });

  const store = config.databaseUrl ? "PostgreSQL" : `SQLite in ${config.dataDir}`;
  // Autopilot connects through OAuth: as the app configured for it (Meta's, GRANTLINE_AUTOPILOT_APP_ID),
  // else as an app of its own business on this hub, which the demo registers. The server already
  // serves: a store failing here costs this line, not the server.
  let autopilotClient: Awaited<ReturnType<typeof autopilot.connect.client>>;
  try {
    if (config.autopilotApp) autopilotClient = (await ensureConfiguredApp(autopilot, config.autopilotApp, config.publicUrl ?? url)).client;
    else autopilotClient = options.demo ? (await ensureAutopilotApp(hub, autopilot, config.publicUrl ?? url)).client : await autopilot.connect.client();
  } catch (error) {
    log.warn({ err: error }, "Autopilot's OAuth client could not be read");
    autopilotClient = undefined;
  }
  const schedule = autopilotScheduler?.settings;
  if (options.demo) {
    // The demo talks to a person at a terminal, on stderr; standard output stays the JSON log.
    const lines = [
      `Grantline hub listening on ${url} (store: ${store})`,
      `Health: ${url}/healthz, readiness: ${url}/readyz${metricsUrl ? `, metrics: ${metricsUrl}` : ""}`,
      `Web console: ${url}/console/`,
      ...(landing ? [`Simulated shops: ${landing.site.url}/ (pages fail while the market has their site down)`] : []),
      ...(landing?.movedFrom !== undefined ? [`  (port ${landing.movedFrom} was busy, so they took a free one; GRANTLINE_SIM_SITE_PORT sets it)`] : []),
      ...(daySeconds > 0 ? [`Simulated market: one day every ${daySeconds} s (GRANTLINE_SIM_DAY_SECONDS)`] : []),
      ...demoLines.map((line) => line.replaceAll("{url}", url)),
      schedule
        ? `Autopilot schedule: scan, then plan or run, daily at ${String(schedule.dailyHour).padStart(2, "0")}:00 ${schedule.timeZone}; monitors every ${schedule.monitorIntervalMs / 60_000} min (GRANTLINE_AUTOPILOT_SCHEDULE=off turns it off)`
        : "Autopilot schedule: off (GRANTLINE_AUTOPILOT_SCHEDULE); run `grantline autopilot scan|plan|run|monitor` from cron",
      autopilotClient
        ? `Autopilot: OAuth client ${autopilotClient.client_id} (secret sealed in the store; \`grantline autopilot oauth-client\` shows it), callback ${autopilotClient.redirect_uri}`
        : "Autopilot: no OAuth client yet; `grantline autopilot register --hub-url URL` registers it",
    ];
    process.stderr.write(`${lines.join("\n")}\n`);
  } else {
    // `serve` writes only JSON log lines: what started, and where, in one of them.
    log.info(
      {
        url,
        store,
        ...(metricsUrl ? { metrics: metricsUrl } : {}),
        ...(landing ? { simulated_shops: landing.site.url } : {}),
        ...(daySeconds > 0 ? { market_day_seconds: daySeconds } : {}),
        autopilot_schedule: schedule ? { daily_hour: schedule.dailyHour, time_zone: schedule.timeZone, monitor_minutes: schedule.monitorIntervalMs / 60_000 } : "off",
        autopilot_client: autopilotClient?.client_id ?? null,
      },
      "Grantline hub started",
    );
  }

  return {
    app,
    async stop(signal, closeResources) {
      const graceMs = config.shutdownGraceMs;
      const notice = `Stopping (${signal}): finishing ${connections.inFlight} request(s) in flight and the background jobs, for at most ${graceMs} ms (GRANTLINE_SHUTDOWN_GRACE_MS)`;
      if (options.demo) process.stderr.write(`${notice}\n`);
      else log.info({ signal, in_flight: connections.inFlight, grace_ms: graceMs }, notice);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace over">((resolve) => {
        timer = setTimeout(() => resolve("grace over"), graceMs);
      });
      const stopping = (async () => {
        // New connections are refused and requests on open ones answered 503 from here on.
        const closed = closeApp();
        connections.drain();
        await Promise.all([
          closed,
          ...jobs.map(async (job) => {
            try {
              await job.stop();
            } catch (error) {
              log.error({ err: error }, `${job.name} did not stop cleanly`);
            }
          }),
        ]);
        await closeResources();
        return "stopped" as const;
      })();
      const outcome = await Promise.race([stopping, graceOver]);
      clearTimeout(timer);
      if (outcome === "grace over") {
        connections.closeAll();
        process.stderr.write(`Stopped after the ${graceMs} ms grace (GRANTLINE_SHUTDOWN_GRACE_MS) with work unfinished: ${connections.inFlight} request(s) cut off\n`);
        return 1;
      }
      if (options.demo) process.stderr.write("Stopped.\n");
      else log.info("Stopped.");
      return 0;
    },
  };
}

/** The simulated shops, on GRANTLINE_SIM_SITE_PORT; the demo takes a free port when that one is busy. */
async function startShops(hub: Hub, config: Config, demo: boolean): Promise<{ site: LandingSite; movedFrom?: number }> {
  try {
    return { site: await startLandingSite(hub, { host: config.host, port: config.simSitePort }) };
  } catch (error) {
    if (demo && (error as NodeJS.ErrnoException).code === "EADDRINUSE") {
      return { site: await startLandingSite(hub, { host: config.host, port: 0 }), movedFrom: config.simSitePort };
    }
    throw new StartupError(`the simulated shops cannot start: ${listenProblem(error, config.host, config.simSitePort, "GRANTLINE_SIM_SITE_PORT")}`, { cause: error });
  }
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
