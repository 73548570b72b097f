import type { Config } from "../config/env.ts";
import { seedDemoWorld, DEMO_ADVERTISER, DEMO_AGENCY, DEMO_PASSWORD } from "../demo/demoWorld.ts";
import { operatorContext } from "../hub/context.ts";
import { openGrantline } from "./openGrantline.ts";
import type { Hub } from "../hub/hub.ts";
import { findPersonByEmail } from "../hub/people/person.repository.ts";
import { buildServer } from "../http/server.ts";
import { HubMetrics, startMetricsServer } from "../http/metrics.ts";
import { trackConnections } from "../http/connectionTracker.ts";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { RateLimiter } from "../graph/rateLimit/rateLimiter.ts";
import { listenProblem, StartupError } from "./lifecycle.ts";
import { openRedis } from "./redisRateLimits.ts";
import { HubSimulation } from "../simulator/hubSimulation.ts";
import { startLandingSite, type LandingSite } from "../simulator/landingSite.ts";
import { openAutopilot } from "./autopilotHost.ts";
import { registerAutopilotHostRoutes } from "./autopilotHostRoutes.ts";
import { ensureAutopilotApp, ensureConfiguredApp } from "../autopilot/app/registration.ts";
import type { Autopilot } from "../autopilot/app/autopilot.ts";
import type { AutopilotScheduler } from "../autopilot/app/scheduler.ts";
import { startBackgroundJobs, type BackgroundJob } from "./backgroundJobs.ts";

const DEMO_DAY_SECONDS = 180;

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

/**
 * Opens the store, Redis and Autopilot, builds the HTTP server and listens, starts the simulated
 * shops (demo or a moving market), the metrics listener and the background jobs, and says where
 * everything is. Each thing started is pushed on `started`, which the caller closes.
 */
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

  const background = await startBackgroundJobs({ hub, autopilot, config, log, url, daySeconds, redis });
  scheduled.scheduler = background.autopilotScheduler;
  const autopilotClient = await readAutopilotClient(hub, autopilot, config, url, options.demo, log);
  announceStart({ config, demo: options.demo, log, url, metricsUrl, landing, daySeconds, demoLines, schedule: background.autopilotScheduler?.settings, autopilotClient });
  return { app, stop: (signal, closeResources) => stopGracefully({ signal, closeResources, closeApp, connections, jobs: background.jobs, log, config, demo: options.demo }) };
}

type AutopilotClient = Awaited<ReturnType<Autopilot["connect"]["client"]>>;

/**
 * Autopilot's OAuth client: the app configured for it (Meta's, GRANTLINE_AUTOPILOT_APP_ID), else
 * an app of its own business on this hub, which the demo registers. The server already serves: a
 * store failing here costs the start line's mention of it, not the server.
 */
async function readAutopilotClient(hub: Hub, autopilot: Autopilot, config: Config, url: string, demo: boolean, log: FastifyBaseLogger): Promise<AutopilotClient> {
  try {
    if (config.autopilotApp) return (await ensureConfiguredApp(autopilot, config.autopilotApp, config.publicUrl ?? url)).client;
    return demo ? (await ensureAutopilotApp(hub, autopilot, config.publicUrl ?? url)).client : await autopilot.connect.client();
  } catch (error) {
    log.warn({ err: error }, "Autopilot's OAuth client could not be read");
    return undefined;
  }
}

/** Says what started and where: to a person at a terminal on stderr for the demo, else as one JSON log line. */
function announceStart(s: {
  config: Config;
  demo: boolean;
  log: FastifyBaseLogger;
  url: string;
  metricsUrl: string | undefined;
  landing: { site: LandingSite; movedFrom?: number } | undefined;
  daySeconds: number;
  demoLines: string[];
  schedule: AutopilotScheduler["settings"] | undefined;
  autopilotClient: AutopilotClient;
}): void {
  const { config, url, metricsUrl, landing, daySeconds, schedule, autopilotClient } = s;
  const store = config.databaseUrl ? "PostgreSQL" : `SQLite in ${config.dataDir}`;
  if (s.demo) {
    // The demo talks to a person at a terminal, on stderr; standard output stays the JSON log.
    const lines = [
      `Grantline hub listening on ${url} (store: ${store})`,
      `Health: ${url}/healthz, readiness: ${url}/readyz${metricsUrl ? `, metrics: ${metricsUrl}` : ""}`,
      `Web console: ${url}/console/`,
      ...(landing ? [`Simulated shops: ${landing.site.url}/ (pages fail while the market has their site down)`] : []),
      ...(landing?.movedFrom !== undefined ? [`  (port ${landing.movedFrom} was busy, so they took a free one; GRANTLINE_SIM_SITE_PORT sets it)`] : []),
      ...(daySeconds > 0 ? [`Simulated market: one day every ${daySeconds} s (GRANTLINE_SIM_DAY_SECONDS)`] : []),
      ...s.demoLines.map((line) => line.replaceAll("{url}", url)),
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
    s.log.info(
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
}

/**
 * Stops (docs/operations.md, "Shutdown"): refuses new connections, answers 503 on open ones, lets
 * requests in flight and the background jobs finish, then closes the resources; all within
 * GRANTLINE_SHUTDOWN_GRACE_MS. Returns 0 when everything finished in time, 1 when the grace ran out.
 */
async function stopGracefully(s: {
  signal: string;
  closeResources: () => Promise<void>;
  closeApp: () => Promise<void>;
  connections: ReturnType<typeof trackConnections>;
  jobs: readonly BackgroundJob[];
  log: FastifyBaseLogger;
  config: Config;
  demo: boolean;
}): Promise<number> {
  const { signal, closeResources, closeApp, connections, jobs } = s;
  const graceMs = s.config.shutdownGraceMs;
  const notice = `Stopping (${signal}): finishing ${connections.inFlight} request(s) in flight and the background jobs, for at most ${graceMs} ms (GRANTLINE_SHUTDOWN_GRACE_MS)`;
  if (s.demo) process.stderr.write(`${notice}\n`);
  else s.log.info({ signal, in_flight: connections.inFlight, grace_ms: graceMs }, notice);
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
          s.log.error({ err: error }, `${job.name} did not stop cleanly`);
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
  if (s.demo) process.stderr.write("Stopped.\n");
  else s.log.info("Stopped.");
  return 0;
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
