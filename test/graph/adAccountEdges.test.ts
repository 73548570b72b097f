import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** `act_<id>/activities`, `/users` and `/adspixels` over real HTTP. */
describe.each(DIALECTS)("ad account edges on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let agency: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let accountId: string;
  let campaign: string;
  let adSet: string;
  let pixelId: string;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    agency = await bootstrapBusiness(hub, "Agency");
    stranger = await bootstrapBusiness(hub, "Stranger");
    graph = graphClient(server.url, owner.access_token);
    accountId = (await graph("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    campaign = (await graph("POST", `/${accountId}/campaigns`, { name: "Spring", objective: "OUTCOME_SALES", special_ad_categories: [], daily_budget: "1000" })).body.id as string;
    expect((await graph("POST", `/${campaign}`, { name: "Spring 2", daily_budget: "2000" })).status).toBe(200);
    adSet = (await graph("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: "Set" })).body.id as string;
    expect(adSet).toBeTruthy();
    expect((await graph("POST", `/${adSet}`, { targeting: { geo_locations: { countries: ["US"] } } })).status).toBe(200);
    const pixel = await hub.assets.createAsset(operatorContext(), owner.business_id, { type: "pixel", name: "Shop pixel" });
    pixelId = pixel.graphId;
    const assetId = accountId.replace(/^act_/, "");
    await hub.partners.offer(principalContext("system_user", owner.system_user_id), { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("system_user", agency.system_user_id), { partnerBusinessId: agency.business_id, assetId });
    await hub.assignments.assign(principalContext("system_user", agency.system_user_id), { assetId, principalId: agency.system_user_id, tasks: ["ANALYZE"], businessId: agency.business_id });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("activities: Meta's event types from the audit log, with actor, object and old and new values", async () => {
    const response = await graph("GET", `/${accountId}/activities?fields=event_type,event_time,actor_id,actor_name,object_id,object_name,extra_data`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const rows = response.body.data as Record<string, string>[];
    const types = rows.map((r) => r.event_type);
    expect(types).toEqual(expect.arrayContaining(["create_campaign_group", "update_campaign_name", "update_campaign_budget", "create_ad_set", "update_ad_set_target_spec"]));
    const budget = rows.find((r) => r.event_type === "update_campaign_budget")!;
    expect(budget).toMatchObject({ object_id: campaign, object_name: "Spring 2", actor_id: owner.system_user_id });
    expect(JSON.parse(budget.extra_data!)).toEqual({ old_value: 1000, new_value: 2000 });
    expect(budget.event_time).toBe(String(Date.UTC(2026, 0, 5, 12) / 1000));
    expect(typeof budget.actor_name).toBe("string");
    // Newest first.
    expect(types[types.length - 1]).toBe("create_campaign_group");
    // since/until bound the log; a date as `until` takes its whole day.
    expect((await graph("GET", `/${accountId}/activities?since=2026-01-06`)).body.data).toEqual([]);
    expect((await graph("GET", `/${accountId}/activities?until=2026-01-05`)).body.data).toHaveLength(rows.length);
    expect((await graph("GET", `/${accountId}/activities?until=${Date.UTC(2026, 0, 4) / 1000}`)).body.data).toEqual([]);
    // The partner that may view the account reads it; a stranger is told the account does not exist.
    expect((await graphClient(server.url, agency.access_token)("GET", `/${accountId}/activities`)).body.data).toHaveLength(rows.length);
    const hidden = await graphClient(server.url, stranger.access_token)("GET", `/${accountId}/activities`);
    expect(hidden.status).toBe(400);
    expect(hidden.body.error).toMatchObject({ code: 100 });
  });

  it("users: who reaches the account with their tasks; a partner sees only its own people", async () => {
    const all = await graph("GET", `/${accountId}/users?fields=id,name,tasks`);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    const byId = Object.fromEntries((all.body.data as { id: string; tasks: string[] }[]).map((u) => [u.id, u.tasks]));
    expect(byId[owner.system_user_id]).toEqual(expect.arrayContaining(["MANAGE", "ADVERTISE", "ANALYZE"]));
    expect(byId[agency.system_user_id]).toEqual(["ANALYZE"]);
    const partnerView = await graphClient(server.url, agency.access_token)("GET", `/${accountId}/users?fields=id,tasks`);
    expect(partnerView.body.data).toEqual([{ id: agency.system_user_id, tasks: ["ANALYZE"] }]);
    expect((await graphClient(server.url, stranger.access_token)("GET", `/${accountId}/users`)).status).toBe(400);
  });

  it("adspixels: the Pixels of the account's business", async () => {
    const response = await graph("GET", `/${accountId}/adspixels?fields=id,name`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.data).toEqual([{ id: pixelId, name: "Shop pixel" }]);
    // The partner reaches the account but not the owner's Pixel.
    expect((await graphClient(server.url, agency.access_token)("GET", `/${accountId}/adspixels`)).body.data).toEqual([]);
  });
});
