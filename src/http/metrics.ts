import crypto from "node:crypto";
import http from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { FastifyInstance } from "fastify";
import { errors } from "../errors.ts";
import type { Hub } from "../hub/hub.ts";
import type { RateLimiter } from "../graph/rateLimit/rateLimiter.ts";

/** What the metrics read at scrape time, besides the requests the server records as it answers them. */
export interface MetricsSources {
  hub: Hub;
  rateLimiter: RateLimiter;
  /** Whether Redis is connected and ready; absent when Redis is not configured. */
  redisUp?: () => boolean;
  /** Autopilot's scheduled jobs run by this instance, by job and outcome; absent when the schedule is off. */
  autopilotOutcomes?: () => Readonly<Record<string, { ok: number; failed: number }>>;
}

type RequestLabels = { method: string; route: string; status: number };
/** One label set's requests: counted here as they are answered, handed to the counter when scraped. */
type RequestTally = { labels: RequestLabels; answered: number; reported: number };

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The hub's metrics in Prometheus' text format (docs/operations.md, "Metrics"). Requests are
 * recorded as they are answered, by method, route pattern (`/:node/:edge`, never a URL or an id)
 * and status, with label sets kept and reused so that recording allocates nothing of its own; the
 * rest (rate-limit refusals, the access index, the outboxes, Autopilot's jobs, dependencies) is read
 * from its owners when scraped. Each server has a registry of its own.
 */
export class HubMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<keyof RequestLabels>;
  private readonly durations: Histogram<keyof RequestLabels>;
  /** Label sets by route, method and status: finite (routes are registered, methods and statuses bounded). */
  private readonly labels = new Map<string, Map<string, Map<number, RequestTally>>>();
  private readonly tallies: RequestTally[] = [];
  private readonly refresh: () => Promise<void>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "grantline_" });
    const labelNames = ["method", "route", "status"] as const;
    this.requests = new Counter({ name: "grantline_http_requests_total", help: "HTTP requests answered, by method, route pattern and status.", labelNames, registers });
    this.durations = new Histogram({
      name: "grantline_http_request_duration_seconds",
      help: "Time from a request's arrival to the end of its answer, by method, route pattern and status.",
      labelNames,
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const refusals = new Counter({ name: "grantline_rate_limit_rejections_total", help: "Graph calls refused by the rate limiter, by the bucket that was full.", labelNames: ["bucket"] as const, registers });
    const indexEntries = new Gauge({ name: "grantline_access_index_entries", help: "Entries in this instance's in-memory access index, by kind.", labelNames: ["kind"] as const, registers });
    const behind = new Gauge({ name: "grantline_access_changes_behind", help: "Access changes committed in the store and not yet applied by this instance.", registers });
    const sinceLook = new Gauge({ name: "grantline_access_last_sync_age_seconds", help: "Seconds since this instance last looked at the store's access-change sequence.", registers });
    const outboxRows = new Gauge({ name: "grantline_outbox_pending", help: "Deliveries waiting to be sent (or being sent), by outbox.", labelNames: ["outbox"] as const, registers });
    const outboxAge = new Gauge({ name: "grantline_outbox_oldest_age_seconds", help: "Age of the oldest delivery still to be sent, by outbox; 0 when none waits.", labelNames: ["outbox"] as const, registers });
    const jobs = new Counter({ name: "grantline_autopilot_jobs_total", help: "Autopilot's scheduled jobs run by this instance, by job and outcome.", labelNames: ["job", "outcome"] as const, registers });
    const up = new Gauge({ name: "grantline_dependency_up", help: "Whether a dependency answers (1) or not (0): the store, and Redis when configured.", labelNames: ["dependency"] as const, registers });

    const { hub, rateLimiter } = sources;
    this.refresh = async () => {
      for (const tally of this.tallies) {
        if (tally.answered > tally.reported) this.requests.inc(tally.labels, tally.answered - tally.reported);
        tally.reported = tally.answered;
      }
      refusals.reset();
      for (const [bucket, count] of Object.entries(rateLimiter.refusals)) refusals.inc({ bucket }, count);
      for (const [kind, count] of Object.entries(hub.engine.index.sizes())) indexEntries.set({ kind }, count);
      const look = hub.engine.msSinceLastLook();
      if (Number.isFinite(look)) sinceLook.set(look / 1000);
      jobs.reset();
      for (const [job, counts] of Object.entries(sources.autopilotOutcomes?.() ?? {})) {
        jobs.inc({ job, outcome: "ok" }, counts.ok);
        jobs.inc({ job, outcome: "failed" }, counts.failed);
      }
      // The store's answers, or their absence: a store that does not answer leaves these out and reads as down.
      const now = hub.now();
      const [lag, webhooks, alerts] = await Promise.allSettled([hub.engine.changesBehind(), hub.webhooks.deliveryBacklog(), hub.notifications.deliveryBacklog()]);
      behind.reset();
      if (lag.status === "fulfilled") behind.set(lag.value);
      outboxRows.reset();
      outboxAge.reset();
      for (const [outbox, backlog] of [["webhooks", webhooks], ["alerts", alerts]] as const) {
        if (backlog.status !== "fulfilled") continue;
        outboxRows.set({ outbox }, backlog.value.rows);
        outboxAge.set({ outbox }, backlog.value.oldestCreatedAt === null ? 0 : Math.max(0, now - backlog.value.oldestCreatedAt) / 1000);
      }
      const storeAnswered = lag.status === "fulfilled" && webhooks.status === "fulfilled" && alerts.status === "fulfilled";
      up.set({ dependency: "store" }, storeAnswered ? 1 : 0);
      if (sources.redisUp) up.set({ dependency: "redis" }, sources.redisUp() ? 1 : 0);
    };
  }

  /** Records one answered request; `route` is the matched route's pattern, or undefined when none matched. */
  observeRequest(method: string, route: string | undefined, status: number, elapsedMs: number): void {
    // The count is a plain addition here (prom-client's own took about a third of this call); the
    // latency goes to the histogram as it comes, since its buckets cannot be handed over in bulk.
    const tally = this.tallyFor(method, route ?? "unmatched", status);
    tally.answered++;
    this.durations.observe(tally.labels, elapsedMs / 1000);
  }

  /** The exposition text, with everything read from its owners now. */
  async text(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private tallyFor(method: string, route: string, status: number): RequestTally {
    let byMethod = this.labels.get(route);
    if (!byMethod) this.labels.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let tally = byStatus.get(status);
    if (!tally) {
      byStatus.set(status, (tally = { labels: { method, route, status }, answered: 0, reported: 0 }));
      this.tallies.push(tally);
    }
    return tally;
  }
}

/** Whether an Authorization header carries the metrics token, compared in constant time. */
export function metricsTokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  // Hashing first makes both sides the same length, so the comparison says nothing about the token's.
  const given = crypto.createHash("sha256").update(match?.[1] ?? "").digest();
  const expected = crypto.createHash("sha256").update(token).digest();
  return crypto.timingSafeEqual(given, expected) && match !== null;
}

/** `GET /metrics` on the hub's own port, for a scraper that presents `Authorization: Bearer <GRANTLINE_METRICS_TOKEN>`. */
export function registerMetricsRoute(app: FastifyInstance, metrics: HubMetrics, token: string): void {
  app.get("/metrics", async (request, reply) => {
    if (!metricsTokenMatches(request.headers.authorization, token)) {
      void reply.header("www-authenticate", 'Bearer realm="metrics"');
      throw errors.metricsTokenRequired();
    }
    void reply.header("cache-control", "no-store");
    return reply.type(metrics.contentType).send(await metrics.text());
  });
}

/**
 * `GET /metrics` on a port of its own (GRANTLINE_METRICS_PORT), to be reached only from the
 * monitoring network; with a token as well when one is set. Nothing else is served there.
 */
export async function startMetricsServer(metrics: HubMetrics, options: { host: string; port: number; token: string | undefined }): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found: this port serves GET /metrics only.\n");
      return;
    }
    if (options.token !== undefined && !metricsTokenMatches(request.headers.authorization, options.token)) {
      response.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="metrics"' }).end("The metrics token is missing or wrong.\n");
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { "content-type": metrics.contentType, "cache-control": "no-store" }).end(request.method === "HEAD" ? undefined : text),
      () => response.writeHead(500, { "content-type": "text/plain" }).end("The metrics could not be read.\n"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as { port: number };
  return {
    url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
