import path from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { Config } from "../config/env.ts";
import { changeFeedFor } from "../store/changeFeed.ts";
import { StoreFaultError } from "../store/storeFault.ts";
import { systemContext } from "../hub/context.ts";
import type { Grantline } from "./openGrantline.ts";
import { SecurityAlertPoller, SecurityAlertService } from "../hub/alerts/securityAlert.service.ts";
import { pendingChangeSweeper } from "../hub/guardrails/guardrail.service.ts";
import { ReviewScheduler } from "../hub/review/reviewScheduler.ts";
import { WebhookDispatcher } from "../hub/webhooks/webhookDispatcher.ts";
import { NotificationDispatcher } from "../notify/notificationDispatcher.ts";
import { oidcPayloadSweeper } from "../oauth/oidcPayloadSweep.ts";
import { warnExpiringTokens } from "../oauth/tokenExpiry.ts";
import { HubSimulation } from "../simulator/hubSimulation.ts";
import type { Autopilot } from "../autopilot/app/autopilot.ts";
import { AutopilotScheduler } from "../autopilot/app/scheduler.ts";
import type { RedisConnection } from "./redisRateLimits.ts";

/**
 * The background work a serving instance runs beside its HTTP server: the access index's sync and
 * change feed, sweeps, deliveries, alerts, the simulated market's clock, the access review schedule
 * and Autopilot's schedule. Every instance may run all of it: what must happen once is claimed or
 * locked in the store. Faults of the store are reported by the store itself, once per episode.
 */

/** How often shares past their end and expiring tokens are looked for, and held changes expired. */
const SWEEP_EVERY_MS = 60_000;
const OIDC_SWEEP_EVERY_MS = 10 * 60_000;
/** How often the market's day in progress is written hour by hour. */
const DAY_IN_PROGRESS_MS = 5 * 60_000;

export interface BackgroundJob {
  name: string;
  stop: () => Promise<void> | void;
}

export interface BackgroundWork {
  /** Each running job, to stop at shutdown. */
  jobs: BackgroundJob[];
  /** Autopilot's schedule, when it runs (GRANTLINE_AUTOPILOT_SCHEDULE). */
  autopilotScheduler: AutopilotScheduler | undefined;
}

export async function startBackgroundJobs(deps: {
  hub: Grantline;
  autopilot: Autopilot;
  config: Config;
  log: FastifyBaseLogger;
  /** Where this instance listens, the base of links in security alerts without GRANTLINE_PUBLIC_URL. */
  url: string;
  /** Seconds per simulated day; 0 keeps the market still. */
  daySeconds: number;
  redis: RedisConnection | undefined;
}): Promise<BackgroundWork> {
  const { hub, autopilot, config, log } = deps;
  const failed = (what: string) => (error: unknown) => {
    if (!(error instanceof StoreFaultError)) log.error({ err: error }, what);
  };
  const jobs: BackgroundJob[] = [];
  hub.engine.startSync(config.syncIntervalMs, failed("access index sync failed"));
  jobs.push({ name: "access index sync", stop: () => hub.engine.stop() });
  // Revocations are pushed to the other instances; the poll above stays as the safety net.
  const feedInterrupted = (error: unknown) => log.warn({ err: error }, "access change feed interrupted; polling continues");
  const changeFeed = changeFeedFor(
    { redis: deps.redis?.client, databaseUrl: config.databaseUrl, store: config.databaseUrl ? `pg:${config.databaseSchema ?? "public"}` : `sqlite:${path.resolve(config.dataDir)}` },
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
  // A held change is expired (and announced) only while still pending.
  const pendingSweeper = pendingChangeSweeper(hub.guardrails, systemContext(), SWEEP_EVERY_MS, failed("pending change expiry failed"));
  pendingSweeper.start();
  jobs.push({ name: "pending change expiry", stop: () => pendingSweeper.stop() });
  const oidcSweeper = oidcPayloadSweeper(hub, OIDC_SWEEP_EVERY_MS, failed("expired OAuth row sweep failed"));
  oidcSweeper.start();
  jobs.push({ name: "OAuth row sweep", stop: () => oidcSweeper.stop() });
  // Deliveries are claimed in the store before they are sent.
  const webhookDispatcher = new WebhookDispatcher(hub.webhooks, { onError: failed("webhook delivery run failed") });
  webhookDispatcher.start();
  jobs.push({ name: "webhook deliveries", stop: () => webhookDispatcher.stop() });
  // Alerts: deliveries are claimed and the audit cursor is locked in the store.
  const notificationDispatcher = new NotificationDispatcher(hub.notifications, { onError: failed("alert delivery run failed") });
  notificationDispatcher.start();
  jobs.push({ name: "alert deliveries", stop: () => notificationDispatcher.stop() });
  const securityAlerts = new SecurityAlertPoller(
    new SecurityAlertService(hub, {
      ...config.alerts,
      publicUrl: config.publicUrl ?? deps.url,
      onSkipped: (seq, error) => log.warn({ err: error, auditSeq: seq }, "security alert skipped"),
    }),
    { intervalMs: config.alerts.pollMs, onError: failed("security alert run failed") },
  );
  securityAlerts.start();
  jobs.push({ name: "security alerts", stop: () => securityAlerts.stop() });
  const simulation = new HubSimulation(hub);
  if (deps.daySeconds > 0) {
    const marketClock = setInterval(() => {
      simulation.advance(1).catch(failed("simulated day failed"));
    }, deps.daySeconds * 1000);
    marketClock.unref();
    jobs.push({ name: "market clock", stop: () => clearInterval(marketClock) });
  }
  // While the market's next day is today's date, the hours already over are written as hourly rows
  // (what Meta reports during the day), so hourly insights and Autopilot's intraday spike check see them.
  const hoursClock = setInterval(() => {
    simulation.reportDayInProgress().catch(failed("simulated hours failed"));
  }, DAY_IN_PROGRESS_MS);
  hoursClock.unref();
  jobs.push({ name: "market hours", stop: () => clearInterval(hoursClock) });
  // Access reviews: Graph reads counted as use are written every few seconds; quarterly campaigns
  // start and reminders go out, the store making sure each happens once.
  hub.usage.start(5_000);
  const reviewScheduler = new ReviewScheduler(hub.reviewCampaigns, hub.now, {
    mailer: hub.mailer(),
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    onError: failed("access review schedule run failed"),
  });
  reviewScheduler.start();
  jobs.push({ name: "access review schedule", stop: () => reviewScheduler.stop() });
  // Autopilot acts on its own: each workspace's due job is claimed in the store.
  const autopilotScheduler = config.autopilotSchedule
    ? new AutopilotScheduler(autopilot, { ...config.autopilotSchedule, log, onError: failed("autopilot schedule run failed") })
    : undefined;
  autopilotScheduler?.start();
  if (autopilotScheduler) jobs.push({ name: "Autopilot schedule", stop: () => autopilotScheduler.stop() });
  return { jobs, autopilotScheduler };
}
