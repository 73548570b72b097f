import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";

describe.each(DIALECTS)("Autopilot's results per day for the console's charts on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 20 });
  });
  afterEach(async () => {
    await world.close();
  });

  it("reads spend, purchases, CPA and ROAS per day through the Graph and marks Autopilot's confirmed changes", async () => {
    const autopilot = world.autopilot();
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    const view = await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    await autopilot.scans.scan(await autopilot.workspaces.connection(view.id));

    // The reference: the hub's own daily rows of the account, summed per day (money in cents).
    const rows = await world.hub.store.db.selectFrom("ad_insights_daily").selectAll().where("account_id", "=", world.account.id).execute();
    const expected = new Map<string, { spend: number; conversions: number; revenue: number }>();
    for (const r of rows) {
      const day = expected.get(r.date) ?? { spend: 0, conversions: 0, revenue: 0 };
      day.spend += Number(r.spend);
      day.conversions += Number(r.conversions);
      day.revenue += Number(r.revenue);
      expected.set(r.date, day);
    }
    const [perf] = await autopilot.performance.daily("Acme", 30);
    expect(perf).toMatchObject({ ad_account_id: world.account.graphId, currency: "USD", changes: [], error: null });
    expect(perf!.days.map((d) => d.date)).toEqual([...expected.keys()].sort());
    for (const day of perf!.days) {
      const want = expected.get(day.date)!;
      expect(Math.round(day.spend * 100)).toBe(want.spend);
      expect(day.conversions).toBe(want.conversions);
      expect(Math.round(day.revenue * 100)).toBe(want.revenue);
      expect(day.cpa).toBe(want.conversions > 0 ? day.spend / want.conversions : null);
      expect(day.roas).toBe(want.spend > 0 ? day.revenue / day.spend : null);
    }

    const asked = await autopilot.commands.run("Acme", "raise Lookalike budget by 10%");
    if (asked.kind !== "proposal") throw new Error("expected a proposal");
    await autopilot.actions.approve(asked.proposals[0]!.id, "person:42");
    const [after] = await autopilot.performance.daily("Acme", 30);
    expect(after!.changes).toEqual([{ date: "2026-06-15", action_id: asked.proposals[0]!.id, text: "Raised 'Summer Sale – Lookalike' daily budget from $50.00 to $55.00", approved_by: "person:42" }]);
    await expect(autopilot.performance.daily("Acme", 0)).rejects.toThrow(/days must be a whole number from 1 to 90/);

    // Autopilot's access is taken away: the account's chart says so instead of failing the page.
    const systemUser = (await world.hub.tokens.resolve(world.token)).principalId;
    await world.hub.assignments.unassign(world.advertiser.admin.ctx, { assetId: world.account.id, principalId: systemUser });
    const [lost] = await autopilot.performance.daily("Acme", 30);
    expect(lost!.days).toEqual([]);
    expect(lost!.error).toMatch(/^The Graph refused to give the results: /);
    // The connection is marked as needing attention; it is not asked again.
    const [again] = await autopilot.performance.daily("Acme", 30);
    expect(again!.error).toBe(`act_${world.account.id} needs attention; reconnect it to see its results.`);
  });

  it("answers the advertiser's admins only, over HTTP", async () => {
    const autopilot = world.autopilot();
    const app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
      await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
      const ctx = world.advertiser.admin.ctx;
      const adminToken = (await world.hub.tokens.issueSystemUserToken(ctx, (await world.hub.businesses.createSystemUser(ctx, world.advertiser.id, { name: "Console", role: "ADMIN" })).id, {})).accessToken;
      const answer = await graphClient(url, adminToken)("GET", `/autopilot/workspaces/${ws.id}/performance?days=7`);
      expect(answer.status).toBe(200);
      expect(answer.body.data[0]).toMatchObject({ ad_account_id: world.account.graphId, currency: "USD", error: null });
      expect(answer.body.data[0].days.length).toBeGreaterThan(0);
      // Autopilot's own token reaches the ad account, but it is not an admin of the advertiser.
      expect((await graphClient(url, world.token)("GET", `/autopilot/workspaces/${ws.id}/performance`)).body.error).toMatchObject({ code: 200 });
      expect((await graphClient(url, adminToken)("GET", `/autopilot/workspaces/${ws.id}/performance?days=400`)).body.error.message).toMatch(/days must be a whole number from 1 to 90/);
    } finally {
      await app.close();
    }
  });
});
