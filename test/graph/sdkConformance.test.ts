import bizSdk from "facebook-nodejs-business-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { operatorContext } from "../../src/hub/context.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { bootstrapWithCli, startServer, type Bootstrapped, type RunningServer } from "../support/servers.ts";

const { FacebookAdsApi, Business, AdAccount, SystemUser, Campaign } = bizSdk;

/** Points Meta's official SDK at a Grantline server, as a tool builder would. */
function pointSdkAt(url: string): void {
  Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => url, configurable: true });
  Object.defineProperty(FacebookAdsApi, "GRAPH_VIDEO", { get: () => url, configurable: true });
}

describe.each(DIALECTS)("Meta's Node SDK against the Graph surface on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let owner: Bootstrapped;
  let agency: Bootstrapped;
  let ownerApi: any, agencyApi: any;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    pointSdkAt(server.url);
    owner = await bootstrapWithCli(store, "Acme Outdoor");
    agency = await bootstrapWithCli(store, "Northwind Media");
    ownerApi = new FacebookAdsApi(owner.access_token);
    agencyApi = new FacebookAdsApi(agency.access_token);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("runs the partner workflow end to end through the SDK", async () => {
    const ownerBusiness = new Business(owner.business_id, {}, undefined, ownerApi);
    const agencyBusiness = new Business(agency.business_id, {}, undefined, agencyApi);

    // The owner creates an ad account and a pixel.
    const created = await ownerBusiness.createAdAccount([], { name: "Acme Main", currency: "USD", timezone_id: 1, end_advertiser: owner.business_id });
    const accountId: string = created.id ?? created._data?.id;
    expect(accountId).toMatch(/^act_\d+$/);
    const pixel = await ownerBusiness.createAdsPixel([], { name: "Acme Pixel" });
    expect(pixel.id).toMatch(/^\d+$/);
    const owned = await ownerBusiness.getOwnedAdAccounts(["name", "currency", "account_status"]);
    expect(owned.map((a: { _data: Record<string, unknown> }) => a._data)).toEqual([
      expect.objectContaining({ id: accountId, name: "Acme Main", currency: "USD", account_status: 1 }),
    ]);

    // The owner offers View only; the agency sees it pending and accepts.
    const ownerAccount = new AdAccount(accountId, {}, undefined, ownerApi);
    await ownerAccount.createAgency([], { business: agency.business_id, permitted_tasks: ["ANALYZE", "AA_ANALYZE"] });
    const pending = await agencyBusiness.getPendingClientAdAccounts(["id", "permitted_tasks", "ad_account"]);
    expect(pending).toHaveLength(1);
    expect(pending[0]._data).toMatchObject({ permitted_tasks: ["ANALYZE", "AA_ANALYZE"], ad_account: { id: accountId } });
    await agencyApi.call("POST", [agency.business_id, "client_ad_accounts"], { adaccount_id: accountId, permitted_tasks: ["ANALYZE", "AA_ANALYZE"] });
    const clients = await agencyBusiness.getClientAdAccounts(["name", "permitted_tasks"]);
    expect(clients.map((a: { id: string }) => a.id)).toEqual([accountId]);
    const agencies = await ownerAccount.getAgencies(["name", "access_status", "permitted_tasks"]);
    expect(agencies[0]._data).toMatchObject({ id: agency.business_id, name: "Northwind Media", access_status: "CONFIRMED" });

    // The agency staffs its system user within the share; more than the share is refused with the reason.
    const agencyAccount = new AdAccount(accountId, {}, undefined, agencyApi);
    const refused = await agencyAccount.createAssignedUser([], { user: agency.system_user_id, tasks: ["ADVERTISE"] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(JSON.stringify((refused as { response?: unknown }).response)).toContain("above the share");
    await agencyAccount.createAssignedUser([], { user: agency.system_user_id, tasks: ["ANALYZE", "AA_ANALYZE"] });
    const assigned = await new SystemUser(agency.system_user_id, {}, undefined, agencyApi).getAssignedAdAccounts(["name", "tasks"]);
    expect(assigned.map((a: { _data: Record<string, unknown> }) => a._data)).toEqual([expect.objectContaining({ id: accountId, tasks: ["ANALYZE", "AA_ANALYZE"] })]);
    const users = await ownerAccount.getAssignedUsers(["name", "tasks"], { business: owner.business_id });
    expect(users).toHaveLength(0);
    const agencyUsers = await agencyAccount.getAssignedUsers(["name", "tasks"], { business: agency.business_id });
    expect(agencyUsers[0]._data).toMatchObject({ id: agency.system_user_id, tasks: ["ANALYZE", "AA_ANALYZE"] });

    // Delivery data for one ad; the agency reads it as insights through the SDK.
    const op = operatorContext();
    const ads = adServicesOf(hub);
    const campaign = await buildCampaign(ads, op, accountId, { status: "ACTIVE" });
    const adSet = await buildAdSet(ads, op, accountId, campaign.id, { status: "ACTIVE" });
    const creative = await buildCreative(ads, op, accountId);
    const ad = await buildAd(ads, op, accountId, adSet.id, creative.id, { status: "ACTIVE" });
    await hub.insights.upsertDailyRows([
      { ad_id: ad.id, date: "2026-01-02", impressions: 1000, reach: 800, clicks: 50, spend: 2500, conversions: 3, revenue: 9000 },
      { ad_id: ad.id, date: "2026-01-03", impressions: 500, reach: 400, clicks: 20, spend: 1500, conversions: 1, revenue: 3000 },
    ]);
    const insights = await agencyAccount.getInsights(["spend", "impressions", "clicks", "actions"], {
      time_range: { since: "2026-01-01", until: "2026-01-31" },
      level: "account",
    });
    expect(insights).toHaveLength(1);
    expect(insights[0]._data).toMatchObject({ spend: "40.00", impressions: "1500", clicks: "70", date_start: "2026-01-01", date_stop: "2026-01-31" });
    expect(insights[0]._data.actions).toEqual(expect.arrayContaining([{ action_type: "purchase", value: "4" }]));

    // Creating a campaign needs ADVERTISE: refused under View only, allowed once the owner raises the share.
    const campaignParams = { name: "Agency Launch", objective: "OUTCOME_SALES", status: "PAUSED", special_ad_categories: [] };
    const tooEarly = await agencyAccount.createCampaign([], campaignParams).catch((e: unknown) => e);
    expect(tooEarly).toBeInstanceOf(Error);
    expect(JSON.stringify((tooEarly as { response?: unknown }).response)).toContain("ADVERTISE");
    await ownerAccount.createAgency([], { business: agency.business_id, permitted_tasks: presetTasks("ad_account", "STANDARD") });
    await agencyAccount.createAssignedUser([], { user: agency.system_user_id, tasks: ["ANALYZE", "AA_ANALYZE", "ADVERTISE"] });
    const launched = await agencyAccount.createCampaign([], campaignParams);
    expect(launched.id).toMatch(/^\d+$/);
    const read = await new Campaign(launched.id, {}, undefined, agencyApi).read(["name", "status", "effective_status", "objective"]);
    expect(read._data).toMatchObject({ name: "Agency Launch", status: "PAUSED", effective_status: "PAUSED", objective: "OUTCOME_SALES" });

    // 250 campaigns, paged through with the SDK's own cursor.
    for (let i = 0; i < 248; i++) await ads.campaigns.createCampaign(op, accountId, { name: `Bulk ${i}`, objective: "OUTCOME_TRAFFIC", special_ad_categories: [] });
    const cursor = await agencyAccount.getCampaigns(["name"], { limit: 25 });
    const ids: string[] = cursor.map((c: { id: string }) => c.id);
    while (cursor.hasNext()) {
      await cursor.next();
      ids.push(...cursor.map((c: { id: string }) => c.id));
    }
    expect(ids).toHaveLength(250);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toContain(launched.id);

    // The agency reads the account; the moment the owner removes it, it reads nothing.
    const seen = await agencyAccount.read(["name", "currency"]);
    expect(seen._data).toMatchObject({ name: "Acme Main", currency: "USD" });
    await ownerAccount.deleteAgencies({ business: agency.business_id });
    const after = await agencyAccount.read(["name"]).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(Error);
    expect(await agencyBusiness.getClientAdAccounts(["name"])).toHaveLength(0);
    expect(await new SystemUser(agency.system_user_id, {}, undefined, agencyApi).getAssignedAdAccounts(["name"])).toHaveLength(0);
    const gone = await agencyAccount.getCampaigns(["name"]).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(Error);
    const insightsGone = await agencyAccount.getInsights(["spend"], { date_preset: "maximum" }).catch((e: unknown) => e);
    expect(insightsGone).toBeInstanceOf(Error);
  }, 120_000);
});
