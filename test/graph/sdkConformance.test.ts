import bizSdk from "facebook-nodejs-business-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hub } from "../../src/hub/hub.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { bootstrapWithCli, startServer, type Bootstrapped, type RunningServer } from "../support/servers.ts";

const { FacebookAdsApi, Business, AdAccount, SystemUser } = bizSdk;

/** Points Meta's official SDK at a Grantline server, as a tool builder would. */
function pointSdkAt(url: string): void {
  Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => url, configurable: true });
  Object.defineProperty(FacebookAdsApi, "GRAPH_VIDEO", { get: () => url, configurable: true });
}

describe.each(DIALECTS)("Meta's Node SDK against the Graph surface on %s", (dialect) => {
  let store: TestStore;
  let hub: Hub;
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

    // The agency reads the account; the moment the owner removes it, it reads nothing.
    const seen = await agencyAccount.read(["name", "currency"]);
    expect(seen._data).toMatchObject({ name: "Acme Main", currency: "USD" });
    await ownerAccount.deleteAgencies({ business: agency.business_id });
    const after = await agencyAccount.read(["name"]).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(Error);
    expect(await agencyBusiness.getClientAdAccounts(["name"])).toHaveLength(0);
    expect(await new SystemUser(agency.system_user_id, {}, undefined, agencyApi).getAssignedAdAccounts(["name"])).toHaveLength(0);
  });
});
