import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { HubMetrics, startMetricsServer } from "../../src/http/metrics.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { RateLimiter } from "../../src/graph/rateLimit/rateLimiter.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";

const TOKEN = "metrics-token-0123456789abcdef";

/** One series' value in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(DIALECTS)("/metrics and the request log on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  const closers: (() => Promise<unknown>)[] = [];
  beforeEach(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await store.cleanup();
  });

  async function serve(options: { userPoints?: number } = {}) {
    const rateLimiter = new RateLimiter({ userPoints: options.userPoints ?? 10_000 });
    const metrics = new HubMetrics({ hub, rateLimiter });
    const lines: string[] = [];
    const app = await buildServer(hub, { logLevel: "info", logStream: { write: (line) => void lines.push(line) }, rateLimiter, metrics, metricsToken: TOKEN });
    await app.listen({ host: "127.0.0.1", port: 0 });
    closers.push(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const scrape = (authorization?: string) => fetch(`${url}/metrics`, authorization ? { headers: { authorization } } : {});
    return { url, metrics, scrape, logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  }

  it("counts requests by route pattern and status, never by URL or id, and serves them only to the token", async () => {
    const server = await serve();
    const owner = await bootstrapBusiness(hub, "Acme");
    const graph = graphClient(server.url, owner.access_token);
    const account = (await graph("POST", `/v24.0/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    for (let i = 0; i < 3; i++) expect((await graph("GET", `/v24.0/${account}/campaigns?fields=name`)).status).toBe(200);
    expect((await graph("GET", `/v24.0/999999999/campaigns`)).status).toBe(400);
    // Graph's answer to a path no route matches: "Unknown path components", 400.
    expect((await fetch(`${server.url}/no/such/${account}/path/here`)).status).toBe(400);

    expect((await server.scrape()).status).toBe(401);
    const wrong = await server.scrape(`Bearer ${TOKEN}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await server.scrape(`Basic ${TOKEN}`)).status).toBe(401);

    const response = await server.scrape(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(sample(text, 'grantline_http_requests_total{method="GET",route="/:node/:edge",status="200"}')).toBe(3);
    expect(sample(text, 'grantline_http_requests_total{method="GET",route="/:node/:edge",status="400"}')).toBe(1);
    expect(sample(text, 'grantline_http_requests_total{method="POST",route="/:node/:edge",status="200"}')).toBe(1);
    expect(sample(text, 'grantline_http_requests_total{method="GET",route="unmatched",status="400"}')).toBe(1);
    expect(sample(text, 'grantline_http_request_duration_seconds_count{method="GET",route="/:node/:edge",status="200"}')).toBe(3);
    // The refused scrapes were requests too.
    expect(sample(text, 'grantline_http_requests_total{method="GET",route="/metrics",status="401"}')).toBe(3);
    // No id, token or raw path became a label.
    expect(text).not.toContain(account.replace("act_", ""));
    expect(text).not.toContain(owner.access_token);
    expect(text).not.toContain("999999999");

    expect(sample(text, 'grantline_access_index_entries{kind="businesses"}')).toBe(1);
    expect(sample(text, 'grantline_access_index_entries{kind="assets"}')).toBe(1);
    expect(sample(text, "grantline_access_changes_behind")).toBe(0);
    expect(sample(text, 'grantline_outbox_pending{outbox="webhooks"}')).toBe(0);
    expect(sample(text, 'grantline_outbox_oldest_age_seconds{outbox="alerts"}')).toBe(0);
    expect(sample(text, 'grantline_dependency_up{dependency="store"}')).toBe(1);
    // Redis is not configured here, so it has no series rather than a misleading 0.
    expect(text).not.toContain('dependency="redis"');
  });

  it("counts rate-limit refusals by the bucket that was full", async () => {
    const server = await serve({ userPoints: 2 });
    const owner = await bootstrapBusiness(hub, "Acme");
    const graph = graphClient(server.url, owner.access_token);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await graph("GET", `/v24.0/${owner.business_id}?fields=name`)).status);
    expect(statuses.filter((s) => s !== 200)).toHaveLength(2);
    const text = await (await server.scrape(`Bearer ${TOKEN}`)).text();
    expect(sample(text, 'grantline_rate_limit_rejections_total{bucket="user"}')).toBe(2);
    expect(sample(text, 'grantline_rate_limit_rejections_total{bucket="app"}')).toBe(0);
  });

  it("reports a waiting outbox's depth and the age of its oldest delivery", async () => {
    const server = await serve();
    const owner = await bootstrapBusiness(hub, "Acme");
    const createdAt = hub.now() - 90_000;
    // A delivery that has waited 90 s, as the dispatcher would find it when its receiver is down.
    await hub.store.db
      .insertInto("notification_deliveries")
      .values({
        id: "nd_metrics_1",
        alert_id: null,
        channel_id: "nc_1",
        held_reason: null,
        digest_id: null,
        business_id: owner.business_id,
        status: "pending",
        attempts: 1,
        next_attempt_at: hub.now() + 60_000,
        lease_until: null,
        last_attempt_at: createdAt,
        last_http_status: 503,
        last_error: "receiver down",
        delivered_at: null,
        created_at: createdAt,
      })
      .execute();
    const text = await (await server.scrape(`Bearer ${TOKEN}`)).text();
    expect(sample(text, 'grantline_outbox_pending{outbox="alerts"}')).toBe(1);
    expect(sample(text, 'grantline_outbox_oldest_age_seconds{outbox="alerts"}')).toBeGreaterThanOrEqual(90);
  });

  it("logs one JSON line per request with the route pattern, status, duration, app and business, and no token", async () => {
    const server = await serve();
    const owner = await bootstrapBusiness(hub, "Acme");
    const graph = graphClient(server.url, owner.access_token);
    expect((await graph("GET", `/v24.0/${owner.business_id}?fields=name&appsecret_proof=abc123proof`)).status).toBe(200);
    expect((await fetch(`${server.url}/healthz?access_token=${owner.access_token}`)).status).toBe(200);
    const requests = server.logLines().filter((line) => line.msg === "request");
    expect(requests).toHaveLength(2);
    const [graphLine, health] = requests as [Record<string, unknown>, Record<string, unknown>];
    expect(graphLine).toMatchObject({ level: 30, method: "GET", route: "/:node", status: 200, app_id: null, business_id: owner.business_id });
    expect(typeof graphLine.duration_ms).toBe("number");
    expect(typeof graphLine.reqId).toBe("string");
    expect(health).toMatchObject({ method: "GET", route: "/healthz", status: 200, app_id: null, business_id: null });
    const everything = server.logLines().map((line) => JSON.stringify(line)).join("\n");
    expect(everything).not.toContain(owner.access_token);
    expect(everything).not.toContain("abc123proof");
    expect(everything).not.toContain("access_token");
  });
});

describe("the metrics listener on a port of its own", () => {
  let store: TestStore;
  afterEach(async () => {
    await store.cleanup();
  });

  it("serves only GET /metrics, to the token when one is set", async () => {
    store = makeTestStore("sqlite");
    const hub = await store.open();
    const metrics = new HubMetrics({ hub, rateLimiter: new RateLimiter() });
    const listener = await startMetricsServer(metrics, { host: "127.0.0.1", port: 0, token: TOKEN });
    try {
      expect((await fetch(`${listener.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${listener.url}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      const response = await fetch(`${listener.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      expect(await response.text()).toContain("grantline_dependency_up");
    } finally {
      await listener.close();
    }
    const open = await startMetricsServer(metrics, { host: "127.0.0.1", port: 0, token: undefined });
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
    } finally {
      await open.close();
    }
  });
});
