import bizSdk from "facebook-nodejs-business-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { startServer, type RunningServer } from "../support/servers.ts";

const { FacebookAdsApi, AdAccount, AdSet } = bizSdk;

/** Points Meta's official SDK at a Grantline server, as a tool builder would. */
function pointSdkAt(url: string): void {
  Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => url, configurable: true });
  Object.defineProperty(FacebookAdsApi, "GRAPH_VIDEO", { get: () => url, configurable: true });
}

/**
 * Meta's Node SDK as a partner's tool uses it, under a guardrail the owner set: a budget raise
 * above the limit fails with the documented error (HTTP 400, Graph code 200, the guardrail and its
 * value in the message; docs/guardrails.md); within it, the same call succeeds.
 */
describe.each(DIALECTS)("partner guardrails through Meta's Node SDK on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    pointSdkAt(server.url);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("refuses a partner's raise above max_daily_budget and accepts one within it", async () => {
    const owner = await bootstrapBusiness(hub, "Acme Outdoor");
    const agency = await bootstrapBusiness(hub, "Northwind Media");
    const ownerApi = new FacebookAdsApi(owner.access_token);
    const agencyApi = new FacebookAdsApi(agency.access_token);
    const created = await ownerApi.call("POST", [owner.business_id, "adaccount"], { name: "Acme Main", currency: "USD", timezone_id: 1 });
    const accountId: string = created.id;
    const ownerAccount = new AdAccount(accountId, {}, undefined, ownerApi);
    await ownerAccount.createAgency([], { business: agency.business_id, permitted_tasks: ["ADVERTISE", "ANALYZE", "DRAFT"] });
    await agencyApi.call("POST", [agency.business_id, "client_ad_accounts"], { adaccount_id: accountId, permitted_tasks: ["ADVERTISE", "ANALYZE", "DRAFT"] });
    const agencyAccount = new AdAccount(accountId, {}, undefined, agencyApi);
    await agencyAccount.createAssignedUser([], { user: agency.system_user_id, tasks: ["ADVERTISE", "ANALYZE", "DRAFT"] });

    const campaign = await ownerAccount.createCampaign([], { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [] });
    const adSet = await ownerAccount.createAdSet([], { campaign_id: campaign.id, name: "Trail runners", daily_budget: 5000 });
    expect(await ownerApi.call("POST", [accountId, "partner_guardrails"], { business: agency.business_id, max_daily_budget: 20000 })).toEqual({ success: true });
    const seen = await agencyApi.call("GET", [accountId, "partner_guardrails"], { business: agency.business_id });
    expect(seen).toEqual({ data: [{ business: agency.business_id, max_daily_budget: 20000 }] });

    const partnerAdSet = new AdSet(adSet.id, {}, undefined, agencyApi);
    const refused = await partnerAdSet.update([], { daily_budget: 25000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).name).toBe("FacebookRequestError");
    const error = refused as { status: number; response: { code: number; message: string; type: string } };
    expect(error.status).toBe(400);
    expect(error.response.code).toBe(200);
    expect(error.response.message).toContain("max_daily_budget = 20000");

    expect(await partnerAdSet.update([], { daily_budget: 20000 })).toMatchObject({ success: true });
    const read = await new AdSet(adSet.id, {}, undefined, ownerApi).read(["daily_budget"]);
    expect(read._data.daily_budget).toBe("20000");
  });
});
