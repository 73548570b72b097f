import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { buildServer } from "../../src/http/server.ts";
import { adServicesOf, buildAd } from "../support/factories.ts";
import { runGrantline } from "../support/cli.ts";
import { DIALECTS } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";
import { buildAutopilotWorld, type AutopilotWorld } from "./world.ts";

interface Rate {
  mean: number;
  low: number;
  high: number;
}
interface Ad {
  id: string;
  name: string;
  status: string;
  in_test: boolean;
  spend_share_7d: number;
  ctr: Rate;
  cvr: Rate;
  chance_of_best: number | null;
}

describe.each(DIALECTS)("creative standings on %s", (dialect) => {
  let world: AutopilotWorld;
  beforeEach(async () => {
    // The CLI runs on the real clock, so the history ends yesterday for real.
    world = await buildAutopilotWorld(dialect, { days: 20, start: Date.now() });
  });
  afterEach(async () => {
    await world.close();
  });

  it("shows each ad's posterior, with a creative made after its ad set started delivering in test, to the workspace's admins only", { timeout: 120_000 }, async () => {
    const [lookalike] = world.adSets;
    // A new creative in the Lookalike ad set, made today: twenty days after the ad set began delivering.
    const fresh = await buildAd(adServicesOf(world.hub), world.advertiser.admin.ctx, world.account.graphId, lookalike!.id, world.creativeId, { name: "New B", status: "ACTIVE" });
    const autopilot = world.autopilot();
    const app = await buildServer(world.hub, { logLevel: "silent", autopilot: { autopilot, host: world.host } });
    await app.listen({ host: "127.0.0.1", port: 0 });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
      const ws = await autopilot.workspaces.create("Acme", world.advertiser.id);
      const view = await autopilot.workspaces.connect(ws.id, { graphUrl: url, accessToken: world.token, adAccountId: world.account.graphId, scopes: ["ads_read", "ads_management"] });
      const adminToken = (await world.hub.tokens.issueSystemUserToken(world.advertiser.admin.ctx, (await world.hub.businesses.createSystemUser(world.advertiser.admin.ctx, world.advertiser.id, { name: "Console", role: "ADMIN" })).id, {})).accessToken;
      const admin = graphClient(url, adminToken);
      // Before the first scan the account is listed with no standings, and the CLI says why.
      const unscanned = await admin("GET", `/autopilot/workspaces/${ws.id}/creatives`);
      expect(unscanned.body).toEqual({ data: [{ connection: view.id, ad_account_id: world.account.graphId, through: null, ad_sets: [] }] });
      expect((await runGrantline(world.store.env, "autopilot", "creatives", "--workspace", "Acme")).stdout).toContain(`${world.account.graphId}: not scanned yet`);

      await autopilot.scans.scan(await autopilot.workspaces.connection(view.id));
      const answer = await admin("GET", `/autopilot/workspaces/${ws.id}/creatives`);
      expect(answer.status).toBe(200);
      const [report] = answer.body.data;
      expect(report).toMatchObject({ connection: view.id, ad_account_id: world.account.graphId });
      expect(report.ad_sets.map((s: { id: string }) => s.id).sort()).toEqual(world.adSets.map((s) => s.id).sort());
      for (const set of report.ad_sets as { id: string; ads: Ad[] }[]) {
        const shares = set.ads.reduce((x, a) => x + a.spend_share_7d, 0);
        expect(shares).toBeCloseTo(1, 3);
        const chances = set.ads.reduce((x, a) => x + (a.chance_of_best ?? 0), 0);
        expect(chances).toBeCloseTo(1, 3);
        for (const a of set.ads) {
          for (const r of [a.ctr, a.cvr]) {
            expect(r.low).toBeLessThanOrEqual(r.mean);
            expect(r.mean).toBeLessThanOrEqual(r.high);
          }
          // Every old ad has thousands of impressions behind it; only the new one is in test.
          expect(a.in_test).toBe(a.id === fresh.id);
        }
      }
      const newAd = (report.ad_sets as { ads: Ad[] }[]).flatMap((s) => s.ads).find((a) => a.id === fresh.id)!;
      expect(newAd).toMatchObject({ name: "New B", status: "ACTIVE", in_test: true, spend_share_7d: 0 });
      // No delivery yet: its click-through interval is as wide as the prior leaves it.
      expect(newAd.ctr.high - newAd.ctr.low).toBeGreaterThan(0.005);

      // Only the workspace's advertiser admins see it: not Autopilot's token, not another workspace's admin.
      expect((await graphClient(url, world.token)("GET", `/autopilot/workspaces/${ws.id}/creatives`)).body.error).toMatchObject({ code: 200 });
      const rival = await bootstrapBusiness(world.hub, "Rival Outdoor");
      await autopilot.workspaces.create("Rival", rival.business_id);
      const refused = await graphClient(url, rival.access_token)("GET", `/autopilot/workspaces/${ws.id}/creatives`);
      // A stranger is told the same as for a workspace that does not exist, as on every workspace route.
      const missing = await graphClient(url, rival.access_token)("GET", `/autopilot/workspaces/no-such-workspace/creatives`);
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 200, message: "(#200) You cannot manage this Autopilot workspace." });
      expect({ ...refused.body.error, fbtrace_id: undefined }).toEqual({ ...missing.body.error, fbtrace_id: undefined });
      expect(JSON.stringify(refused.body)).not.toContain("New B");
      const unknown = await admin("GET", `/autopilot/workspaces/${ws.id}/creatives?connection=act_999`);
      expect(unknown.status).toBe(400);
      expect(unknown.body.error.message).toMatch(/has no active connection act_999/);

      // The CLI reads the same standings from the store.
      const cli = (...args: string[]) => runGrantline(world.store.env, "autopilot", "creatives", ...args);
      const [json] = JSON.parse((await cli("--workspace", "Acme", "--connection", world.account.graphId, "--json")).stdout);
      expect(json).toEqual(report);
      expect((await cli("--workspace", "Acme")).stdout).toMatch(/New B \[ACTIVE, in test\]: 0% of 7-day spend, click-through [\d.]+% \(80%: [\d.]+%–[\d.]+%\), purchases per click .* chance of being the best/);
    } finally {
      await app.close();
    }
  });
});
