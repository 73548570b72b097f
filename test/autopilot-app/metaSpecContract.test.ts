import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compactSpecs, META_API_SPECS_FILE } from "../../scripts/generateMetaApiSpecs.ts";
import { DEFAULT_SPEC_DIR } from "../../scripts/metaSpecs.ts";
import type { PlanItem } from "../../src/autopilot/app/planner.ts";
import { parseLaunchSpec } from "../../src/autopilot/app/launch/launchSpec.ts";
import { startFakeMeta } from "../support/fakeMeta.ts";
import { checkCall, readSpecs, startRecordingProxy, topLevelFields } from "../support/metaCallContract.ts";
import { budgetItem, buildAutopilotWorld, planning, type AutopilotWorld } from "./world.ts";

/**
 * Autopilot must run against Meta itself, so every Graph call it makes — connecting through
 * Facebook Login's manual flow (code exchange, long-lived token, debug_token), a full scan with its
 * audit, planning, applying and undoing, monitors, the performance view, a text command and a bulk
 * launch — is recorded and checked against Meta's spec: path, method, parameters and fields. The
 * calls go to a Meta-like login and Graph front (test/support/fakeMeta.ts) with the hub behind it.
 */
describe("every Graph call Autopilot makes is one Meta has", () => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    world = await buildAutopilotWorld("sqlite", { days: 30 });
  });
  afterEach(async () => {
    await world.close();
  });

  it("connect, scan, audit, plan, apply, undo, monitors, performance, a question and a launch: all in Meta's spec", async () => {
    const meta = await startFakeMeta({ appId: "1234567890", appSecret: "app-secret", upstream: { url: world.server.url, token: world.token }, grantedAccounts: [world.account.graphId.replace(/^act_/, "")] });
    const proxy = await startRecordingProxy(meta.url);
    try {
      const [lookalike, interests] = world.adSets;
      const pause: PlanItem = {
        kind: "pause_ad",
        change: { objectType: "ad", objectId: world.ads[3]!.id, objectName: "ad 2", field: "status", old: "ACTIVE", new: "PAUSED" },
        reason: "its CPA is twice the ad set's",
        evidence: {},
        expectedEffect: "fewer wasted clicks",
      };
      const autopilot = world.autopilot({ planner: planning([budgetItem(lookalike!.id, lookalike!.name, 5000, 5500), pause]) });
      const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
      // Connecting as with Meta: the dialog in the browser, the Graph calls through the recorder.
      await autopilot.connect.saveClient({
        authorizationEndpoint: meta.dialogUrl,
        tokenEndpoint: `${proxy.url}/v24.0/oauth/access_token`,
        graphUrl: `${proxy.url}/v24.0`,
        clientId: "1234567890",
        clientSecret: "app-secret",
        redirectUri: "https://autopilot.example.test/autopilot/oauth/callback",
      });
      const connectThroughMeta = async () => {
        const started = await autopilot.connect.start(ws.id, { initiatedBy: `person:${world.advertiser.admin.id}` });
        const back = await fetch(started.authorizationUrl, { redirect: "manual" });
        return autopilot.connect.finish(new URL(back.headers.get("location")!).searchParams, started.browserBinding);
      };
      const done = await connectThroughMeta();
      expect(done.connected.map((c) => c.ad_account_id)).toEqual([world.account.graphId]);
      const report = await autopilot.scanAndPlan("Acme", { days: 30 });
      expect(report.audits).toHaveLength(1);
      const queued = report.plans[0]!.proposed;
      expect(queued).toHaveLength(2);
      for (const item of queued) expect((await autopilot.actions.approve(item.id, "Ada")).state).toBe("CONFIRMED");
      await autopilot.actions.undo(queued[0]!.id, "Ada");
      await autopilot.monitors.run("Acme");
      await autopilot.performance.daily("Acme", 7);
      await autopilot.commands.run("Acme", "how much did we spend yesterday?");
      const launch = parseLaunchSpec(`
campaign: { name: Contract launch, objective: OUTCOME_SALES, status: ACTIVE }
ad_set: { daily_budget: 2000, optimization_goal: OFFSITE_CONVERSIONS, targeting: { geo_locations: { countries: [US] } } }
audiences: [{ name: Adults, targeting: { age_min: 25 } }]
creatives: [{ name: Tent, title: Tent sale, link_url: "https://shop.example.test/tent" }, { name: Existing, creative_id: "${world.creativeId}" }]
`);
      expect((await autopilot.launches.launch("Acme", launch)).created).toHaveLength(5);
      // Run again, it reads what exists under the campaign and creates nothing.
      expect((await autopilot.launches.launch("Acme", launch)).created).toEqual([]);
      // A launch whose ad Meta refuses is rolled back: what it created is deleted.
      meta.refuse((method, path, body) => method === "POST" && /^\/act_\d+\/ads$/.test(path) && !body.includes("VALIDATE_ONLY"));
      const refused = parseLaunchSpec(`
campaign: { name: Refused launch, objective: OUTCOME_SALES, status: ACTIVE }
ad_set: { daily_budget: 2000, optimization_goal: OFFSITE_CONVERSIONS, targeting: { geo_locations: { countries: [US] } } }
audiences: [{ name: Adults, targeting: { age_min: 25 } }]
creatives: [{ name: Existing, creative_id: "${world.creativeId}" }]
`);
      await expect(autopilot.launches.launch("Acme", refused)).rejects.toThrow();
      meta.refuse(undefined);
      // Connecting again: a token with no target list (its ad accounts read from me/adaccounts), then
      // one granting no ad account, which Autopilot gives back (DELETE me/permissions).
      meta.grant(undefined);
      expect((await connectThroughMeta()).connected.map((c) => c.ad_account_id)).toEqual([world.account.graphId]);
      meta.grant([]);
      await expect(connectThroughMeta()).rejects.toThrow(/No ad account was chosen/);

      const types = new Map<string, string>([
        [world.campaign.id, "Campaign"],
        ...world.adSets.map((s) => [s.id, "AdSet"] as [string, string]),
        ...world.ads.map((a) => [a.id, "Ad"] as [string, string]),
        ...[...proxy.reportRuns].map((id) => [id, "AdReportRun"] as [string, string]),
      ]);
      // Objects the launch created are typed by the edge that created them.
      for (const call of proxy.created) types.set(call.id, { campaigns: "Campaign", adsets: "AdSet", ads: "Ad", adcreatives: "AdCreative" }[call.edge] ?? "unknown");
      const typeOf = (id: string) => (/^act_\d+$/.test(id) ? "AdAccount" : id === "me" ? "User" : types.get(id));
      const specs = readSpecs();
      // Grantline's own edge, read to plan within the owner's partner guardrails; against Meta it
      // answers code 100 and Autopilot plans as when none bind (test/autopilot-app/partnerGuardrails.test.ts).
      const grantlineOwn = (call: { method: string; path: string }) => call.method === "GET" && /^act_\d+\/partner_guardrails$/.test(call.path);
      const problems = proxy.calls.filter((call) => !grantlineOwn(call)).flatMap((call) => checkCall(specs, typeOf, call));
      expect(problems).toEqual([]);

      // The record covers what Autopilot does: reads of every kind, the async report, and writes.
      const kinds = new Set(proxy.calls.map((c) => `${c.method} ${c.path.replace(/\d+/g, "N")}`));
      for (const expected of ["GET oauth/access_token", "GET debug_token", "GET me/adaccounts", "DELETE me/permissions", "GET act_N", "GET act_N/campaigns", "GET act_N/adsets", "GET act_N/ads", "GET act_N/adcreatives", "GET act_N/adspixels", "GET act_N/insights", "POST act_N/insights", "GET N", "GET N/insights", "POST N", "POST act_N/campaigns", "POST act_N/adsets", "POST act_N/ads", "POST act_N/adcreatives", "GET N/adsets", "GET N/ads", "DELETE N"]) {
        expect(kinds, expected).toContain(expected);
      }
      expect(proxy.calls.filter((c) => c.method === "POST" && c.path === interests!.id)).toEqual([]);
    } finally {
      await proxy.close();
      await meta.close();
    }
  });

  it.runIf(fs.existsSync(DEFAULT_SPEC_DIR))("the shipped copy of Meta's specs is what the spec folder says (npm run generate:meta-api-specs)", () => {
    expect(fs.readFileSync(META_API_SPECS_FILE, "utf8")).toBe(compactSpecs(DEFAULT_SPEC_DIR));
  });

  it("the checker refuses what Meta does not have", () => {
    const specs = readSpecs();
    const typeOf = (id: string) => (id.startsWith("act_") ? "AdAccount" : id === "9" ? "AdSet" : undefined);
    expect(checkCall(specs, typeOf, { method: "GET", path: "act_1/campaigns", params: { fields: "id,name,status" } })).toEqual([]);
    expect(checkCall(specs, typeOf, { method: "GET", path: "act_1/campaigns", params: { fields: "id,colour" } })).toEqual(['GET /act_1/campaigns: Campaign has no field "colour"']);
    expect(checkCall(specs, typeOf, { method: "GET", path: "act_1/gadgets", params: {} })).toEqual(["GET /act_1/gadgets: AdAccount has no GET edge gadgets in Meta's spec"]);
    expect(checkCall(specs, typeOf, { method: "POST", path: "9", params: { daily_budget: 100, wishes: 1 } })).toEqual(['POST /9: AdSet POST node has no parameter "wishes"']);
    expect(checkCall(specs, typeOf, { method: "GET", path: "act_1/insights", params: { level: "ad", time_increment: 1, fields: "spend,actions", bogus: 1 } })).toEqual([
      'GET /act_1/insights: AdAccount GET insights has no parameter "bogus"',
    ]);
    expect(checkCall(specs, typeOf, { method: "GET", path: "42", params: {} })).toEqual(['GET /42: "42" is not an object the test knows']);
    expect(topLevelFields("id,creative{id,title},insights.date_preset(last_7d){spend}")).toEqual(["id", "creative", "insights"]);
  });
});
