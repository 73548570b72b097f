import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Autopilot } from "../../src/autopilot/app/autopilot.ts";
import type { LaunchPlanObjects, LaunchProgress, LaunchReport } from "../../src/autopilot/app/launch/launch.service.ts";
import { buildServer } from "../../src/http/server.ts";
import { buildBusiness } from "../support/factories.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { buildAutopilotWorld, LAUNCH_SPEC, startFaultyProxy, type AutopilotWorld } from "./world.ts";

interface Line {
  progress?: LaunchProgress;
  report?: LaunchReport;
  error?: { message: string; code: number; type: string };
}
type PlanAnswer = LaunchReport & { objects: LaunchPlanObjects };
type ErrorAnswer = { error: { message: string; code: number; fbtrace_id?: string } };

describe.each(DIALECTS)("bulk launches over HTTP on %s", (dialect) => {
  let world: AutopilotWorld;
  let app: FastifyInstance;
  let url: string;
  let autopilot: Autopilot;
  let workspaceId: string;
  let adminToken: string;

  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 2 });
    autopilot = world.autopilot();
    app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    workspaceId = (await autopilot.workspaces.create("Acme", world.advertiser.id)).id;
    adminToken = await adminTokenOf(world.advertiser);
  });
  afterEach(async () => {
    await app?.close();
    await world.close();
  });

  const adminTokenOf = async (business: { id: string; admin: { ctx: AutopilotWorld["advertiser"]["admin"]["ctx"] } }) => {
    const systemUser = await world.hub.businesses.createSystemUser(business.admin.ctx, business.id, { name: "Console", role: "ADMIN" });
    return (await world.hub.tokens.issueSystemUserToken(business.admin.ctx, systemUser.id, {})).accessToken;
  };
  const connect = (graphUrl = url) => autopilot.workspaces.connect(workspaceId, { graphUrl, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
  const post = (path: string, body: unknown, token = adminToken, ws = workspaceId) =>
    fetch(`${url}/autopilot/workspaces/${ws}/${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  const plan = async (spec: unknown) => (await post("launch/plan", { spec })).json() as Promise<PlanAnswer>;
  const linesOf = async (response: Response) =>
    (await response.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
  /** The ads under "Spring launch" campaigns as the Graph lists them, with the advertiser's own view. */
  const launchedAds = async () => {
    const graph = graphClient(world.server.url, world.token);
    const campaigns = ((await graph("GET", `/${world.account.graphId}/campaigns?fields=id,name&limit=100`)).body.data as { id: string; name: string }[]).filter((c) => c.name === "Spring launch");
    const ads: string[] = [];
    for (const campaign of campaigns) ads.push(...((await graph("GET", `/${campaign.id}/ads?fields=id&limit=100`)).body.data as { id: string }[]).map((a) => a.id));
    return { campaigns: campaigns.length, ads };
  };

  it("plans with every object named and nothing created, runs with streamed progress, and a second plan and run find nothing to create", async () => {
    await connect();
    const planned = await plan(LAUNCH_SPEC);
    expect(planned).toMatchObject({ ad_account_id: world.account.graphId, dry_run: true, created: [], plan: { campaign: "Spring launch", ad_sets: 8, ads: 40, creatives: 5, to_create: { campaigns: 1, ad_sets: 8, ads: 40, creatives: 5 } } });
    expect(planned.objects.campaign).toEqual({ name: "Spring launch", objective: "OUTCOME_SALES", status: "ACTIVE", id: null });
    expect(planned.objects.ad_sets.map((s) => s.name)).toContain("Spring launch – 35-44 – Stories");
    expect(planned.objects.ads).toHaveLength(40);
    expect(planned.objects.ads.filter((a) => a.ad_set === "Spring launch – 18-24 – Feeds").map((a) => a.name)).toEqual(["Tent", "Boots", "Stove", "Lamp", "Pack"]);
    expect([...planned.objects.ads, ...planned.objects.ad_sets, ...planned.objects.creatives].every((o) => o.id === null)).toBe(true);
    expect(await launchedAds()).toEqual({ campaigns: 0, ads: [] });

    const response = await post("launch", { spec: LAUNCH_SPEC });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const lines = await linesOf(response);
    const progress = lines.slice(0, -1).map((l) => l.progress!);
    expect(progress.every((p) => p !== undefined && p.done <= p.total)).toBe(true);
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(["reading", "validating", "creating", "activating"]));
    const running = progress.filter((p) => p.phase !== "reading");
    for (let i = 1; i < running.length; i += 1) expect(running[i]!.done).toBe(running[i - 1]!.done + 1);
    expect(running.at(-1)!.done).toBe(running.at(-1)!.total);
    const report = lines.at(-1)!.report!;
    expect(report.created.filter((o) => o.type === "ad")).toHaveLength(40);
    const live = await launchedAds();
    expect(live.campaigns).toBe(1);
    expect(live.ads.sort()).toEqual(report.created.filter((o) => o.type === "ad").map((o) => o.id).sort());
    const audit = await world.hub.store.db.selectFrom("audit_entries").select("after_json").where("action", "=", "autopilot.launch").execute();
    expect(audit.map((a) => JSON.parse(a.after_json!))).toEqual([{ ad_account_id: world.account.graphId, campaign: "Spring launch", created: { campaign: 1, creative: 5, adset: 8, ad: 40 } }]);

    // The same spec, planned and run again: everything exists, with its id, and nothing is created twice.
    const again = await plan(LAUNCH_SPEC);
    expect(again.plan.to_create).toEqual({ campaigns: 0, creatives: 0, ad_sets: 0, ads: 0 });
    expect(again.objects.ads.map((a) => a.id).sort()).toEqual(live.ads.sort());
    const rerun = (await linesOf(await post("launch", { spec: LAUNCH_SPEC }))).at(-1)!;
    expect(rerun.report!.created).toEqual([]);
    expect((await launchedAds()).ads).toHaveLength(40);
  });

  it("takes the spec as a JSON object too, refuses bad specs with every problem named before any Graph call, and runs one launch at a time", async () => {
    await connect();
    const asObject = await plan({ campaign: { name: "Spring launch", objective: "OUTCOME_SALES" }, audiences: [{ name: "All", targeting: {} }], creatives: [{ name: "Tent", title: "Tent sale", link_url: "https://shop.example.test/tent" }] });
    expect(asObject.objects.ads).toEqual([{ name: "Tent", ad_set: "Spring launch – All – Automatic placements", creative: "Tent", id: null }]);

    const refusals: [unknown, RegExp][] = [
      [{ spec: "campaign: {name: X}\naudiences: []\n" }, /^Invalid launch spec: campaign\.objective: .*; audiences: .*; creatives: /],
      [{ spec: "campaign: [" }, /^The launch spec is not valid YAML or JSON/],
      [{ spec: `${LAUNCH_SPEC}\nheadlines: [${Array.from({ length: 7 }, (_, i) => `"H${i}"`).join(",")}]\n` }, /would create 280 ads; Meta's smallest per-Page limit is 250/],
      [{ spec: "x".repeat(200_001) }, /^Invalid spec: /],
      [{ spec: LAUNCH_SPEC, dry_run: true }, /^Invalid body: Unrecognized key/],
      [{}, /^Invalid spec: /],
    ];
    for (const [body, message] of refusals) {
      for (const path of ["launch/plan", "launch"]) {
        const refused = await post(path, body);
        expect(refused.status).toBe(400);
        expect(refused.headers.get("content-type")).toMatch(/^application\/json/);
        expect(((await refused.json()) as ErrorAnswer).error.message).toMatch(message);
      }
    }
    expect(await launchedAds()).toEqual({ campaigns: 0, ads: [] });

    // Two runs at once: one launches, the other is refused before it reads anything; 40 ads, not 80.
    const [a, b] = await Promise.all([post("launch", { spec: LAUNCH_SPEC }), post("launch", { spec: LAUNCH_SPEC })]);
    const answers = await Promise.all([a, b].map(async (r) => ({ status: r.status, text: await r.text() })));
    const refused = answers.find((r) => r.status === 400)!;
    expect(JSON.parse(refused.text).error.message).toBe("A launch in Acme is already running; wait for it to finish before starting another.");
    const ran = answers.find((r) => r.status === 200)!;
    expect((JSON.parse(ran.text.trim().split("\n").at(-1)!) as Line).report!.created.filter((o) => o.type === "ad")).toHaveLength(40);
    expect((await launchedAds()).ads).toHaveLength(40);
  });

  it("a run that fails part-way ends with the Graph's refusal and the roll-back said plainly, leaving nothing", async () => {
    const proxy = await startFaultyProxy(url);
    try {
      await connect(proxy.url);
      proxy.failOn("POST", /\/ads(\?|$)/, 21);
      const lines = await linesOf(await post("launch", { spec: LAUNCH_SPEC }));
      expect(lines.some((l) => l.progress?.phase === "rolling_back")).toBe(true);
      expect(lines.at(-1)!.error).toMatchObject({ code: 100, message: expect.stringMatching(/^The launch stopped: \(#100\) .*The 34 objects it had created were deleted\.$/) });
      expect(await launchedAds()).toEqual({ campaigns: 0, ads: [] });
      expect(await world.hub.store.db.selectFrom("audit_entries").select("seq").where("action", "=", "autopilot.launch").execute()).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("refuses anyone but the advertiser's admins; another business's admin learns nothing, not even that the workspace exists", async () => {
    await connect();
    const rival = await buildBusiness(world.hub, "Rival Outdoor");
    const rivalToken = await adminTokenOf(rival);
    // The rival's own workspace does not open the advertiser's either.
    await autopilot.workspaces.create("Rival", rival.id);
    const answers = [];
    for (const [token, ws] of [
      [rivalToken, workspaceId],
      [rivalToken, "99999999"],
    ] as const) {
      for (const path of ["launch/plan", "launch"]) {
        const refused = await post(path, { spec: LAUNCH_SPEC }, token, ws);
        expect(refused.status).toBe(400);
        const { error } = (await refused.json()) as ErrorAnswer;
        answers.push({ ...error, fbtrace_id: undefined });
      }
    }
    // The same words whether the workspace exists or not: code 200, as Meta refuses a stranger.
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toMatchObject({ code: 200, message: "(#200) You cannot manage this Autopilot workspace." });
    // The advertiser's own people who are not admins are told why (here: an app token without business_management).
    const employee = await post("launch/plan", { spec: LAUNCH_SPEC }, world.token);
    expect(((await employee.json()) as ErrorAnswer).error).toMatchObject({ code: 200, message: "(#200) The access token needs the business_management scope for managing Autopilot." });
    expect(await launchedAds()).toEqual({ campaigns: 0, ads: [] });
    expect(await world.hub.store.db.selectFrom("audit_entries").select("seq").where("action", "=", "autopilot.launch").execute()).toEqual([]);
  });
});
