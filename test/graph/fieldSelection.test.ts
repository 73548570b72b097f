import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { adServicesOf, buildAdTree, buildAsset, buildBusiness, buildCampaign, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** Meta's answer to a name a node type does not have. */
const nonexisting = (field: string, type: string) => ({
  code: 100,
  type: "OAuthException",
  message: `(#100) Tried accessing nonexisting field (${field}) on node type (${type})`,
});

describe.each(DIALECTS)("field selection like Meta's on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let acme: TestBusiness;
  let tree: Awaited<ReturnType<typeof buildAdTree>>;
  let graph: ReturnType<typeof graphClient>;
  let systemUserId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    acme = await buildBusiness(hub, "Acme");
    tree = await buildAdTree(hub, adServicesOf(hub), acme);
    await buildCampaign(adServicesOf(hub), acme.admin.ctx, tree.account.graphId, { name: "Second" });
    for (const type of ["page", "pixel", "instagram_account", "product_catalog"] as const) ids[type] = (await buildAsset(hub, acme, type)).graphId;
    const systemUser = await hub.businesses.createSystemUser(acme.admin.ctx, acme.id, { name: "Reporter", role: "ADMIN" });
    systemUserId = systemUser.id;
    const issued = await hub.tokens.issueSystemUserToken(acme.admin.ctx, systemUser.id, {});
    graph = graphClient(server.url, issued.accessToken);
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  it("refuses an unknown field on a node with #100 and Meta's type name, instead of dropping it", async () => {
    const cases: [string, string][] = [
      [tree.account.graphId, "AdAccount"],
      [tree.campaign.id, "Campaign"],
      [tree.adSet.id, "AdSet"],
      [tree.ad.id, "Ad"],
      [tree.creative.id, "AdCreative"],
      [acme.id, "Business"],
      ["me", "SystemUser"],
      [ids.page!, "Page"],
      [ids.pixel!, "AdsPixel"],
      [ids.instagram_account!, "IGUser"],
      [ids.product_catalog!, "ProductCatalog"],
    ];
    for (const [id, type] of cases) {
      const response = await graph("GET", `/v24.0/${id}?fields=id,nonsense_field`);
      expect(response.status, `${id} (${type})`).toBe(400);
      expect(response.body.error).toMatchObject(nonexisting("nonsense_field", type));
    }
  });

  it("refuses an unknown field on an edge's items, even when the edge is empty, and an unknown edge", async () => {
    const campaigns = await graph("GET", `/${tree.account.graphId}/campaigns?fields=name,colour`);
    expect(campaigns.body.error).toMatchObject(nonexisting("colour", "Campaign"));
    const accounts = await graph("GET", `/${acme.id}/owned_ad_accounts?fields=name,colour`);
    expect(accounts.body.error).toMatchObject(nonexisting("colour", "AdAccount"));
    const none = await graph("GET", `/${acme.id}/client_pixels?fields=colour`);
    expect(none.body.error).toMatchObject(nonexisting("colour", "AdsPixel"));
    const edge = await graph("GET", `/${tree.account.graphId}/colours`);
    expect(edge.body.error).toMatchObject(nonexisting("colours", "AdAccount"));
    const me = await graph("GET", "/me/colours");
    expect(me.body.error).toMatchObject(nonexisting("colours", "SystemUser"));
  });

  it("answers spec fields it cannot serve as Meta leaves out unset fields, without failing", async () => {
    const account = await graph("GET", `/${tree.account.graphId}?fields=name,tax_id,io_number,currency`);
    expect(account.status).toBe(200);
    expect(account.body).toEqual({ id: tree.account.graphId, name: tree.account.name, currency: expect.any(String) });
    const campaign = await graph("GET", `/${tree.campaign.id}?fields=name,topline_id,boosted_object_id`);
    expect(campaign.body).toEqual({ id: tree.campaign.id, name: tree.campaign.name });
    // Edges Meta has and Grantline does not serve are names of the type too.
    const edge = await graph("GET", `/${tree.account.graphId}?fields=name,adrules_library`);
    expect(edge.body).toEqual({ id: tree.account.graphId, name: tree.account.name });
  });

  it("expands references: campaign{name}, adset{name,id}, business{name}, and a bare reference as its id", async () => {
    const ad = await graph("GET", `/${tree.ad.id}?fields=name,campaign{name},adset{name,id},creative{name}`);
    expect(ad.body).toEqual({
      id: tree.ad.id,
      name: tree.ad.name,
      campaign: { id: tree.campaign.id, name: tree.campaign.name },
      adset: { id: tree.adSet.id, name: tree.adSet.name },
      creative: { id: tree.creative.id, name: tree.creative.name },
    });
    const adSet = await graph("GET", `/${tree.adSet.id}?fields=campaign`);
    expect(adSet.body).toEqual({ id: tree.adSet.id, campaign: { id: tree.campaign.id } });
    const account = await graph("GET", `/${tree.account.graphId}?fields=business{name}`);
    expect(account.body).toEqual({ id: tree.account.graphId, business: { id: acme.id, name: "Acme" } });
    const wrong = await graph("GET", `/${tree.ad.id}?fields=campaign{name,colour}`);
    expect(wrong.body.error).toMatchObject(nonexisting("colour", "Campaign"));
  });

  it("expands edges to any depth with .limit(n), with paging links that carry the sub-fields", async () => {
    const expanded = await graph("GET", `/v24.0/${tree.account.graphId}?fields=name,campaigns.limit(1){name,adsets{name,ads{name}}}`);
    expect(expanded.status).toBe(200);
    const campaigns = expanded.body.campaigns as { data: Record<string, any>[]; paging: { next?: string } };
    expect(campaigns.data).toHaveLength(1);
    expect(Object.keys(campaigns.data[0]!).sort()).toEqual(["adsets", "id", "name"]);
    expect(campaigns.paging.next).toBeDefined();
    const next = await fetch(campaigns.paging.next!);
    const rest = (await next.json()) as { data: { id: string; name: string; adsets: unknown }[] };
    expect(rest.data).toHaveLength(1);
    expect(new Set([campaigns.data[0]!.name, rest.data[0]!.name])).toEqual(new Set([tree.campaign.name, "Second"]));
    const withTree = [campaigns.data[0]!, rest.data[0]!].find((c) => c.id === tree.campaign.id)!;
    expect(withTree.adsets.data).toEqual([{ id: tree.adSet.id, name: tree.adSet.name, ads: { data: [{ id: tree.ad.id, name: tree.ad.name }], paging: expect.any(Object) } }]);
    // The suffix form, and edges of edge items (a reporting tool's usual call).
    const suffix = await graph("GET", `/${tree.account.graphId}?fields=campaigns{name}.limit(2)`);
    expect(suffix.body.campaigns.data).toHaveLength(2);
    const nested = await graph("GET", `/me/adaccounts?fields=name,campaigns{effective_status,colour}`);
    expect(nested.body.error).toMatchObject(nonexisting("colour", "Campaign"));
  });

  it("refuses a malformed fields value with #100", async () => {
    for (const fields of ["campaigns{name", "name,,{", "campaigns.limit(x){name}", "campaigns.limit(2", "na-me"]) {
      const response = await graph("GET", `/${tree.account.graphId}?fields=${encodeURIComponent(fields)}`);
      expect(response.status, fields).toBe(400);
      expect(response.body.error.code, fields).toBe(100);
    }
  });

  it("keeps every field the console and Autopilot ask for", async () => {
    const ok = async (path: string) => {
      const response = await graph("GET", path);
      expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
    };
    await ok(`/me?fields=id,name,businesses`);
    await ok(`/${acme.id}?fields=id,name,verification_status,two_factor_type,created_time`);
    await ok(`/${acme.id}/agencies?fields=id,name,shared_asset_count`);
    await ok(`/${acme.id}/clients?fields=id,name,shared_asset_count`);
    await ok(`/${acme.id}/business_users?fields=id,name,email,role`);
    await ok(`/${acme.id}/system_users?fields=id,name,role,created_time`);
    await ok(`/${acme.id}/pending_users?fields=id,email,role,expiration_time`);
    await ok(`/${acme.id}/client_ad_accounts?fields=id,name,permitted_tasks`);
    await ok(`/${acme.id}/owned_instagram_assets?fields=id,name,username`);
    await ok(`/${tree.account.graphId}/agencies?fields=id,name,access_status,access_level,permitted_tasks,expiration_time`);
    await ok(`/${tree.account.graphId}/assigned_users?business=${acme.id}&fields=id,name,user_type,tasks,permitted_tasks`);
    await ok(`/${tree.account.graphId}?fields=id,name,business,currency,timezone_name`);
    await ok(`/${ids.instagram_account}?fields=id,username,owner_business`);
    await ok(`/${ids.pixel}?fields=id,is_unavailable`);
    await ok(`/${ids.product_catalog}?fields=id,vertical`);
    await ok(`/${tree.account.graphId}/campaigns?fields=id,name,objective,status,effective_status`);
    await ok(`/${tree.account.graphId}/adsets?fields=id,name,campaign_id,status,effective_status,daily_budget,lifetime_budget,end_time`);
    await ok(`/${tree.account.graphId}/ads?fields=id,name,adset_id,campaign_id,status,effective_status,creative,ad_review_feedback`);
    await ok(`/${tree.account.graphId}/adcreatives?fields=id,link_url`);
    await ok(`/${systemUserId}/assigned_ad_accounts?fields=id,name,tasks,permitted_tasks`);
  });
});
