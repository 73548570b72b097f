import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlanItem } from "../../src/autopilot/app/planner.ts";
import type { ScanProgress } from "../../src/autopilot/app/scan.service.ts";
import { toEngineSnapshot } from "../../src/autopilot/app/engineAdapter.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { startGraphProxy } from "../support/graphProxy.ts";
import { DIALECTS } from "../support/hubs.ts";
import { budgetItem, buildAutopilotWorld, planning, type AutopilotWorld } from "./world.ts";

/**
 * A proxy in front of the hub that can lose answers: with `drop` set, it forwards a matching request
 * to the hub and then answers 502 instead of the hub's answer (the write happened, the caller cannot
 * know); with `refuse`, it answers 503 without forwarding (the write never happened).
 */
async function startFlakyProxy(target: string) {
  const state: { drop?: (method: string, url: string) => boolean; refuse?: (method: string, url: string) => boolean } = {};
  const proxy = await startGraphProxy(target, {
    before: ({ method, url }) => (state.refuse?.(method, url) ? { status: 503, contentType: "text/plain", body: "unavailable" } : undefined),
    after: ({ method, url }) => (state.drop?.(method, url) ? { status: 502, contentType: "text/plain", body: "bad gateway" } : undefined),
  });
  return { ...proxy, state };
}

describe.each(DIALECTS)("Autopilot scans and executes through the Graph on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 30 });
  });
  afterEach(async () => {
    await world.close();
  });

  const connect = async (autopilot = world.autopilot(), graphUrl = world.server.url) => {
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    const connection = await autopilot.workspaces.connect(ws.id, { graphUrl, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    return { autopilot, ws, connection: await autopilot.workspaces.connection(connection.id) };
  };

  it("scans 90 days with progress and stores exactly the hub's daily rows, token sealed at rest", async () => {
    const { autopilot, connection } = await connect();
    expect(connection.sealed_token).not.toContain(world.token);
    const progress: ScanProgress[] = [];
    const result = await autopilot.scans.scan(connection, { onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ status: "completed", since: "2026-03-17", until: "2026-06-14", campaigns: 1, ad_sets: 2, ads: 4 });
    expect(progress.filter((p) => p.phase === "objects").map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    // Insights come in async report runs over the whole account; progress counts days and rows read.
    const insights = progress.filter((p) => p.phase === "insights");
    expect(insights.at(-1)).toMatchObject({ done: 90, total: 90, rows: 120 });
    expect(insights.every((p, i) => i === 0 || (p.done >= insights[i - 1]!.done && p.rows >= insights[i - 1]!.rows))).toBe(true);
    expect(result.graph_calls).toBeLessThan(12);

    const hubRows = await world.hub.store.db
      .selectFrom("ad_insights_daily")
      .select(["ad_id", "date", "spend", "conversions", "revenue", "impressions", "clicks"])
      .where("account_id", "=", world.account.id)
      .orderBy("date")
      .orderBy("ad_id")
      .execute();
    expect(hubRows.length).toBe(30 * 4);
    expect(result.rows).toBe(hubRows.length);
    const snapshot = await autopilot.snapshot("Acme", connection.id);
    const got = snapshot.daily.map((d) => ({ ad_id: d.adId, date: d.date, spend: d.spend, conversions: d.conversions, revenue: d.revenue, impressions: d.impressions, clicks: d.clicks }));
    expect(got).toEqual(hubRows.map((r) => ({ ...r, spend: Number(r.spend), conversions: Number(r.conversions), revenue: Number(r.revenue), impressions: Number(r.impressions), clicks: Number(r.clicks) })));
    expect(snapshot.adSets.map((s) => s.dailyBudget)).toEqual([5000, 5000]);
    // The other account's rows were never read: the token does not reach it.
    expect(new Set(snapshot.daily.map((d) => d.adSetId))).toEqual(new Set(world.adSets.map((s) => s.id)));
    const stored = await autopilot.workspaces.view("Acme");
    expect(stored.connections[0]!.usage).toMatchObject({ buckets: expect.objectContaining({ app: expect.any(Number) }) });
  });

  it("queues a proposal, and an approval writes it, reads it back and logs it CONFIRMED; undo restores it", async () => {
    const [lookalike] = world.adSets;
    const { autopilot, connection } = await connect(world.autopilot({ planner: planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 6000)]) }));
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    expect(report!.proposed).toHaveLength(1);
    // Planning again the same day proposes nothing new (same idempotency key).
    expect((await autopilot.plan("Acme"))[0]).toMatchObject({ proposed: [], duplicates: 1 });
    const ws = await autopilot.workspaces.require("Acme");
    const queue = await autopilot.actions.queue(ws);
    expect(queue).toHaveLength(1);
    expect(queue[0]).toMatchObject({ state: "pending_approval", expected_effect: expect.stringContaining("purchases"), evidence: { conversions: 64 } });

    const done = await autopilot.actions.approve(queue[0]!.id, "Ada (advertiser)");
    expect(done.state).toBe("CONFIRMED");
    expect(done.text).toBe("Raised 'Summer Sale – Lookalike' daily budget from $50.00 to $60.00: its CPA $18 is 28% under your $25 target over 7 days, 64 conversions");
    const live = await world.hub.store.db.selectFrom("ad_sets").select("daily_budget").where("id", "=", lookalike!.id).executeTakeFirstOrThrow();
    expect(Number(live.daily_budget)).toBe(6000);
    const [entry] = await autopilot.actions.log(ws);
    expect(entry).toMatchObject({
      approved_by: "Ada (advertiser)",
      can_undo: true,
      rule_history: { is_manual: true, results: [{ object_id: lookalike!.id, object_type: "ADSET", actions: [{ action: "CHANGE_BUDGET", field: "daily_budget", old_value: "5000", new_value: "6000" }] }] },
    });
    // Approving twice does not write twice.
    await expect(autopilot.actions.approve(queue[0]!.id, "Ada")).rejects.toThrow(/CONFIRMED, not waiting/);

    const undone = await autopilot.actions.undo(queue[0]!.id, "Ada (advertiser)");
    expect(undone.state).toBe("CONFIRMED");
    const back = await world.hub.store.db.selectFrom("ad_sets").select("daily_budget").where("id", "=", lookalike!.id).executeTakeFirstOrThrow();
    expect(Number(back.daily_budget)).toBe(5000);
  });

  it("expires a queued proposal when the data behind it changes", async () => {
    const [lookalike] = world.adSets;
    const { autopilot, connection } = await connect(world.autopilot({ planner: planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 6000)]) }));
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    // Someone changes the budget in the hub, and a new scan sees it.
    await world.hub.adSets.updateAdSet(world.advertiser.admin.ctx, lookalike!.id, { daily_budget: 5500 } as never);
    await autopilot.scans.scan(connection);
    const result = await autopilot.actions.approve(report!.proposed[0]!.id, "Ada");
    expect(result.state).toBe("expired");
    expect(result.text).toMatch(/data changed/);
    expect(await autopilot.actions.queue(await autopilot.workspaces.require("Acme"))).toEqual([]);
  });

  it("marks a write whose answer was lost UNKNOWN, then resolves it by reading back, never writing again", async () => {
    const proxy = await startFlakyProxy(world.server.url);
    try {
      const [lookalike, interests] = world.adSets;
      const { autopilot, connection } = await connect(
        world.autopilot({ planner: planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 6000), budgetItem(interests!.id, interests!.name, 5000, 5500)]) }),
        proxy.url,
      );
      await autopilot.scans.scan(connection);
      const [report] = await autopilot.plan("Acme");
      const [first, second] = report!.proposed;
      const writes: string[] = [];
      proxy.state.drop = (method, url) => {
        if (method === "POST") writes.push(url);
        return method === "POST" && url.includes(lookalike!.id);
      };
      // The write reaches the hub but its answer is lost: UNKNOWN, with the value really changed.
      expect((await autopilot.actions.approve(first!.id, "Ada")).state).toBe("UNKNOWN");
      expect(writes).toHaveLength(1);
      // The hub is unreachable for the other write: it never happened; also UNKNOWN at first.
      proxy.state.refuse = (method, url) => method === "POST" && url.includes(interests!.id);
      expect((await autopilot.actions.approve(second!.id, "Ada")).state).toBe("UNKNOWN");
      proxy.state.drop = undefined;
      proxy.state.refuse = undefined;

      const resolved = await autopilot.actions.resolveAll(await autopilot.workspaces.require("Acme"));
      expect(Object.fromEntries(resolved.map((r) => [r.id, r.state]))).toEqual({ [first!.id]: "CONFIRMED", [second!.id]: "REJECTED" });
      expect(resolved.find((r) => r.id === second!.id)!.text).toMatch(/did not take effect/);
      // Resolution only read: still one POST in total reached the proxy's forwarding path.
      expect(writes).toHaveLength(1);
      const budgets = await world.hub.store.db.selectFrom("ad_sets").select(["id", "daily_budget"]).where("id", "in", [lookalike!.id, interests!.id]).execute();
      expect(Object.fromEntries(budgets.map((b) => [b.id, Number(b.daily_budget)]))).toEqual({ [lookalike!.id]: 6000, [interests!.id]: 5000 });
    } finally {
      await proxy.close();
    }
  });

  it("never acts on an asset its token does not reach: the hub refuses, the action is REJECTED and reported", async () => {
    const outside: PlanItem = {
      kind: "pause_adset",
      change: { objectType: "adset", objectId: world.otherAdSet.id, objectName: "Other ad set", field: "status", old: "ACTIVE", new: "PAUSED" },
      reason: "test",
      evidence: {},
      expectedEffect: "none",
    };
    const { autopilot, connection } = await connect(world.autopilot({ planner: planning([outside]) }));
    await autopilot.scans.scan(connection);
    const [report] = await autopilot.plan("Acme");
    const result = await autopilot.actions.approve(report!.proposed[0]!.id, "Ada");
    expect(result.state).toBe("REJECTED");
    const status = await world.hub.store.db.selectFrom("ad_sets").select("status").where("id", "=", world.otherAdSet.id).executeTakeFirstOrThrow();
    expect(status.status).toBe("ACTIVE");
    expect(world.alerts.map((a) => a.kind)).toContain("action_rejected");
    // The connection itself still works for the account it was given.
    expect((await autopilot.workspaces.view("Acme")).connections[0]!.status).toBe("active");
    const denied = await world.hub.store.db.selectFrom("audit_entries").selectAll().where("outcome", "=", "denied").where("target_id", "=", world.otherAdSet.id).execute();
    expect(denied.length).toBeGreaterThan(0);
  });

  it("holds back changes outside the guardrails and everything while the kill switch is on", async () => {
    const [lookalike, interests] = world.adSets;
    const { autopilot, connection } = await connect(
      world.autopilot({ planner: planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 7000), budgetItem(interests!.id, interests!.name, 5000, 5500)]) }),
    );
    await autopilot.scans.scan(connection);
    await expect(autopilot.workspaces.setMode("Acme", "autopilot")).rejects.toThrow(/without a spending cap/);
    await autopilot.workspaces.setGuardrails("Acme", { dailyCap: 20_000 });
    await autopilot.workspaces.setMode("Acme", "autopilot");
    await autopilot.workspaces.setKillSwitch("Acme", true);
    await expect(autopilot.run("Acme")).rejects.toThrow(/kill switch/);
    await autopilot.workspaces.setKillSwitch("Acme", false);
    const report = await autopilot.run("Acme");
    const states = report.executed.map((e) => e.state).sort();
    expect(states).toEqual(["CONFIRMED", "refused"]);
    expect(report.executed.find((e) => e.state === "refused")!.text).toMatch(/40\.0% change is more than your 20% maximum step/);
    const [entry] = (await autopilot.actions.log(await autopilot.workspaces.require("Acme"))).filter((e) => e.state === "CONFIRMED");
    expect(entry).toMatchObject({ approved_by: "autopilot", rule_history: { is_manual: false } });
  });

  it("marks the connection as needing attention when its token is revoked, and reports it", async () => {
    const { autopilot, connection } = await connect();
    const tokens = await world.hub.store.db.selectFrom("access_tokens").select(["id"]).where("app_id", "=", world.appId).execute();
    await world.hub.tokens.revoke(world.advertiser.admin.ctx, tokens[0]!.id, world.advertiser.id);
    await expect(autopilot.scans.scan(connection)).rejects.toThrow();
    const view = await autopilot.workspaces.view("Acme");
    expect(view.connections[0]).toMatchObject({ status: "needs_attention", attention: { code: 190 } });
    expect(world.alerts.filter((a) => a.kind === "lost_permission")).toHaveLength(1);
    // Nothing is retried on it until it is reconnected.
    await expect(autopilot.scans.scan(await autopilot.workspaces.connection(connection.id))).rejects.toThrow(/needs attention/);
  });
});

describe.each(DIALECTS)("Autopilot's days on %s", (dialect) => {
  let world: AutopilotWorld;
  afterEach(async () => world.close());

  it("are the ad account's own: a Los Angeles account scanned at 03:00 UTC ends with its yesterday, and the engine plans on its hour", async () => {
    // 03:00 UTC on 15 June is 20:00 on 14 June in Los Angeles.
    world = await buildAutopilotWorld(dialect, { days: 10, start: Date.UTC(2026, 5, 15, 3), timeZone: "America/Los_Angeles" });
    const autopilot = world.autopilot();
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    const connection = await autopilot.workspaces.connection(view.id);
    const scan = await autopilot.scans.scan(connection, { days: 7 });
    expect({ since: scan.since, until: scan.until }).toEqual({ since: "2026-06-07", until: "2026-06-13" });
    const snapshot = await autopilot.snapshot("Acme", connection.id);
    expect(snapshot.timeZone).toBe("America/Los_Angeles");
    expect(toEngineSnapshot(snapshot).clock).toMatchObject({ today: "2026-06-14", hour: 20 });

    // The market's next day is 15 June. The other account (UTC, no ads) is on it; in Los Angeles it is
    // not that day yet, so none of its four ads' hours are written…
    const market = new HubSimulation(world.hub, { disapprovalDailyHazard: 0 });
    expect(await market.reportDayInProgress()).toEqual({ date: "2026-06-15", hours: 3, rows: 0 });
    // … and at 12:00 UTC, 05:00 there, their first five hours are.
    world.clock.t = Date.UTC(2026, 5, 15, 12);
    expect(await market.reportDayInProgress()).toEqual({ date: "2026-06-15", hours: 12, rows: 4 * 5 });
  });
});
