import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { DIALECTS, makeTestStore, snapshotState, type TestStore } from "../support/hubs.ts";
import { graphClient, startServer, type RunningServer } from "../support/servers.ts";

/** Ad labels over real HTTP: `act_<id>/adlabels`, the AdLabel node, `adlabels` on ad objects, and protected_labels. */
describe.each(DIALECTS)("ad labels on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let owner: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let agency: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let stranger: Awaited<ReturnType<typeof bootstrapBusiness>>;
  let asOwner: ReturnType<typeof graphClient>;
  let asAgency: ReturnType<typeof graphClient>;
  let asStranger: ReturnType<typeof graphClient>;
  let accountId: string;
  let ownerCtx: ReturnType<typeof principalContext>;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    hub = await store.open();
    server = await startServer(hub);
    owner = await bootstrapBusiness(hub, "Acme");
    agency = await bootstrapBusiness(hub, "Agency");
    stranger = await bootstrapBusiness(hub, "Stranger");
    asOwner = graphClient(server.url, owner.access_token);
    asAgency = graphClient(server.url, agency.access_token);
    asStranger = graphClient(server.url, stranger.access_token);
    ownerCtx = principalContext("system_user", owner.system_user_id);
    accountId = (await asOwner("POST", `/${owner.business_id}/adaccount`, { name: "Main", currency: "USD", timezone_id: 1 })).body.id as string;
    const assetId = accountId.replace(/^act_/, "");
    await hub.partners.offer(ownerCtx, { assetId, partnerBusinessId: agency.business_id, tasks: presetTasks("ad_account", "STANDARD") });
    await hub.partners.acceptOrRequest(principalContext("system_user", agency.system_user_id), { partnerBusinessId: agency.business_id, assetId });
    await hub.assignments.assign(principalContext("system_user", agency.system_user_id), {
      assetId,
      principalId: agency.system_user_id,
      tasks: presetTasks("ad_account", "STANDARD"),
      businessId: agency.business_id,
    });
  });
  afterAll(async () => {
    await server.close();
    await store.cleanup();
  });

  const ok = (response: { status: number; body: Record<string, any> }) => {
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    return response.body;
  };
  const newLabel = async (name: string) => ok(await asOwner("POST", `/${accountId}/adlabels`, { name })).id as string;
  const newCampaign = async (name: string, extra: Record<string, unknown> = {}) =>
    ok(await asOwner("POST", `/${accountId}/campaigns`, { name, objective: "OUTCOME_SALES", special_ad_categories: [], ...extra })).id as string;
  const labelsOf = async (id: string) => ((ok(await asOwner("GET", `/${id}?fields=adlabels`)).adlabels ?? []) as { id: string; name: string }[]).map((l) => l.name);

  it("creates, lists, reads, renames and deletes labels with Meta's fields", async () => {
    const id = await newLabel("Summer");
    const listed = ok(await asOwner("GET", `/${accountId}/adlabels?fields=id,name,account,created_time,updated_time`));
    expect(listed.data).toEqual([{ id, name: "Summer", account: { id: accountId }, created_time: expect.any(String), updated_time: expect.any(String) }]);
    expect(ok(await asOwner("GET", `/${id}`))).toEqual({ id, name: "Summer" });
    expect(ok(await asOwner("POST", `/${id}`, { name: "Summer 2026" }))).toEqual({ success: true });
    expect(ok(await asOwner("GET", `/${id}?fields=name`)).name).toBe("Summer 2026");
    // The partner's people read the account's labels as they read its campaigns.
    expect(ok(await asAgency("GET", `/${id}?fields=name`)).name).toBe("Summer 2026");
    const campaign = await newCampaign("Carrier", { adlabels: [{ id }] });
    expect(await labelsOf(campaign)).toEqual(["Summer 2026"]);
    expect(ok(await asOwner("DELETE", `/${id}`))).toEqual({ success: true });
    expect((await asOwner("GET", `/${id}`)).body.error.code).toBe(100);
    expect(await labelsOf(campaign)).toEqual([]);
  });

  it("refuses bad input with code 100 and writes nothing", async () => {
    await newLabel("Taken");
    const before = await snapshotState(hub);
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
      ["POST", `/${accountId}/adlabels`, { name: "Taken" }, /already has the ad label "Taken"/],
      ["POST", `/${accountId}/adlabels`, { name: "" }, /name/],
      ["POST", `/${accountId}/adlabels`, {}, /name/],
      ["POST", `/${accountId}/campaigns`, { name: "X", objective: "OUTCOME_SALES", special_ad_categories: [], adlabels: [{ id: "987654321" }] }, /no ad label 987654321/],
      ["POST", `/${accountId}/campaigns`, { name: "X", objective: "OUTCOME_SALES", special_ad_categories: [], adlabels: "Brand" }, /adlabels/],
      ["POST", `/${accountId}/campaigns`, { name: "X", objective: "OUTCOME_SALES", special_ad_categories: [], adlabels: [{ colour: "red" }] }, /adlabels/],
      ["POST", `/${accountId}/adcreatives`, { name: "C", title: "T", body: "B", link_url: "https://shop.example.test/", adlabels: [{ name: "Taken" }] }, /adlabels/],
    ];
    for (const [method, path, body, message] of cases) {
      const response = await asOwner(method, path, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe(100);
      expect(response.body.error.message).toMatch(message);
    }
    expect(await snapshotState(hub)).toEqual(before);
  });

  it("puts labels on campaigns, ad sets and ads by id or name, and takes them off", async () => {
    const brand = await newLabel("Brand");
    const campaign = await newCampaign("Labelled", { adlabels: JSON.stringify([{ id: brand }, { name: "Fresh" }]) });
    expect(await labelsOf(campaign)).toEqual(["Brand", "Fresh"]);
    // A name the account had no label of made one.
    const names = (ok(await asOwner("GET", `/${accountId}/adlabels?fields=name&limit=100`)).data as { name: string }[]).map((l) => l.name);
    expect(names).toContain("Fresh");
    // Updating replaces them; the campaign edge adds.
    ok(await asOwner("POST", `/${campaign}`, { adlabels: [{ name: "Brand" }] }));
    expect(await labelsOf(campaign)).toEqual(["Brand"]);
    ok(await asOwner("POST", `/${campaign}/adlabels`, { adlabels: [{ name: "Fresh" }] }));
    expect(await labelsOf(campaign)).toEqual(["Brand", "Fresh"]);
    // Meta has no DELETE on a campaign's adlabels edge.
    expect((await asOwner("DELETE", `/${campaign}/adlabels`, { adlabels: [{ id: brand }] })).status).toBe(400);
    const adSet = ok(await asOwner("POST", `/${accountId}/adsets`, { campaign_id: campaign, name: "Set", daily_budget: "5000", adlabels: [{ id: brand }] })).id as string;
    expect(await labelsOf(adSet)).toEqual(["Brand"]);
    ok(await asOwner("DELETE", `/${adSet}/adlabels`, { adlabels: [{ id: brand }] }));
    expect(await labelsOf(adSet)).toEqual([]);
    const creative = await hub.adCreatives.createAdCreative(ownerCtx, accountId, { name: "C", title: "T", body: "B", link_url: "https://shop.example.test/", call_to_action_type: "SHOP_NOW" });
    const ad = ok(await asOwner("POST", `/${accountId}/ads`, { adset_id: adSet, name: "Ad", creative: { creative_id: creative.id }, adlabels: [{ name: "Fresh" }] })).id as string;
    ok(await asOwner("POST", `/${ad}/adlabels`, { adlabels: [{ id: brand }] }));
    expect(await labelsOf(ad)).toEqual(["Brand", "Fresh"]);
    // Lists carry the field too.
    const ads = ok(await asOwner("GET", `/${adSet}/ads?fields=adlabels{name}`)).data as { adlabels: { name: string }[] }[];
    expect(ads[0]!.adlabels.map((l) => l.name)).toEqual(["Brand", "Fresh"]);
    // validate_only checks and changes nothing.
    ok(await asOwner("POST", `/${ad}/adlabels`, { adlabels: [{ name: "Never" }], execution_options: ["validate_only"] }));
    expect(await labelsOf(ad)).toEqual(["Brand", "Fresh"]);
    const entries = await hub.store.db.selectFrom("audit_entries").select(["action", "after_json"]).where("target_id", "=", ad).execute();
    expect(entries.some((e) => e.action === "ad.update" && String(e.after_json).includes("Brand"))).toBe(true);
  });

  it("answers a stranger exactly as for ids that do not exist", async () => {
    const label = await newLabel(`Hidden ${dialect}`);
    const campaign = await newCampaign("Hidden carrier", { adlabels: [{ id: label }] });
    const probes: [string, string, string, Record<string, unknown> | undefined][] = [
      ["GET", `/${label}`, "987654321987", undefined],
      ["POST", `/${label}`, "987654321987", { name: "Mine" }],
      ["DELETE", `/${label}`, "987654321987", undefined],
      ["POST", `/${campaign}/adlabels`, "987654321987", { adlabels: [{ id: label }] }],
      ["GET", `/${accountId}/adlabels`, "act_987654321987", undefined],
      ["POST", `/${accountId}/adlabels`, "act_987654321987", { name: "Mine" }],
    ];
    for (const [method, path, missingId, body] of probes) {
      const shownId = path.split("/")[1]!;
      const missing = await asStranger(method, path.replace(shownId, missingId), body);
      const probe = await asStranger(method, path, body);
      expect(probe.status, `${method} ${path}`).toBe(missing.status);
      expect(probe.body.error.code).toBe(missing.body.error.code);
      expect(probe.body.error.message).toBe(missing.body.error.message.replace(missingId, shownId));
    }
    expect(ok(await asOwner("GET", `/${label}?fields=name`)).name).toBe(`Hidden ${dialect}`);
  });

  it("protected_labels: set by name, stored as ids, enforced on the partner's writes with code 200 naming the label", async () => {
    const vip = await newLabel("VIP");
    const other = await newLabel("Other");
    const guarded = await newCampaign("Guarded", { adlabels: [{ id: vip }] });
    const free = await newCampaign("Free");
    const adSet = ok(await asOwner("POST", `/${accountId}/adsets`, { campaign_id: guarded, name: "Inside", daily_budget: "5000" })).id as string;

    // Unknown labels are refused and nothing is stored.
    const unknown = await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, protected_labels: ["VIP", "Nope"] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe(100);
    expect(unknown.body.error.message).toContain('"Nope"');
    expect(ok(await asOwner("GET", `/${accountId}/partner_guardrails`)).data).toEqual([]);

    ok(await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, protected_labels: "VIP" }));
    expect(ok(await asAgency("GET", `/${accountId}/partner_guardrails`)).data).toEqual([{ business: agency.business_id, protected_labels: [vip] }]);

    const refusals: [string, string, Record<string, unknown>][] = [
      ["POST", `/${guarded}`, { name: "Renamed" }],
      ["POST", `/${adSet}`, { daily_budget: "6000" }],
      ["POST", `/${free}/adlabels`, { adlabels: [{ id: vip }] }],
      ["POST", `/${guarded}`, { adlabels: [] }],
      ["POST", `/${accountId}/campaigns`, { name: "Sneaky", objective: "OUTCOME_SALES", special_ad_categories: [], adlabels: [{ name: "VIP" }] }],
      ["POST", `/${vip}`, { name: "Not VIP" }],
      ["DELETE", `/${vip}`, {}],
    ];
    for (const [method, path, body] of refusals) {
      const response = await asAgency(method, path, body);
      expect(response.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.error.code).toBe(200);
      expect(response.body.error.message).toContain("protected_labels");
      expect(response.body.error.message).toContain(`VIP (${vip})`);
    }
    expect(await labelsOf(guarded)).toEqual(["VIP"]);
    expect(await labelsOf(free)).toEqual([]);

    // Deleting a label takes it off every object: not allowed where one of them is protected.
    const shared = await newLabel("Shared");
    ok(await asOwner("POST", `/${adSet}/adlabels`, { adlabels: [{ id: shared }] }));
    const deleted = await asAgency("DELETE", `/${shared}`);
    expect(deleted.status).toBe(400);
    expect(deleted.body.error.code).toBe(200);
    expect(deleted.body.error.message).toContain(`VIP (${vip})`);
    expect(await labelsOf(adSet)).toEqual(["Shared"]);

    // Other objects and labels stay the partner's to change; the owner is not bound.
    ok(await asAgency("POST", `/${free}`, { name: "Free renamed" }));
    ok(await asAgency("POST", `/${free}/adlabels`, { adlabels: [{ id: other }] }));
    const loose = await newLabel("Loose");
    ok(await asOwner("POST", `/${free}/adlabels`, { adlabels: [{ id: loose }] }));
    ok(await asAgency("DELETE", `/${loose}`));
    expect(await labelsOf(free)).toEqual(["Other"]);
    ok(await asOwner("POST", `/${guarded}`, { name: "Owner renamed" }));
    // Cleared, the partner may change it again.
    ok(await asOwner("POST", `/${accountId}/partner_guardrails`, { business: agency.business_id, protected_labels: "" }));
    ok(await asAgency("POST", `/${guarded}`, { name: "Partner renamed" }));
  });
});
