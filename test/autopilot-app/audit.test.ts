import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";

/**
 * The account audit on a real scan: the world's campaign runs two ad sets at 20.00 a day. The
 * simulator's hidden rates come from the objects' ids, which differ per run, but at 140.00 a week
 * even the best draw (the lowest CPM, the highest CTR and CVR) buys well under 50 purchases, so the
 * audit must always propose merging them; its evidence must be the hub's own numbers for the last
 * 7 days, read back through the Graph.
 */
describe.each(DIALECTS)("the account audit after a scan on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 30, dailyBudget: 2000 });
  });
  afterEach(async () => {
    await world.close();
  });

  it("every full scan ends with the audit; merge proposed as a plan, with the Graph's own weekly purchases as evidence", async () => {
    const autopilot = world.autopilot();
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    await autopilot.workspaces.connect(ws.id, { graphUrl: world.server.url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    const report = await autopilot.scanAndPlan("Acme", { days: 30, plan: false });
    expect(report.audits).toHaveLength(1);
    const [audit] = report.audits;
    expect(audit).toMatchObject({ workspace: "Acme", ad_account_id: world.account.graphId, as_of: "2026-06-14" });

    // What the Graph says each ad set bought in the audit's week.
    const graph = graphClient(world.server.url, world.token);
    const weekly = new Map<string, number>();
    for (const adSet of world.adSets) {
      const answer = await graph("GET", `/${adSet.id}/insights?fields=actions&time_range=${encodeURIComponent(JSON.stringify({ since: "2026-06-08", until: "2026-06-14" }))}`);
      const purchases = (answer.body.data[0]?.actions as { action_type: string; value: string }[] | undefined)?.find((a) => a.action_type === "purchase")?.value;
      weekly.set(adSet.id, Number(purchases ?? 0));
    }
    expect([...weekly.values()].every((n) => n < 50)).toBe(true);

    const merge = audit!.findings.find((f) => f.kind === "ad_sets_to_merge");
    expect(merge).toMatchObject({ object_id: world.campaign.id, object_name: "Summer Sale" });
    const evidence = merge!.evidence as { ad_sets: { id: string; purchases_last_7_days: number }[] };
    expect(new Map(evidence.ad_sets.map((s) => [s.id, s.purchases_last_7_days]))).toEqual(weekly);
    // The plan keeps one ad set at both budgets and pauses the other.
    expect(merge!.plan).toHaveLength(2);
    expect(merge!.plan![0]).toMatchObject({ kind: "budget_change", field: "daily_budget", old: "2000", new: "4000" });
    expect(merge!.plan![1]).toMatchObject({ kind: "pause_adset", new: "PAUSED" });
    expect(new Set(merge!.plan!.map((s) => s.object_id))).toEqual(new Set(world.adSets.map((s) => s.id)));
    // Every finding has the contract's fields, and names objects of this account only.
    const ids = new Set([world.campaign.id, ...world.adSets.map((s) => s.id), ...world.ads.map((a) => a.id), world.account.graphId]);
    for (const finding of audit!.findings) {
      expect(Object.keys(finding)).toEqual(expect.arrayContaining(["kind", "object_id", "object_name", "evidence", "fix"]));
      expect(typeof finding.fix).toBe("string");
      if (finding.kind !== "pixel_silent" && finding.kind !== "purchases_without_values") expect(ids.has(finding.object_id)).toBe(true);
    }

    // Pausing one ad set leaves nothing to merge it with: the next audit drops the finding.
    await world.hub.adSets.updateAdSet(world.advertiser.admin.ctx, world.adSets[1]!.id, { status: "PAUSED" } as never);
    await autopilot.scanAndPlan("Acme", { days: 30, plan: false });
    const [after] = await autopilot.audits.auditWorkspace("Acme");
    expect(after!.findings.filter((f) => f.kind === "ad_sets_to_merge")).toEqual([]);
  });

  it("GET /autopilot/workspaces/:ws/audit answers the advertiser's admins only", async () => {
    const autopilot = world.autopilot();
    const app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
      await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
      const ctx = world.advertiser.admin.ctx;
      const admin = graphClient(url, (await world.hub.tokens.issueSystemUserToken(ctx, (await world.hub.businesses.createSystemUser(ctx, world.advertiser.id, { name: "Console", role: "ADMIN" })).id, {})).accessToken);
      // Before any scan the audit says what to do, in the Graph's error envelope.
      const early = await admin("GET", `/autopilot/workspaces/${ws.id}/audit`);
      expect(early.status).toBe(400);
      expect(early.body.error.message).toMatch(/has not been scanned yet/);
      await autopilot.scanAndPlan("Acme", { days: 30, plan: false });
      const answer = await admin("GET", `/autopilot/workspaces/${ws.id}/audit`);
      expect(answer.status).toBe(200);
      expect(answer.body.data[0]).toMatchObject({ workspace: "Acme", ad_account_id: world.account.graphId, findings: expect.any(Array) });
      // Autopilot's own token (a partner's system user) is not the advertiser's admin.
      expect((await graphClient(url, world.token)("GET", `/autopilot/workspaces/${ws.id}/audit`)).body.error).toMatchObject({ code: 200 });
    } finally {
      await app.close();
    }
  });
});
