import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PlannerPlan, PlanItem, Planner } from "../../src/autopilot/app/planner.ts";
import { buildServer } from "../../src/http/server.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { seedIds } from "../support/seededIds.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";
import { autopilotDb } from "../../src/autopilot/store/database.ts";

describe.each(DIALECTS)("Autopilot simulates a plan's impact on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    // The market draws each object's hidden numbers from its id: seeded ids make the same market
    // every run, one where the best ad set sells (with random ids it now and then sold next to nothing).
    const restoreIds = seedIds("autopilot-simulate");
    try {
      world = await buildAutopilotWorld(dialect, { days: 30, seed: 11 });
    } finally {
      restoreIds();
    }
  });
  afterEach(async () => {
    await world.close();
  });

  const planning = (items: PlanItem[]): Planner => () => ({ items, notes: [] }) satisfies PlannerPlan;

  /** The ad set with the most conversions in the hub's history: the one a careless plan might pause. */
  const bestAdSet = async () => {
    const rows = await world.hub.store.db.selectFrom("ad_insights_daily").select(["adset_id", "conversions"]).where("account_id", "=", world.account.id).execute();
    const totals = new Map<string, number>();
    for (const r of rows) totals.set(r.adset_id, (totals.get(r.adset_id) ?? 0) + Number(r.conversions));
    const [id] = [...totals.entries()].sort((a, b) => b[1] - a[1])[0]!;
    return world.adSets.find((s) => s.id === id)!;
  };

  const pauseItem = (set: { id: string; name: string }): PlanItem => ({
    kind: "pause_adset",
    change: { objectType: "adset", objectId: set.id, objectName: set.name, field: "status", old: "ACTIVE", new: "PAUSED" },
    reason: "test",
    evidence: {},
    expectedEffect: "fewer purchases",
  });

  const connect = async (planner: Planner) => {
    const autopilot = world.autopilot({ planner });
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    await autopilot.scans.scan(await autopilot.workspaces.connection(view.id));
    return { autopilot, ws };
  };

  /** Everything a dry run must leave as it was: the hub's objects, its delivery data, the market's state, the queue. */
  const liveState = async () => {
    const db = world.hub.store.db;
    return {
      adSets: await db.selectFrom("ad_sets").select(["id", "status", "daily_budget", "updated_at"]).orderBy("id").execute(),
      ads: await db.selectFrom("ads").select(["id", "status", "review_status", "updated_at"]).orderBy("id").execute(),
      insights: await db.selectFrom("ad_insights_daily").selectAll().orderBy("ad_id").orderBy("date").execute(),
      market: await db.selectFrom("simulation_runs").selectAll().execute(),
      actions: await autopilotDb(db).selectFrom("autopilot_actions").select("id").execute(),
    };
  };

  it("shows that pausing the best ad set loses conversions and spend, and leaves the live state untouched", async () => {
    const best = await bestAdSet();
    const { autopilot } = await connect(planning([pauseItem(best)]));
    const before = await liveState();
    const [report] = await autopilot.impact.simulate("Acme", { days: 7, runs: 20 });
    expect(report).toMatchObject({ ad_account_id: world.account.graphId, days: 7, runs: 20, from: "2026-06-15", to: "2026-06-21" });
    expect(report!.plan).toEqual([expect.objectContaining({ text: expect.stringContaining(`${best.name}: status ACTIVE → PAUSED`) })]);
    expect(report!.delta.conversions.mean).toBeLessThan(0);
    expect(report!.delta.conversions.high).toBeLessThan(0);
    expect(report!.delta.spend.mean).toBeLessThan(0);
    expect(report!.with_plan.conversions.mean).toBeLessThan(report!.baseline.conversions.mean);
    expect(report!.probability_more_conversions).toBeLessThan(0.1);
    expect(report!.delta.conversions.low).toBeLessThanOrEqual(report!.delta.conversions.mean);
    expect(report!.summary).toMatch(/^Over 7 days \(2026-06-15 to 2026-06-21\), the plan's 1 change would bring −/);
    expect(await liveState()).toEqual(before);
  });

  it("compares like with like: no changes, no difference; the same preview twice, the same numbers", async () => {
    const { autopilot } = await connect(planning([]));
    const [still] = await autopilot.impact.simulate("Acme", { days: 5, runs: 8 });
    const zero = { mean: 0, low: 0, high: 0 };
    // A CPA needs a purchase in every run: when some 5-day run has none (the streams follow the
    // account's ID, so this varies), there is no CPA interval, in the baseline and the delta alike.
    expect(still!.delta).toEqual({ spend: zero, conversions: zero, revenue: zero, cpa: still!.baseline.cpa === null ? null : zero, roas: zero });
    expect(still!.baseline.spend.mean).toBeGreaterThan(0);
    expect(still!.baseline.spend.low).toBeLessThanOrEqual(still!.baseline.spend.high);
    expect(still!.summary).toMatch(/^No changes recommended/);
    expect(await autopilot.impact.simulate("Acme", { days: 5, runs: 8 })).toEqual([still]);
  });

  it("raises spend with a budget raise, never beyond the simulator's overspend of the new budget", async () => {
    const [lookalike] = world.adSets;
    const { autopilot } = await connect(
      planning([{ kind: "change_budget", change: { objectType: "adset", objectId: lookalike!.id, objectName: lookalike!.name, field: "daily_budget", old: "5000", new: "6000" }, reason: "test", evidence: {}, expectedEffect: "more" }]),
    );
    const [report] = await autopilot.impact.simulate("Acme", { days: 4, runs: 10 });
    expect(report!.delta.spend.mean).toBeGreaterThan(0);
    // At most 1.25 × $10 more a day over 4 days.
    expect(report!.delta.spend.high).toBeLessThanOrEqual(4 * 12.5);
  });

  it("says what it cannot simulate, and refuses bad input with a Graph error over HTTP", async () => {
    const best = await bestAdSet();
    const { autopilot, ws } = await connect(planning([pauseItem(best), pauseItem({ id: "999999", name: "Gone" })]));
    const [report] = await autopilot.impact.simulate("Acme", { days: 2, runs: 3 });
    expect(report!.notes).toContain("Not simulated (not in the simulator's market): 999999.");
    await expect(autopilot.impact.simulate("Acme", { account: world.otherAccount.graphId })).rejects.toThrow(/is not connected to this workspace/);
    await expect(world.autopilot({ simulator: undefined }).impact.simulate("Acme")).rejects.toThrow(/needs the hub's simulator/);

    const app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const systemUser = await world.hub.businesses.createSystemUser(world.advertiser.admin.ctx, world.advertiser.id, { name: "Console", role: "ADMIN" });
      const admin = graphClient(url, (await world.hub.tokens.issueSystemUserToken(world.advertiser.admin.ctx, systemUser.id, {})).accessToken);
      const outsider = graphClient(url, world.token);
      const before = await liveState();

      const ok = await admin("POST", `/autopilot/workspaces/${ws.id}/simulate`, { days: 3, runs: 5, account: world.account.graphId });
      expect(ok.status).toBe(200);
      expect(ok.body.data).toHaveLength(1);
      expect(ok.body.data[0]).toMatchObject({ ad_account_id: world.account.graphId, days: 3, runs: 5 });
      expect(ok.body.data[0].delta.conversions.mean).toBeLessThan(0);

      const bad = await admin("POST", `/autopilot/workspaces/${ws.id}/simulate`, { days: 0 });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatchObject({ message: expect.stringMatching(/^Invalid days/), type: expect.any(String), code: 100, fbtrace_id: expect.any(String) });
      expect((await admin("POST", `/autopilot/workspaces/${ws.id}/simulate`, { days: 3, extra: 1 })).status).toBe(400);
      expect((await outsider("POST", `/autopilot/workspaces/${ws.id}/simulate`, {})).body.error).toMatchObject({ code: 200 });
      expect(await liveState()).toEqual(before);
    } finally {
      await app.close();
    }
  });
});
