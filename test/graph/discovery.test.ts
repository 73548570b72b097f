import bizSdk from "facebook-nodejs-business-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { hashToken } from "../../src/hub/tokens/accessToken.service.ts";
import { Browser } from "../auth/browser.ts";
import { authorizeApp, buildOAuthWorld, PASSWORD, type OAuthWorld } from "../oauth/oauthWorld.ts";
import { adServicesOf, buildAdTree, buildBusiness, buildMember, buildShare, type TestBusiness } from "../support/factories.ts";
import { DIALECTS, makeTestStore, type TestStore } from "../support/hubs.ts";
import { graphClient } from "../support/servers.ts";

const { FacebookAdsApi, User, AdAccount } = bizSdk;

/** Points Meta's official SDK at a Grantline server, as a tool builder would. */
function pointSdkAt(url: string): void {
  Object.defineProperty(FacebookAdsApi, "GRAPH", { get: () => url, configurable: true });
  Object.defineProperty(FacebookAdsApi, "GRAPH_VIDEO", { get: () => url, configurable: true });
}

type SdkRow = { _data: Record<string, unknown> };
const dataOf = (rows: SdkRow[]) => rows.map((r) => r._data);

describe.each(DIALECTS)("account and asset discovery at /me on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let world: OAuthWorld;
  let personToken: string;
  let stranger: TestBusiness;
  let strangerAccount: string;
  let agency: TestBusiness;
  let agencyBotToken: string;
  let sharedAccount: Awaited<ReturnType<typeof buildAdTree>>;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    world = await buildOAuthWorld(hub, `discovery-${dialect}`);
    pointSdkAt(world.url);
    const browser = new Browser(world.url);
    await browser.post("/auth/login", { email: world.person.email, password: PASSWORD });
    personToken = (await browser.get("/auth/session")).body.access_token as string;

    // An account of another business nobody here reaches.
    stranger = await buildBusiness(hub, "Stranger Co");
    strangerAccount = (await buildAdTree(hub, adServicesOf(hub), stranger)).account.graphId;

    // An agency whose system user is staffed, View performance only, on one of a client's accounts.
    const client = await buildBusiness(hub, "Client Co");
    sharedAccount = await buildAdTree(hub, adServicesOf(hub), client);
    agency = await buildBusiness(hub, "Northwind Media");
    await buildShare(hub, client, agency, sharedAccount.account.id, "VIEW_ONLY");
    const bot = await hub.businesses.createSystemUser(agency.admin.ctx, agency.id, { name: "Nightly Report", role: "EMPLOYEE" });
    await hub.assignments.assign(agency.admin.ctx, { assetId: sharedAccount.account.id, principalId: bot.id, tasks: ["ANALYZE"] });
    agencyBotToken = (await hub.tokens.issueSystemUserToken(agency.admin.ctx, bot.id, {})).accessToken;
  });
  afterAll(async () => {
    await world.close();
    await store.cleanup();
  });

  it("a system user's reporting job lists its ad accounts with the official SDK and reads their insights", async () => {
    const api = new FacebookAdsApi(agencyBotToken);
    const accounts = await new User("me", {}, undefined, api).getAdAccounts(["name", "account_id", "currency", "account_status"]);
    expect(dataOf(accounts)).toEqual([
      { id: sharedAccount.account.graphId, name: sharedAccount.account.name, account_id: sharedAccount.account.id, currency: expect.any(String), account_status: 1 },
    ]);
    // ANALYZE is Meta's "View performance": the reporting job reads insights with it.
    const insights = await new AdAccount(sharedAccount.account.graphId, {}, undefined, api).getInsights(["spend", "impressions"], { date_preset: "last_7d" });
    expect(Array.isArray(insights)).toBe(true);
    // The fields a reporting job reads from each listed account are the node's own.
    const [listed] = dataOf(await new User("me", {}, undefined, api).getAdAccounts(["amount_spent", "user_tasks", "timezone_id", "balance"]));
    const node = (await new AdAccount(sharedAccount.account.graphId, {}, undefined, api).get(["amount_spent", "user_tasks", "timezone_id", "balance"]))._data;
    expect(listed).toEqual({ id: sharedAccount.account.graphId, amount_spent: expect.stringMatching(/^\d+$/), user_tasks: expect.arrayContaining(["ANALYZE"]), timezone_id: expect.any(Number), balance: "0" });
    expect(listed).toEqual(node);
    const businesses = await new User("me", {}, undefined, api).getBusinesses(["name"]);
    expect(dataOf(businesses)).toEqual([{ id: agency.id, name: "Northwind Media" }]);
  });

  it("a person's token lists every account the person reaches, and not the others'", async () => {
    const api = new FacebookAdsApi(personToken);
    const accounts = dataOf(await new User("me", {}, undefined, api).getAdAccounts(["name"]));
    expect(accounts.map((a) => a.id).sort()).toEqual([`act_${world.assets.adAccountA}`, `act_${world.assets.adAccountB}`].sort());
    expect(accounts.map((a) => a.id)).not.toContain(strangerAccount);
    // Defaults are Meta's (id and account_id), and the edge pages like every other.
    const graph = graphClient(world.url, personToken);
    const first = await graph("GET", "/v24.0/me/adaccounts?limit=1");
    expect(first.body.data).toEqual([{ id: expect.stringMatching(/^act_\d+$/), account_id: expect.any(String) }]);
    const second = await fetch(first.body.paging.next);
    expect(((await second.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it("an app token sees only the accounts picked at consent", async () => {
    const { tokens } = await authorizeApp(world, new Browser(world.url), { scope: "ads_read pages_show_list", assets: [world.assets.adAccountA, world.assets.page] });
    const api = new FacebookAdsApi(tokens.access_token);
    expect(dataOf(await new User("me", {}, undefined, api).getAdAccounts(["name"]))).toEqual([{ id: `act_${world.assets.adAccountA}`, name: "Account A" }]);
    const pages = dataOf(await new User("me", {}, undefined, api).getAccounts(["name", "tasks"]));
    expect(pages).toEqual([{ id: world.assets.page, name: "The Page", tasks: expect.arrayContaining(["MANAGE", "ANALYZE"]) }]);
    // No business was picked: the app reaches none of the person's businesses' own edges.
    expect(dataOf(await new User("me", {}, undefined, api).getBusinesses(["name"]))).toEqual([]);
  });

  it("lists the Pages a person reaches, each with a Page access token limited to that Page and stored hashed", async () => {
    const graph = graphClient(world.url, personToken);
    const listed = await graph("GET", "/me/accounts");
    expect(listed.body.data).toEqual([{ id: world.assets.page, name: "The Page", access_token: expect.stringMatching(/^GLP/), tasks: expect.arrayContaining(["MANAGE"]) }]);
    const pageToken = listed.body.data[0].access_token as string;
    // Listing again gives the same token; only its hash is kept.
    expect((await graph("GET", "/me/accounts?fields=access_token")).body.data[0].access_token).toBe(pageToken);
    const rows = await hub.store.db.selectFrom("access_tokens").selectAll().where("asset_id", "=", world.assets.page).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ token_hash: hashToken(pageToken), kind: "page", principal_id: world.person.id });
    expect(JSON.stringify(rows)).not.toContain(pageToken);

    const asPage = graphClient(world.url, pageToken);
    expect((await asPage("GET", "/me")).body).toEqual({ id: world.assets.page, name: "The Page" });
    expect((await asPage("GET", `/${world.assets.page}?fields=name`)).status).toBe(200);
    const otherAsset = await asPage("GET", `/act_${world.assets.adAccountA}`);
    expect(otherAsset.body.error).toMatchObject({ code: 200 });
    expect(otherAsset.body.error.error_user_msg).toContain("reaches only The Page");
    expect((await asPage("GET", `/${world.business.id}/owned_ad_accounts`)).body.error.code).toBe(200);
    expect((await asPage("GET", "/me/adaccounts")).body.error).toMatchObject({ code: 100, message: "(#100) Tried accessing nonexisting field (adaccounts) on node type (Page)" });
    // It ends with the token it came from.
    const parent = await hub.store.db.selectFrom("access_tokens").select("id").where("token_hash", "=", hashToken(personToken)).executeTakeFirstOrThrow();
    await hub.tokens.revoke(principalContext("person", world.person.id), parent.id, null);
    expect((await asPage("GET", "/me")).body.error.code).toBe(190);
  });

  it("permissions mean what they mean on Meta: ANALYZE reports, AA_ANALYZE alone does not, DRAFT does not launch", async () => {
    const client = await buildBusiness(hub, "Reporting Client");
    const tree = await buildAdTree(hub, adServicesOf(hub), client);
    const analyst = await buildMember(hub, client, "EMPLOYEE", "Advanced Analyst");
    const drafter = await buildMember(hub, client, "EMPLOYEE", "Drafter");
    await hub.assignments.assign(client.admin.ctx, { assetId: tree.account.id, principalId: analyst.id, tasks: ["AA_ANALYZE"] });
    await hub.assignments.assign(client.admin.ctx, { assetId: tree.account.id, principalId: drafter.id, tasks: ["DRAFT", "ANALYZE"] });
    expect(hub.engine.check({ principalId: analyst.id }, "read_insights", tree.account.id)).toBe(false);
    expect(hub.engine.check({ principalId: drafter.id }, "read_insights", tree.account.id)).toBe(true);
    expect(hub.engine.check({ principalId: drafter.id }, "create_draft", tree.account.id)).toBe(true);
    expect(hub.engine.check({ principalId: drafter.id }, "create_campaign", tree.account.id)).toBe(false);
    const why = hub.engine.explain({ principalId: analyst.id }, "read_insights", tree.account.id);
    expect(why.reason).toContain("reading insights needs ANALYZE");
  });
});
