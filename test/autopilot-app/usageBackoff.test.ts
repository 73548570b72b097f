import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import { GraphApiError, GraphClient, RateLimitBackoff } from "../../src/autopilot/app/graphClient.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

/**
 * A Graph that answers every call with the usage headers a test sets, as Meta sends them
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/): X-App-Usage,
 * X-Business-Use-Case-Usage (estimated_time_to_regain_access in minutes) and X-Ad-Account-Usage
 * (reset_time_duration in seconds); or a throttling error.
 */
async function startUsageGraph() {
  const state = { headers: {} as Record<string, string>, error: undefined as { status: number; body: unknown; headers?: Record<string, string> } | undefined, calls: [] as string[] };
  const server = http.createServer((request, response) => {
    state.calls.push(`${request.method} ${request.url}`);
    if (state.error) {
      response.writeHead(state.error.status, { "content-type": "application/json", ...state.headers, ...state.error.headers });
      response.end(JSON.stringify(state.error.body));
      return;
    }
    const path = new URL(request.url ?? "/", "http://graph").pathname;
    const body = /^\/act_\d+$/.test(path) ? { id: path.slice(1), name: "Usage account", currency: "USD" } : path === "/debug_token" ? { data: { is_valid: true, scopes: ["ads_read"], expires_at: 0 } } : { data: [] };
    response.writeHead(200, { "content-type": "application/json", ...state.headers });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const buc = (entries: Record<string, unknown>[]) => ({ "x-business-use-case-usage": JSON.stringify({ "1234": entries.map((e) => ({ type: "ads_management", call_count: 0, total_cputime: 0, total_time: 0, estimated_time_to_regain_access: 0, ...e })) }) });

describe("Autopilot backs off on Meta's usage headers", () => {
  let graph: Awaited<ReturnType<typeof startUsageGraph>>;
  const outbound = new OutboundHttp();
  beforeAll(async () => {
    graph = await startUsageGraph();
    outbound.trust(graph.url);
  });
  afterAll(() => graph.close());

  /** A client on a test clock whose sleeps move the clock and are recorded. */
  function client(options: { maxStopWaitMs?: number } = {}) {
    const clock = { now: 1_000_000, slept: [] as number[] };
    const graphClient = new GraphClient({
      baseUrl: graph.url,
      accessToken: "t",
      http: outbound,
      now: () => clock.now,
      sleep: async (ms) => {
        clock.slept.push(ms);
        clock.now += ms;
      },
      ...options,
    });
    return { graphClient, clock };
  }

  function reset(headers: Record<string, string>) {
    graph.state.headers = headers;
    graph.state.error = undefined;
    graph.state.calls.length = 0;
  }

  it("stops for estimated_time_to_regain_access, even with low percentages, and makes no call meanwhile", async () => {
    reset(buc([{ call_count: 20, total_time: 5, estimated_time_to_regain_access: 7 }]));
    const { graphClient } = client();
    await graphClient.get("act_1", { fields: "id" });
    expect(graphClient.usage).toMatchObject({ pct: 20, blockedMs: 7 * 60_000 });
    const refused = await graphClient.get("act_1").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitBackoff);
    expect((refused as RateLimitBackoff).waitMs).toBe(7 * 60_000);
    expect(graph.state.calls).toHaveLength(1);

    // Allowed to wait that long: it sleeps the 7 minutes, then calls.
    reset({});
    const patient = client({ maxStopWaitMs: 10 * 60_000 });
    graph.state.headers = buc([{ call_count: 20, estimated_time_to_regain_access: 7 }]);
    await patient.graphClient.get("act_1");
    graph.state.headers = {};
    await patient.graphClient.get("act_1");
    expect(patient.clock.slept).toEqual([7 * 60_000]);
    expect(graph.state.calls).toHaveLength(2);
  });

  it("stops on a full ad account (X-Ad-Account-Usage) for reset_time_duration, and paces on X-App-Usage", async () => {
    reset({ "x-ad-account-usage": JSON.stringify({ acc_id_util_pct: 96.5, reset_time_duration: 300, ads_api_access_tier: "standard_access" }) });
    const { graphClient } = client();
    await graphClient.get("act_1");
    const refused = await graphClient.get("act_1").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitBackoff);
    expect((refused as RateLimitBackoff).waitMs).toBe(300_000);
    expect((refused as RateLimitBackoff).usage).toMatchObject({ bucket: "ad_account", pct: 96.5 });

    // 85% of the app's limit (the largest of call count, CPU and total time): calls go on, spaced out.
    reset({ "x-app-usage": JSON.stringify({ call_count: 10, total_cputime: 85, total_time: 30 }) });
    const paced = client();
    await paced.graphClient.get("act_1");
    await paced.graphClient.get("act_1");
    await paced.graphClient.get("act_1");
    expect(paced.clock.slept).toEqual([1000, 1000]);
    expect(graph.state.calls).toHaveLength(3);
  });

  it("after a throttling error, waits for Retry-After (or a minute) before the next call", async () => {
    reset({});
    graph.state.error = { status: 400, body: { error: { message: "(#80004) There have been too many calls to this ad-account.", type: "OAuthException", code: 80004, error_subcode: 2446079 } }, headers: { "retry-after": "120" } };
    const { graphClient } = client();
    const first = await graphClient.get("act_1/insights").catch((e: unknown) => e);
    expect(first).toBeInstanceOf(GraphApiError);
    expect((first as GraphApiError).kind).toBe("rate_limited");
    const second = await graphClient.get("act_1/insights").catch((e: unknown) => e);
    expect(second).toBeInstanceOf(RateLimitBackoff);
    expect((second as RateLimitBackoff).waitMs).toBe(120_000);
    expect(graph.state.calls).toHaveLength(1);
  });
});

describe.each(DIALECTS)("a full bucket holds the connection's next client too (%s)", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let graph: Awaited<ReturnType<typeof startUsageGraph>>;
  const clock = { now: Date.UTC(2026, 5, 15, 12) };
  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    graph = await startUsageGraph();
  });
  afterAll(async () => {
    await graph.close();
    await store.cleanup();
  });

  it("a scan's reading, kept with the connection, stops the next run's first call for what is left of the wait", async () => {
    const autopilot = new Autopilot({ db: autopilotDb(hub.store.db), secretKey: crypto.randomBytes(32), now: () => clock.now, http: new OutboundHttp({ trustedOrigins: [graph.url] }), sleep: async () => undefined });
    const ws = await autopilot.workspaces.create(`Usage ${dialect}`);
    graph.state.headers = {};
    await autopilot.workspaces.connect(ws.id, { graphUrl: graph.url, accessToken: "t", adAccountId: "act_1234" });
    const [connection] = await autopilot.workspaces.connections(ws.id);

    graph.state.headers = buc([{ call_count: 99, estimated_time_to_regain_access: 10 }]);
    await (await autopilot.workspaces.clientFor(connection!)).get("act_1234/campaigns");
    await expect.poll(async () => (await autopilot.workspaces.connections(ws.id))[0]!.usage_json).toContain('"blockedMs":600000');

    // Four minutes later, another client for the same connection: six minutes left, nothing sent.
    clock.now += 4 * 60_000;
    graph.state.headers = {};
    graph.state.calls.length = 0;
    const next = await autopilot.workspaces.clientFor(connection!);
    const refused = await next.get("act_1234/campaigns").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitBackoff);
    expect((refused as RateLimitBackoff).waitMs).toBe(6 * 60_000);
    expect(graph.state.calls).toEqual([]);

    // Once the wait is over, calls go again.
    clock.now += 6 * 60_000;
    await (await autopilot.workspaces.clientFor(connection!)).get("act_1234/campaigns");
    expect(graph.state.calls).toHaveLength(1);
  });
});
