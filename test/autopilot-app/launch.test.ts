import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseLaunchSpec, planLaunch, type LaunchSpec } from "../../src/autopilot/app/launch/launchSpec.ts";
import type { LaunchProgress } from "../../src/autopilot/app/launch/launch.service.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { buildAutopilotWorld, LAUNCH_SPEC as SPEC, startFaultyProxy, type AutopilotWorld } from "./world.ts";

describe("launch specs", () => {
  it("plan every audience × placement ad set and every creative × headline ad, named by the templates", () => {
    const spec = parseLaunchSpec(`${SPEC}\nheadlines: ["Save 20%", "Free shipping"]\n`);
    const plan = planLaunch(spec, "2026-06-15");
    expect(plan.adSets.map((s) => s.name)).toContain("Spring launch – 25-34 – Stories");
    expect(plan.adSets).toHaveLength(8);
    expect(plan.creatives).toHaveLength(10);
    expect(plan.ads).toHaveLength(80);
    expect(plan.ads.filter((a) => a.adSetKey === plan.adSets[0]!.key).map((a) => a.name)).toContain("Boots – Free shipping");
    // Targeting: the ad set's, then the audience's, then the placement's, merged key by key.
    expect(plan.adSets[1]!.params.targeting).toEqual({ geo_locations: { countries: ["US"] }, age_min: 18, age_max: 24, publisher_platforms: ["instagram"] });
  });

  it("refuse a spec with every problem named, names that would collide, and more ads than a Page may run", () => {
    expect(() => parseLaunchSpec("campaign: {name: X}\naudiences: []\n")).toThrow(/campaign\.objective: .*; audiences: .*; creatives: /);
    expect(() => parseLaunchSpec("campaign: [")).toThrow(/not valid YAML or JSON/);
    const colliding = parseLaunchSpec(SPEC.replace("daily_budget: 2000", 'daily_budget: 2000\n  name: "{campaign}"'));
    expect(() => planLaunch(colliding, "2026-06-15")).toThrow(/would both be named "Spring launch"/);
    const huge = parseLaunchSpec(`${SPEC}\nheadlines: [${Array.from({ length: 7 }, (_, i) => `"H${i}"`).join(",")}]\n`);
    expect(() => planLaunch(huge, "2026-06-15")).toThrow(/would create 280 ads; Meta's smallest per-Page limit is 250/);
  });
});

describe.each(DIALECTS)("grantline autopilot launch on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    world = await buildAutopilotWorld(dialect, { days: 3 });
  });
  afterEach(async () => {
    await world.close();
  });

  const connect = async (graphUrl: string) => {
    const autopilot = world.autopilot();
    const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
    await autopilot.workspaces.connect(ws.id, { graphUrl, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
    return autopilot;
  };
  /** The launch's campaign, its ad sets and their ads as the Graph lists them (deleted objects left out, as Meta does). */
  const launched = async () => {
    const graph = graphClient(world.server.url, world.token);
    const campaigns = ((await graph("GET", `/${world.account.graphId}/campaigns?fields=id,name,status&limit=100`)).body.data as { id: string; name: string; status: string }[]).filter((c) => c.name === "Spring launch");
    const adSets: { id: string; status: string }[] = [];
    const ads: { id: string; status: string }[] = [];
    for (const campaign of campaigns) {
      adSets.push(...((await graph("GET", `/${campaign.id}/adsets?fields=id,status&limit=100`)).body.data as { id: string; status: string }[]));
    }
    for (const adSet of adSets) ads.push(...((await graph("GET", `/${adSet.id}/ads?fields=id,status&limit=100`)).body.data as { id: string; status: string }[]));
    const creatives = ((await graph("GET", `/${world.account.graphId}/adcreatives?fields=id,name&limit=500`)).body.data as { name: string }[]).filter((c) => ["Tent", "Boots", "Stove", "Lamp", "Pack"].includes(c.name));
    return { campaigns, adSets, ads, creatives };
  };

  it("creates exactly 40 ads, switched on once all exist; a second run creates nothing", async () => {
    const autopilot = await connect(world.server.url);
    const spec: LaunchSpec = parseLaunchSpec(SPEC);
    const dry = await autopilot.launches.launch("Acme", spec, { dryRun: true });
    expect(dry).toMatchObject({ dry_run: true, created: [], plan: { ad_sets: 8, ads: 40, to_create: { campaigns: 1, ad_sets: 8, ads: 40, creatives: 5 } } });
    expect((await launched()).campaigns).toEqual([]);

    const progress: LaunchProgress[] = [];
    const first = await autopilot.launches.launch("Acme", spec, { onProgress: (p) => progress.push(p) });
    expect(first.created.filter((o) => o.type === "ad")).toHaveLength(40);
    expect(first.created.filter((o) => o.type === "adset")).toHaveLength(8);
    expect(first.created.filter((o) => o.type === "creative")).toHaveLength(5);
    expect(progress.at(-1)).toMatchObject({ phase: "activating" });
    expect(progress.at(-1)!.done).toBe(progress.at(-1)!.total);
    const live = await launched();
    expect(live.campaigns).toHaveLength(1);
    expect(live.campaigns[0]!.status).toBe("ACTIVE");
    expect(live.adSets).toHaveLength(8);
    expect(live.ads).toHaveLength(40);
    expect(live.ads.every((a) => a.status === "ACTIVE")).toBe(true);

    const second = await autopilot.launches.launch("Acme", spec);
    expect(second.created).toEqual([]);
    expect(second.plan.to_create).toEqual({ campaigns: 0, creatives: 0, ad_sets: 0, ads: 0 });
    expect((await launched()).ads).toHaveLength(40);
  });

  it("a launch failing half-way deletes everything it created and says so; a refusal at validation creates nothing", async () => {
    const proxy = await startFaultyProxy(world.server.url);
    try {
      const autopilot = await connect(proxy.url);
      const spec = parseLaunchSpec(SPEC);
      proxy.failOn("POST", /\/ads(\?|$)/, 21);
      await expect(autopilot.launches.launch("Acme", spec)).rejects.toThrow(/The launch stopped: \(#100\) .*The 34 objects it had created were deleted\./);
      expect(await launched()).toEqual({ campaigns: [], adSets: [], ads: [], creatives: [] });

      // The Graph refuses the campaign at validation (an objective Meta does not have): nothing is created.
      const bad = parseLaunchSpec(SPEC.replace("OUTCOME_SALES", "MORE_MONEY"));
      await expect(autopilot.launches.launch("Acme", bad)).rejects.toThrow(/The launch stopped: .*objective.*Nothing had been created\./);
      expect(await launched()).toEqual({ campaigns: [], adSets: [], ads: [], creatives: [] });

      // With the fault gone the same spec launches whole.
      proxy.failOn("POST", /never/, 1);
      const done = await autopilot.launches.launch("Acme", spec);
      expect(done.created.filter((o) => o.type === "ad")).toHaveLength(40);
    } finally {
      await proxy.close();
    }
  });
});
