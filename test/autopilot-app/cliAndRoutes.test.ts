import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildServer } from "../../src/http/server.ts";
import type { Planner } from "../../src/autopilot/app/planner.ts";
import { runGrantline } from "../support/cli.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { budgetItem, buildAutopilotWorld, planning, type AutopilotWorld } from "./world.ts";

describe.each(DIALECTS)("grantline autopilot and the /autopilot routes on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    // The CLI runs on the real clock, so the history ends yesterday for real.
    world = await buildAutopilotWorld(dialect, { days: 20, start: Date.now() });
  });
  afterEach(async () => {
    await world.close();
  });

  it("connects, scans with progress, settles modes and the kill switch, and prints the log", { timeout: 400_000 }, async () => {
    const cli = (...args: string[]) => runGrantline(world.store.env, "autopilot", ...args);
    const ws = JSON.parse((await cli("workspace", "--name", "Acme", "--business", world.advertiser.id, "--json")).stdout);
    expect(ws).toMatchObject({ name: "Acme", mode: "semi_auto", kill_switch: false });
    const connected = JSON.parse((await cli("connect", "--workspace", "Acme", "--account", world.account.graphId, "--token", world.token, "--graph-url", world.server.url, "--scopes", "ads_read,ads_management", "--json")).stdout);
    expect(connected).toMatchObject({ ad_account_id: world.account.graphId, status: "active" });

    const scan = await cli("scan", "--workspace", "Acme", "--days", "30");
    expect(scan.stderr).toMatch(/scan act_\d+: objects 5\/5, 0 rows/);
    expect(scan.stderr).toMatch(/scan act_\d+: insights 30\/30, 80 rows/);
    expect(scan.stdout).toMatch(/1 campaigns, 2 ad sets, 4 ads, 80 daily rows/);
    // The account audit reads that scan: one JSON line per account, in the contract's shape.
    const audit = JSON.parse((await cli("audit", "--workspace", "Acme", "--json")).stdout);
    expect(audit).toMatchObject({ workspace: "Acme", ad_account_id: world.account.graphId, findings: expect.arrayContaining([expect.objectContaining({ kind: "ad_sets_to_merge", object_id: world.campaign.id, object_name: "Summer Sale" })]) });
    for (const finding of audit.findings) expect(Object.keys(finding)).toEqual(expect.arrayContaining(["kind", "object_id", "object_name", "evidence", "fix"]));
    expect((await cli("audit", "--workspace", "Acme")).stdout).toMatch(/ad_sets_to_merge — Summer Sale/);
    // A bulk launch from a spec file: the plan on stderr, one JSON line; the same spec again creates nothing.
    const specFile = path.join(os.tmpdir(), `grantline-launch-${process.pid}.yaml`);
    fs.writeFileSync(specFile, "campaign: { name: CLI launch, objective: OUTCOME_SALES }\nad_set: { daily_budget: 2000 }\naudiences: [{ name: All, targeting: {} }]\ncreatives: [{ name: Tent, title: Tent sale, link_url: 'https://shop.example.test/tent' }]\n");
    const launched = await cli("launch", "--workspace", "Acme", "--spec", specFile, "--json");
    expect(launched.stderr).toMatch(/Plan: campaign "CLI launch", 1 ad sets, 1 ads, 1 creatives; to create: 1 campaign/);
    expect(JSON.parse(launched.stdout).created.map((o: { type: string }) => o.type).sort()).toEqual(["ad", "adset", "campaign", "creative"]);
    expect(JSON.parse((await cli("launch", "--workspace", "Acme", "--spec", specFile, "--json")).stdout).created).toEqual([]);
    await expect(cli("launch", "--workspace", "Acme", "--spec", `${specFile}.missing`)).rejects.toMatchObject({ stderr: expect.stringMatching(/Cannot read the launch spec/) });
    // "Simulate impact" previews the engine's plan on the simulator and writes nothing.
    const [preview] = JSON.parse((await cli("simulate", "--workspace", "Acme", "--days", "3", "--runs", "4", "--json")).stdout);
    expect(preview).toMatchObject({ ad_account_id: world.account.graphId, days: 3, runs: 4, summary: expect.any(String) });
    expect(preview.baseline.spend.mean).toBeGreaterThan(0);
    expect((await cli("simulate", "--workspace", "Acme", "--days", "2", "--runs", "2")).stdout).toMatch(/without the plan: spend /);
    expect(JSON.parse((await cli("log", "--workspace", "Acme", "--json")).stdout)).toEqual([]);

    await expect(cli("settings", "--workspace", "Acme", "--mode", "autopilot")).rejects.toMatchObject({ stderr: expect.stringMatching(/without a spending cap/) });
    const settings = JSON.parse((await cli("settings", "--workspace", "Acme", "--guardrails", '{"dailyCap":30000,"cpaTarget":25}', "--mode", "autopilot", "--json")).stdout);
    expect(settings).toMatchObject({ mode: "autopilot", guardrails: { dailyCap: 30000, cpaTarget: 25, maxStepPct: 20 } });
    const asked = JSON.parse((await cli("ask", "--workspace", "Acme", "--json", "raise", "Lookalike", "budget", "by", "10%")).stdout);
    expect(asked.proposals).toHaveLength(1);
    const approved = await cli("approve", "--action", asked.proposals[0].id, "--by", "Ada");
    expect(approved.stdout).toMatch(/^CONFIRMED: Raised 'Summer Sale – Lookalike' daily budget from \$50\.00 to \$55\.00/);
    const log = JSON.parse((await cli("log", "--workspace", "Acme", "--json")).stdout);
    expect(log[0]).toMatchObject({ state: "CONFIRMED", approved_by: "Ada", rule_history: { results: [{ actions: [{ field: "daily_budget", old_value: "5000", new_value: "5500" }] }] } });
    // The decision engine plans on the scan; with the kill switch on it plans nothing.
    const plan = JSON.parse((await cli("plan", "--workspace", "Acme", "--json")).stdout);
    expect(plan[0]).toMatchObject({ ad_account_id: world.account.graphId, notes: expect.any(Array) });
    expect(JSON.parse((await cli("kill", "--workspace", "Acme", "--json")).stdout)).toMatchObject({ kill_switch: true });
  });

  it("serves the queue, log, settings and kill switch to the advertiser's admins only", async () => {
    const [lookalike] = world.adSets;
    const planner: Planner = planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 5500)]);
    const autopilot = world.autopilot({ planner });
    const app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
      const view = await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
      await autopilot.scans.scan(await autopilot.workspaces.connection(view.id));
      await autopilot.plan("Acme");

      const adminToken = (await world.hub.tokens.issueSystemUserToken(world.advertiser.admin.ctx, (await world.hub.businesses.createSystemUser(world.advertiser.admin.ctx, world.advertiser.id, { name: "Console", role: "ADMIN" })).id, {})).accessToken;
      const admin = graphClient(url, adminToken);
      const outsider = graphClient(url, world.token);

      const queue = await admin("GET", `/autopilot/workspaces/${ws.id}/queue`);
      expect(queue.status).toBe(200);
      expect(queue.body.data).toHaveLength(1);
      expect((await outsider("GET", `/autopilot/workspaces/${ws.id}/queue`)).body.error).toMatchObject({ code: 200 });
      expect((await admin("GET", "/autopilot/workspaces/999/queue")).body.error).toMatchObject({ code: 200 });

      const bad = await admin("POST", `/autopilot/workspaces/${ws.id}/settings`, { guardrails: { maxStepPct: -3 } });
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/Invalid guardrails: maxStepPct/);
      const set = await admin("POST", `/autopilot/workspaces/${ws.id}/settings`, { guardrails: { dailyCap: 40000 }, mode: "autopilot" });
      expect(set.body).toMatchObject({ mode: "autopilot", guardrails: { dailyCap: 40000 } });
      expect((await admin("POST", `/autopilot/workspaces/${ws.id}/kill_switch`, { on: true })).body).toMatchObject({ kill_switch: true });

      // Approving while the kill switch is on writes nothing.
      const held = await admin("POST", `/autopilot/actions/${queue.body.data[0].id}/approve`);
      expect(held.body).toMatchObject({ state: "refused", text: expect.stringMatching(/kill switch is on/) });
      const log = await admin("GET", `/autopilot/workspaces/${ws.id}/log`);
      expect(log.body.data[0]).toMatchObject({ state: "refused" });
      const audit = await world.hub.store.db.selectFrom("audit_entries").select("action").where("action", "like", "autopilot.%").execute();
      expect(audit.map((a) => a.action).sort()).toEqual(["autopilot.approve", "autopilot.kill", "autopilot.settings"]);
      const live = await world.hub.store.db.selectFrom("ad_sets").select("daily_budget").where("id", "=", lookalike!.id).executeTakeFirstOrThrow();
      expect(Number(live.daily_budget)).toBe(5000);
    } finally {
      await app.close();
    }
  });
});
