import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operatorContext, principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, snapshotState, TestClock, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";
import { png } from "../support/media.ts";

/**
 * Meta behaviours a reporting or bulk tool relies on, one per test, each asserting the exact shape
 * Meta answers with (Graph API and Marketing API reference pages cited in the code under test).
 * Runs on SQLite, and on PostgreSQL when DATABASE_URL is set.
 */
describe.each(DIALECTS)("Meta behaviours on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let graph: ReturnType<typeof graphClient>;
  let asAnalyst: ReturnType<typeof graphClient>;
  let asStranger: ReturnType<typeof graphClient>;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let analyst: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let accountId: string;
  let pageId: string;
  let pixelId: string;
  let campaigns: Record<string, string>;
  let adSet: string;
  let creative: string;
  let ad: string;

  const ok = async (method: string, path: string, body?: Record<string, unknown>) => {
    const response = await graph(method, path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const refusal = async (client: ReturnType<typeof graphClient>, method: string, path: string, body?: Record<string, unknown>) => {
    const response = await client(method, path, body);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    return response.body.error as { message: string; type: string; code: number; error_subcode?: number; fbtrace_id: string };
  };
  const filtered = async (path: string, filtering: unknown[]) =>
    ((await ok("GET", `${path}${path.includes("?") ? "&" : "?"}fields=name&filtering=${encodeURIComponent(JSON.stringify(filtering))}`)).data as { name: string }[]).map((c) => c.name).sort();

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open(new TestClock());
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme Outdoor");
    analyst = await bootstrapBusiness(hub, "Northwind Reporting");
    const stranger = await bootstrapBusiness(hub, "Curious Stranger");
    graph = graphClient(server.url, owner.access_token);
    asAnalyst = graphClient(server.url, analyst.access_token);
    asStranger = graphClient(server.url, stranger.access_token);
    const ownerCtx = principalContext("system_user", owner.system_user_id);
    accountId = (await ok("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).id as string;
    pageId = (await hub.assets.createAsset(ownerCtx, owner.business_id, { type: "page", name: "Acme Page" })).graphId;
    pixelId = (await hub.assets.createAsset(ownerCtx, owner.business_id, { type: "pixel", name: "Shop pixel" })).graphId;
    campaigns = {};
    for (const [name, budget] of [["Spring Sale", "1000"], ["Summer Sale", "3000"], ["Winter Push", "5000"]] as const) {
      campaigns[name] = (await ok("POST", `/${accountId}/campaigns`, { name, objective: "OUTCOME_SALES", special_ad_categories: [], daily_budget: budget, status: "ACTIVE" })).id as string;
    }
    adSet = (await ok("POST", `/${accountId}/adsets`, { campaign_id: campaigns["Spring Sale"], name: "Spring set", status: "ACTIVE" })).id as string;
    creative = (await ok("POST", `/${accountId}/adcreatives`, { name: "Look", title: "Trail shoes", body: "Light.", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW", object_story_spec: { page_id: pageId, link_data: { link: "https://shop.example.test/", message: "Light." } } })).id as string;
    ad = (await ok("POST", `/${accountId}/ads`, { adset_id: adSet, name: "Spring ad", creative: { creative_id: creative }, status: "ACTIVE" })).id as string;
    const yesterday = new Date(hub.now() - 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    await hub.insights.upsertDailyRows([{ ad_id: ad, date: yesterday, impressions: 1000, reach: 800, clicks: 20, spend: 4000, conversions: 3, revenue: 9000 }]);
    const assetId = accountId.replace(/^act_/, "");
    await hub.partners.offer(ownerCtx, { assetId, partnerBusinessId: analyst.business_id, tasks: presetTasks("ad_account", "ADMIN") });
    const analystCtx = principalContext("system_user", analyst.system_user_id);
    await hub.partners.acceptOrRequest(analystCtx, { partnerBusinessId: analyst.business_id, assetId });
    await hub.assignments.assign(analystCtx, { assetId, principalId: analyst.system_user_id, tasks: ["ANALYZE"], businessId: analyst.business_id });
    const person = await hub.businesses.createPerson(operatorContext(), { name: "Dana Maria Reyes", email: `dana.${dialect}@acme.test` });
    await hub.businesses.setMemberRole(ownerCtx, owner.business_id, person.id, "EMPLOYEE");
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  describe("discovery on the user node", () => {
    it("/me/adaccounts lists the accounts reached, with Meta's defaults id and account_id", async () => {
      expect((await ok("GET", "/me/adaccounts")).data).toEqual([{ id: accountId, account_id: accountId.replace("act_", "") }]);
    });
    it("/me/adaccounts of a partner's system user lists the shared account", async () => {
      expect((await asAnalyst("GET", "/me/adaccounts?fields=name")).body.data).toEqual([{ id: accountId, name: "Main" }]);
    });
    it("/me/businesses of a system user is its business", async () => {
      expect((await ok("GET", "/me/businesses?fields=name")).data).toEqual([{ id: owner.business_id, name: "Acme Outdoor" }]);
    });
    it("/me/assigned_ad_accounts is kept", async () => {
      expect((await asAnalyst("GET", "/me/assigned_ad_accounts")).body.data.map((a: { id: string }) => a.id)).toEqual([accountId]);
    });
    it("/me answers id and name by default", async () => {
      expect(Object.keys(await ok("GET", "/me")).sort()).toEqual(["id", "name"]);
    });
    it("/me?fields=adaccounts{name} expands the edge as an envelope", async () => {
      expect((await ok("GET", "/me?fields=adaccounts{name}")).adaccounts).toMatchObject({ data: [{ id: accountId, name: "Main" }] });
    });
  });

  describe("field selection", () => {
    it("an unknown field is (#100) Tried accessing nonexisting field, with Meta's node type", async () => {
      const error = await refusal(graph, "GET", `/${campaigns["Spring Sale"]}?fields=name,colour`);
      expect(error).toMatchObject({ code: 100, type: "OAuthException", message: "(#100) Tried accessing nonexisting field (colour) on node type (Campaign)" });
    });
    it("an unknown edge in the path is the same #100", async () => {
      expect((await refusal(graph, "GET", `/${accountId}/gadgets`)).message).toBe("(#100) Tried accessing nonexisting field (gadgets) on node type (AdAccount)");
    });
    it("a spec field Grantline does not keep is refused with #100, never dropped", async () => {
      const error = await refusal(graph, "GET", `/${pageId}?fields=name,fan_count`);
      expect(error).toMatchObject({ code: 100, message: "(#100) The field (fan_count) on node type (Page) is not available here: Grantline does not keep it." });
    });
    it("a malformed fields value is a #100 syntax error", async () => {
      expect((await refusal(graph, "GET", `/${accountId}?fields=campaigns{name`)).code).toBe(100);
    });
    it("ad objects answer only their id without fields", async () => {
      expect(await ok("GET", `/${campaigns["Spring Sale"]}`)).toEqual({ id: campaigns["Spring Sale"] });
    });
    it("an unknown field inside an expansion names the inner node type", async () => {
      expect((await refusal(graph, "GET", `/${accountId}?fields=campaigns{nope}`)).message).toBe("(#100) Tried accessing nonexisting field (nope) on node type (Campaign)");
    });
  });

  describe("expansion", () => {
    it("edge{fields}.limit(n) gives n items and a next link", async () => {
      const body = await ok("GET", `/${accountId}?fields=campaigns.limit(1){name}`);
      expect(body.campaigns.data).toHaveLength(1);
      expect(body.campaigns.paging.next).toEqual(expect.stringContaining(`/${accountId}/campaigns?`));
    });
    it("adset{name} expands the ad's ad set", async () => {
      expect((await ok("GET", `/${ad}?fields=adset{name}`)).adset).toEqual({ id: adSet, name: "Spring set" });
    });
    it("campaign{name} expands the ad's campaign", async () => {
      expect((await ok("GET", `/${ad}?fields=campaign{name}`)).campaign).toEqual({ id: campaigns["Spring Sale"], name: "Spring Sale" });
    });
    it("creative{title} expands the ad's creative", async () => {
      expect((await ok("GET", `/${ad}?fields=creative{title}`)).creative).toEqual({ id: creative, title: "Trail shoes" });
    });
    it("business{name} expands the account's business", async () => {
      expect((await ok("GET", `/${accountId}?fields=business{name}`)).business).toEqual({ id: owner.business_id, name: "Acme Outdoor" });
    });
    it("nested expansion two levels deep", async () => {
      const body = await ok("GET", `/${accountId}?fields=campaigns{name,adsets{name}}`);
      const spring = body.campaigns.data.find((c: { name: string }) => c.name === "Spring Sale");
      expect(spring.adsets.data).toEqual([{ id: adSet, name: "Spring set" }]);
    });
  });

  describe("filtering", () => {
    it("EQUAL", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "name", operator: "EQUAL", value: "Summer Sale" }])).toEqual(["Summer Sale"]));
    it("NOT_EQUAL", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "name", operator: "NOT_EQUAL", value: "Summer Sale" }])).toEqual(["Spring Sale", "Winter Push"]));
    it("CONTAIN", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "name", operator: "CONTAIN", value: "Sale" }])).toEqual(["Spring Sale", "Summer Sale"]));
    it("NOT_CONTAIN", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "name", operator: "NOT_CONTAIN", value: "Sale" }])).toEqual(["Winter Push"]));
    it("IN", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "campaign.name", operator: "IN", value: ["Winter Push", "Spring Sale"] }])).toEqual(["Spring Sale", "Winter Push"]));
    it("GREATER_THAN on money", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "daily_budget", operator: "GREATER_THAN", value: 1000 }])).toEqual(["Summer Sale", "Winter Push"]));
    it("IN_RANGE", async () => expect(await filtered(`/${accountId}/campaigns`, [{ field: "daily_budget", operator: "IN_RANGE", value: [2000, 4000] }])).toEqual(["Summer Sale"]));
    it("a dotted parent field (campaign.name on ads)", async () => expect(await filtered(`/${accountId}/ads`, [{ field: "campaign.name", operator: "CONTAIN", value: "Spring" }])).toEqual(["Spring ad"]));
    it("a bad operator is #100", async () => {
      const error = await refusal(graph, "GET", `/${accountId}/campaigns?filtering=${encodeURIComponent(JSON.stringify([{ field: "name", operator: "LIKE", value: "x" }]))}`);
      expect(error.code).toBe(100);
    });
    it("a bad field is #100", async () => {
      const error = await refusal(graph, "GET", `/${accountId}/campaigns?filtering=${encodeURIComponent(JSON.stringify([{ field: "colour", operator: "EQUAL", value: "x" }]))}`);
      expect(error.code).toBe(100);
    });
  });

  describe("pagination", () => {
    it("a page carries cursors and a next link", async () => {
      const body = await ok("GET", `/${accountId}/campaigns?limit=1`);
      expect(body.paging).toMatchObject({ cursors: { before: expect.any(String), after: expect.any(String) }, next: expect.stringContaining("after=") });
    });
    it("following next walks every item once", async () => {
      const seen: string[] = [];
      let url: string | undefined = `${server.url}/${accountId}/campaigns?limit=1&access_token=${owner.access_token}`;
      while (url) {
        const body = (await (await fetch(url)).json()) as { data: { id: string }[]; paging?: { next?: string } };
        seen.push(...body.data.map((c) => c.id));
        url = body.paging?.next;
      }
      expect(seen.sort()).toEqual(Object.values(campaigns).sort());
    });
    it("after the first page there is a previous link", async () => {
      const first = await ok("GET", `/${accountId}/campaigns?limit=1`);
      const second = (await (await fetch(first.paging.next)).json()) as { paging: { previous?: string } };
      expect(second.paging.previous).toEqual(expect.stringContaining("before="));
    });
    it("summary=total_count counts the whole list", async () => {
      expect((await ok("GET", `/${accountId}/campaigns?limit=1&summary=total_count`)).summary).toEqual({ total_count: 3 });
    });
    it("the last page has no next link", async () => {
      expect((await ok("GET", `/${accountId}/campaigns?limit=10`)).paging.next).toBeUndefined();
    });
  });

  describe("batch", () => {
    const batch = async (items: unknown[]) => {
      const response = await fetch(`${server.url}/?access_token=${owner.access_token}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ batch: JSON.stringify(items) }).toString() });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    it("answers each item as {code, headers, body} with the body as a JSON string", async () => {
      const { body } = await batch([{ method: "GET", relative_url: `${campaigns["Spring Sale"]}?fields=name` }, { method: "GET", relative_url: "me?fields=id" }]);
      const items = body as { code: number; headers: unknown[]; body: string }[];
      expect(items.map((i) => i.code)).toEqual([200, 200]);
      expect(JSON.parse(items[0]!.body)).toEqual({ id: campaigns["Spring Sale"], name: "Spring Sale" });
      expect(Array.isArray(items[0]!.headers)).toBe(true);
    });
    it("an item's error is that item's answer, not the batch's", async () => {
      const items = (await batch([{ method: "GET", relative_url: `${accountId}?fields=colour` }])).body as { code: number; body: string }[];
      expect(items[0]!.code).toBe(400);
      expect(JSON.parse(items[0]!.body).error.code).toBe(100);
    });
    it("a nested batch is refused", async () => {
      const inner = new URLSearchParams({ batch: JSON.stringify([{ method: "GET", relative_url: "me" }]) }).toString();
      const items = (await batch([{ method: "POST", relative_url: "/", body: inner }])).body as { code: number; body: string }[];
      expect(items[0]!.code).toBe(400);
      expect(JSON.parse(items[0]!.body).error).toMatchObject({ code: 100, message: expect.stringContaining("cannot be nested") });
    });
  });

  describe("validate_only", () => {
    it("a valid create answers {success: true} and keeps nothing", async () => {
      const before = await snapshotState(hub);
      expect(await ok("POST", `/${accountId}/campaigns`, { name: "Dry", objective: "OUTCOME_SALES", special_ad_categories: [], execution_options: ["validate_only"] })).toEqual({ success: true });
      expect(await snapshotState(hub)).toEqual(before);
    });
    it("an invalid create fails as the real one would", async () => {
      expect((await refusal(graph, "POST", `/${accountId}/campaigns`, { name: "Dry", objective: "MOON", special_ad_categories: [], execution_options: ["validate_only"] })).code).toBe(100);
    });
    it("an unknown execution option is #100", async () => {
      expect((await refusal(graph, "POST", `/${accountId}/campaigns`, { name: "Dry", objective: "OUTCOME_SALES", special_ad_categories: [], execution_options: ["dry_run"] })).code).toBe(100);
    });
  });

  describe("permissions and concealment", () => {
    it("ANALYZE reads insights", async () => {
      const response = await asAnalyst("GET", `/${accountId}/insights?fields=spend,impressions`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.data[0]).toMatchObject({ spend: "40.00", impressions: "1000" });
    });
    it("ANALYZE cannot create: #200", async () => {
      expect((await refusal(asAnalyst, "POST", `/${accountId}/campaigns`, { name: "X", objective: "OUTCOME_SALES", special_ad_categories: [] })).code).toBe(200);
    });
    it("a stranger is told the account does not exist (code 100, subcode 33)", async () => {
      expect(await refusal(asStranger, "GET", `/${accountId}?fields=name`)).toMatchObject({ code: 100, error_subcode: 33, type: "GraphMethodException", message: `Unsupported request - Object with ID '${accountId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.` });
    });
    it("a stranger gets the same on an ad object", async () => {
      expect(await refusal(asStranger, "GET", `/${ad}`)).toMatchObject({ code: 100, error_subcode: 33 });
    });
    it("a stranger's copy and upload get the same not-found", async () => {
      expect(await refusal(asStranger, "POST", `/${campaigns["Spring Sale"]}/copies`, {})).toMatchObject({ code: 100, error_subcode: 33 });
      expect(await refusal(asStranger, "POST", `/${accountId}/adimages`, { bytes: png(4, 4).toString("base64") })).toMatchObject({ code: 100, error_subcode: 33 });
    });
  });

  describe("error shapes", () => {
    it("an error carries message, type, code and fbtrace_id", async () => {
      const error = await refusal(graph, "GET", `/${accountId}?fields=colour`);
      expect(Object.keys(error)).toEqual(expect.arrayContaining(["message", "type", "code", "fbtrace_id"]));
    });
    it("a bad token is OAuthException 190", async () => {
      expect(await refusal(graphClient(server.url, "not-a-token"), "GET", "/me")).toMatchObject({ code: 190, type: "OAuthException" });
    });
    it("an id that does not exist is 100/33", async () => {
      expect(await refusal(graph, "GET", "/987654321987")).toMatchObject({ code: 100, error_subcode: 33 });
    });
    it("every answer carries x-fb-trace-id", async () => {
      expect((await graph("GET", "/me")).headers.get("x-fb-trace-id")).toBeTruthy();
    });
    it("a version prefix is accepted", async () => {
      expect((await ok("GET", `/v24.0/${campaigns["Spring Sale"]}?fields=name`)).name).toBe("Spring Sale");
    });
  });

  describe("node fields real tools read", () => {
    it("AdAccount amount_spent is lifetime spend in minor units, as a string", async () => {
      expect((await ok("GET", `/${accountId}?fields=amount_spent`)).amount_spent).toBe("4000");
    });
    it("AdAccount fixed fields have Meta's values and types", async () => {
      expect(await ok("GET", `/${accountId}?fields=is_personal,is_prepay_account,attribution_spec,owner_business{name}`)).toMatchObject({ is_personal: 0, is_prepay_account: false, attribution_spec: [{ event_type: "CLICK_THROUGH", window_days: 7 }, { event_type: "VIEW_THROUGH", window_days: 1 }], owner_business: { id: owner.business_id, name: "Acme Outdoor" } });
    });
    it("Campaign special_ad_category, pacing_type and issues_info", async () => {
      expect(await ok("GET", `/${campaigns["Spring Sale"]}?fields=special_ad_category,pacing_type,issues_info`)).toEqual({ id: campaigns["Spring Sale"], special_ad_category: "NONE", pacing_type: ["standard"], issues_info: [] });
    });
    it("Campaign budget_remaining is minor units as a string", async () => {
      expect((await ok("GET", `/${campaigns["Winter Push"]}?fields=budget_remaining`)).budget_remaining).toBe("5000");
    });
    it("AdSet learning_stage_info from delivery", async () => {
      expect((await ok("GET", `/${adSet}?fields=learning_stage_info`)).learning_stage_info).toMatchObject({ status: "LEARNING" });
    });
    it("an unset spec field is left out, as Meta does", async () => {
      expect(await ok("GET", `/${adSet}?fields=adlabels,name`)).toEqual({ id: adSet, name: "Spring set" });
    });
    it("AdCreative call_to_action, thumbnail_url and effective_object_story_id", async () => {
      expect(await ok("GET", `/${creative}?fields=call_to_action,effective_object_story_id,actor_id`)).toEqual({ id: creative, call_to_action: { type: "SHOP_NOW", value: { link: "https://shop.example.test/" } }, effective_object_story_id: `${pageId}_${creative}`, actor_id: pageId });
    });
    it("BusinessUser first_name, last_name and tasks", async () => {
      const users = (await ok("GET", `/${owner.business_id}/business_users?fields=name,first_name,last_name,tasks`)).data as Record<string, unknown>[];
      expect(users).toContainEqual({ id: expect.any(String), name: "Dana Maria Reyes", first_name: "Dana", last_name: "Maria Reyes", tasks: ["EMPLOYEE"] });
    });
    it("Business primary_page and link", async () => {
      expect(await ok("GET", `/${owner.business_id}?fields=primary_page,link`)).toMatchObject({ primary_page: { id: pageId, name: "Acme Page" }, link: expect.stringContaining(`business_id=${owner.business_id}`) });
    });
    it("Pixel code names the Pixel", async () => {
      expect((await ok("GET", `/${pixelId}?fields=code`)).code).toContain(`fbq('init', '${pixelId}')`);
    });
  });

  describe("edges real tools use", () => {
    it("act_X/activities rows carry Meta's fields", async () => {
      const rows = (await ok("GET", `/${accountId}/activities?fields=event_type,event_time,actor_id,object_id,object_name`)).data as Record<string, string>[];
      expect(rows).toContainEqual({ event_type: "create_campaign_group", event_time: expect.any(String), actor_id: owner.system_user_id, object_id: campaigns["Spring Sale"], object_name: "Spring Sale" });
    });
    it("act_X/users lists who reaches the account with tasks", async () => {
      expect((await ok("GET", `/${accountId}/users?fields=tasks`)).data).toContainEqual({ id: analyst.system_user_id, tasks: ["ANALYZE"] });
    });
    it("act_X/adspixels lists the owner's Pixels", async () => {
      expect((await ok("GET", `/${accountId}/adspixels?fields=name`)).data).toEqual([{ id: pixelId, name: "Shop pixel" }]);
    });
    it("act_X/adimages upload answers {images: {bytes: {hash, url}}}", async () => {
      const body = await ok("POST", `/${accountId}/adimages`, { bytes: png(640, 640, "suite").toString("base64") });
      expect(body).toEqual({ images: { bytes: { hash: expect.stringMatching(/^[0-9a-f]{32}$/), url: expect.any(String) } } });
    });
    it("act_X/adimages?hashes=[…] lists just those", async () => {
      const hash = (await ok("POST", `/${accountId}/adimages`, { bytes: png(700, 700, "h").toString("base64") })).images.bytes.hash as string;
      expect((await ok("GET", `/${accountId}/adimages?fields=hash,width&hashes=["${hash}"]`)).data).toEqual([{ id: `${accountId.replace("act_", "")}:${hash}`, hash, width: 700 }]);
    });
    it("/{ad}/previews answers {data: [{body: <iframe>}]}", async () => {
      expect(await ok("GET", `/${ad}/previews?ad_format=DESKTOP_FEED_STANDARD`)).toEqual({ data: [{ body: expect.stringMatching(/^<iframe src="http[^"]+" width="540" height="690" scrolling="yes" style="border: none;"><\/iframe>$/) }] });
    });
    it("an invalid ad_format is #100", async () => {
      expect((await refusal(graph, "GET", `/${creative}/previews?ad_format=NOPE`)).message).toMatch(/^\(#100\) ad_format must be one of the following values/);
    });
    it("/{campaign}/copies answers copied_campaign_id and ad_object_ids", async () => {
      const body = await ok("POST", `/${campaigns["Winter Push"]}/copies`, { status_option: "PAUSED" });
      expect(body).toEqual({ copied_campaign_id: expect.any(String), ad_object_ids: [{ ad_object_type: "campaign", source_id: campaigns["Winter Push"], copied_id: body.copied_campaign_id }] });
    });
    it("/{adset}/copies and /{ad}/copies answer copied_adset_id and copied_ad_id", async () => {
      expect(Object.keys(await ok("POST", `/${adSet}/copies`, {}))).toEqual(["copied_adset_id", "ad_object_ids"]);
      expect(Object.keys(await ok("POST", `/${ad}/copies`, {}))).toEqual(["copied_ad_id", "ad_object_ids"]);
    });
    it("Ad preview_shareable_link is a link to a page", async () => {
      expect((await ok("GET", `/${ad}?fields=preview_shareable_link`)).preview_shareable_link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ads\/media\/preview\//);
    });
  });
});
