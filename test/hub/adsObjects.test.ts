import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listAuditEntries } from "../../src/hub/audit/audit.repository.ts";
import { systemContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { buildAd, buildAdSet, buildAdTree, buildAsset, buildBusiness, buildCampaign, buildCreative, buildMember, buildShare, type TestBusiness, type TestPerson, adServicesOf, type AdServices } from "../support/factories.ts";
import { DIALECTS, makeTestStore, snapshotState, TestClock, type TestStore } from "../support/hubs.ts";
import { expectError } from "../support/expectError.ts";


const MINUTE = 60 * 1000;

describe.each(DIALECTS)("ad objects on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let ads: AdServices;
  let clock: TestClock;
  let acme: TestBusiness;

  beforeEach(async () => {
    store = makeTestStore(dialect);
    clock = new TestClock(); // 2026-01-05 12:00 UTC, 04:00 in the ad account's Los Angeles
    hub = await store.open(clock);
    ads = adServicesOf(hub);
    acme = await buildBusiness(hub, "Acme");
  });
  afterEach(async () => {
    await store.cleanup();
  });

  it("creates, reads, updates and deletes a campaign with Meta's fields, auditing old and new values", async () => {
    const account = await buildAsset(hub, acme, "ad_account", "Acme Main");
    const created = await ads.campaigns.createCampaign(acme.admin.ctx, account.graphId, {
      name: "Spring Sale",
      objective: "OUTCOME_SALES",
      special_ad_categories: "['NONE']",
      daily_budget: "5000",
      spend_cap: 100000,
      start_time: "2026-01-06T09:00:00-0800",
    });
    expect(created).toEqual({
      id: created.id,
      account_id: account.id,
      name: "Spring Sale",
      objective: "OUTCOME_SALES",
      status: "PAUSED",
      configured_status: "PAUSED",
      effective_status: "PAUSED",
      special_ad_categories: ["NONE"],
      buying_type: "AUCTION",
      bid_strategy: "LOWEST_COST_WITHOUT_CAP",
      daily_budget: "5000",
      spend_cap: "100000",
      start_time: "2026-01-06T09:00:00-0800",
      issues_info: [],
      created_time: "2026-01-05T04:00:00-0800",
      updated_time: "2026-01-05T04:00:00-0800",
    });
    expect(await ads.campaigns.getCampaign(acme.admin.ctx, created.id)).toEqual(created);

    clock.t += MINUTE;
    const updated = await ads.campaigns.updateCampaign(acme.admin.ctx, created.id, { name: "Spring Sale 2", status: "ACTIVE", daily_budget: 7000 });
    expect(updated).toMatchObject({ name: "Spring Sale 2", status: "ACTIVE", effective_status: "ACTIVE", daily_budget: "7000", updated_time: "2026-01-05T04:01:00-0800" });
    const [entry] = await listAuditEntries(hub.store.db, { action: "campaign.update" });
    expect(entry).toMatchObject({ business_id: acme.id, target_type: "campaign", target_id: created.id, outcome: "success" });
    expect(JSON.parse(entry!.before_json!)).toEqual({ name: "Spring Sale", status: "PAUSED", daily_budget: 5000 });
    expect(JSON.parse(entry!.after_json!)).toEqual({ name: "Spring Sale 2", status: "ACTIVE", daily_budget: 7000 });

    // Nothing to change writes nothing.
    const before = await snapshotState(hub);
    await ads.campaigns.updateCampaign(acme.admin.ctx, created.id, { name: "Spring Sale 2", id: created.id } as never);
    expect(await snapshotState(hub)).toEqual(before);

    const deleted = await ads.campaigns.deleteCampaign(acme.admin.ctx, created.id);
    expect(deleted.status).toBe("DELETED");
    expect((await ads.campaigns.listCampaigns(acme.admin.ctx, account.graphId)).items).toEqual([]);
    const onlyDeleted = await ads.campaigns.listCampaigns(acme.admin.ctx, account.graphId, { effectiveStatus: ["DELETED"] });
    expect(onlyDeleted.items.map((c) => c.id)).toEqual([created.id]);
    await expectError(ads.campaigns.updateCampaign(acme.admin.ctx, created.id, { status: "ACTIVE" }), "INVALID_PARAMETER");
    expect(await listAuditEntries(hub.store.db, { action: "campaign.delete" })).toHaveLength(1);
  });

  it("creates ad sets, creatives and ads, and shows where an ad sends people through its creative", async () => {
    const pixel = await buildAsset(hub, acme, "pixel");
    const page = await buildAsset(hub, acme, "page");
    const account = await buildAsset(hub, acme);
    const campaign = await buildCampaign(ads, acme.admin.ctx, account.graphId, { objective: "OUTCOME_SALES" });
    const adSet = await ads.adSets.createAdSet(acme.admin.ctx, account.graphId, {
      campaign_id: campaign.id,
      name: "US 25-54",
      lifetime_budget: 300000,
      end_time: "2026-02-01T00:00:00Z",
      bid_strategy: "COST_CAP",
      bid_amount: 1500,
      targeting: { geo_locations: { countries: ["US"] }, age_min: 25, age_max: 54 },
      promoted_object: { pixel_id: pixel.id, custom_event_type: "PURCHASE" },
    });
    expect(adSet).toMatchObject({
      campaign_id: campaign.id,
      status: "PAUSED",
      effective_status: "PAUSED",
      optimization_goal: "OFFSITE_CONVERSIONS",
      billing_event: "IMPRESSIONS",
      bid_strategy: "COST_CAP",
      bid_amount: 1500,
      lifetime_budget: "300000",
      start_time: "2026-01-05T04:00:00-0800",
      end_time: "2026-01-31T16:00:00-0800",
      targeting: { geo_locations: { countries: ["US"] }, age_min: 25, age_max: 54 },
    });
    expect(adSet.daily_budget).toBeUndefined();

    const creative = await ads.creatives.createAdCreative(acme.admin.ctx, account.graphId, {
      name: "Trail shoes",
      object_story_spec: { page_id: page.id, link_data: { link: "https://shop.example.test/trail", message: "Grip.", call_to_action: { type: "SHOP_NOW" } } },
    });
    expect(creative).toMatchObject({ status: "ACTIVE", link_url: "https://shop.example.test/trail", body: "Grip.", call_to_action_type: "SHOP_NOW" });

    const ad = await buildAd(ads, acme.admin.ctx, account.graphId, adSet.id, creative.id, { name: "Trail ad" });
    expect(ad).toMatchObject({ name: "Trail ad", adset_id: adSet.id, campaign_id: campaign.id, account_id: account.id, creative: { id: creative.id }, effective_status: "PAUSED" });
    expect(await ads.ads.getAd(acme.admin.ctx, ad.id)).toEqual(ad);
    expect((await ads.creatives.getAdCreative(acme.admin.ctx, ad.creative.id)).link_url).toBe("https://shop.example.test/trail");

    await expectError(ads.creatives.deleteAdCreative(acme.admin.ctx, creative.id), "INVALID_PARAMETER");
    await ads.ads.deleteAd(acme.admin.ctx, ad.id);
    expect((await ads.creatives.deleteAdCreative(acme.admin.ctx, creative.id)).status).toBe("DELETED");
    expect((await ads.creatives.listAdCreatives(acme.admin.ctx, account.graphId)).items).toEqual([]);
  });

  it("derives effective_status from the campaign, the ad set and ad review, and filters lists by it", async () => {
    const { account, campaign, adSet, ad } = await buildAdTree(hub, ads, acme);
    const status = async () => ({
      adSet: (await ads.adSets.getAdSet(acme.admin.ctx, adSet.id)).effective_status,
      ad: (await ads.ads.getAd(acme.admin.ctx, ad.id)).effective_status,
    });
    expect(await status()).toEqual({ adSet: "ACTIVE", ad: "ACTIVE" });

    await ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { status: "PAUSED" });
    expect(await status()).toEqual({ adSet: "PAUSED", ad: "ADSET_PAUSED" });
    await ads.campaigns.updateCampaign(acme.admin.ctx, campaign.id, { status: "PAUSED" });
    expect(await status()).toEqual({ adSet: "PAUSED", ad: "CAMPAIGN_PAUSED" });
    await ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { status: "ACTIVE" });
    expect(await status()).toEqual({ adSet: "CAMPAIGN_PAUSED", ad: "CAMPAIGN_PAUSED" });
    await ads.campaigns.updateCampaign(acme.admin.ctx, campaign.id, { status: "ACTIVE" });
    expect(await status()).toEqual({ adSet: "ACTIVE", ad: "ACTIVE" });

    const review = (review_status: string, feedback?: string) => ads.ads.setReviewStatus(systemContext(), ad.id, { review_status, feedback });
    expect((await review("PENDING_REVIEW")).effective_status).toBe("PENDING_REVIEW");
    const disapproved = await review("DISAPPROVED", "Misleading claims");
    expect(disapproved).toMatchObject({ effective_status: "DISAPPROVED", ad_review_feedback: { global: { DISAPPROVED: "Misleading claims" } } });
    expect((await review("WITH_ISSUES", "Landing page unavailable")).effective_status).toBe("WITH_ISSUES");
    await expectError(ads.ads.setReviewStatus(acme.admin.ctx, ad.id, { review_status: "APPROVED" }), "PERMISSION_DENIED");
    expect((await review("APPROVED")).effective_status).toBe("ACTIVE");

    const second = await buildAdSet(ads, acme.admin.ctx, account.graphId, campaign.id, { status: "PAUSED" });
    const active = await ads.adSets.listAdSets(acme.admin.ctx, { campaignId: campaign.id }, { effectiveStatus: '["ACTIVE"]' });
    expect(active.items.map((s) => s.id)).toEqual([adSet.id]);
    const all = await ads.adSets.listAdSets(acme.admin.ctx, { accountId: account.graphId });
    expect(all.items.map((s) => s.id).sort()).toEqual([adSet.id, second.id].sort());
    await expectError(ads.adSets.listAdSets(acme.admin.ctx, { accountId: account.graphId }, { effectiveStatus: ["RUNNING"] }), "INVALID_PARAMETER");

    // Deleting the campaign deletes what is under it, for display, lists and changes.
    await ads.campaigns.deleteCampaign(acme.admin.ctx, campaign.id);
    expect(await status()).toEqual({ adSet: "DELETED", ad: "DELETED" });
    expect((await ads.ads.listAds(acme.admin.ctx, { accountId: account.graphId })).items).toEqual([]);
    expect((await ads.ads.listAds(acme.admin.ctx, { adSetId: adSet.id }, { effectiveStatus: ["DELETED"] })).items.map((a) => a.id)).toEqual([ad.id]);
    await expectError(ads.ads.updateAd(acme.admin.ctx, ad.id, { name: "Renamed" }), "INVALID_PARAMETER");
    await expectError(buildAdSet(ads, acme.admin.ctx, account.graphId, campaign.id), "INVALID_PARAMETER");
  });

  it("an archived object can only be renamed or deleted", async () => {
    const { campaign } = await buildAdTree(hub, ads, acme);
    await ads.campaigns.updateCampaign(acme.admin.ctx, campaign.id, { status: "ARCHIVED" });
    await expectError(ads.campaigns.updateCampaign(acme.admin.ctx, campaign.id, { status: "ACTIVE" }), "INVALID_PARAMETER");
    expect((await ads.campaigns.updateCampaign(acme.admin.ctx, campaign.id, { name: "Old" })).name).toBe("Old");
    expect((await ads.campaigns.deleteCampaign(acme.admin.ctx, campaign.id)).status).toBe("DELETED");
  });

  describe("budget changes", () => {
    it("allows 4 per ad set per hour and refuses the 5th without writing anything", async () => {
      const { adSet } = await buildAdTree(hub, ads, acme);
      for (const [i, budget] of [6000, 7000, 8000, 9000].entries()) {
        clock.t += 5 * MINUTE;
        const updated = await ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { daily_budget: budget, name: `Step ${i}` });
        expect(updated.daily_budget).toBe(String(budget));
      }
      // Not budget changes: a rename, and the budget it already has.
      await ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { name: "Renamed", daily_budget: 9000 });

      clock.t += 10 * MINUTE; // 25 minutes after the first change
      const before = await snapshotState(hub);
      const error = await expectError(ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { daily_budget: 10000 }), "TOO_MANY_BUDGET_CHANGES");
      expect(error).toMatchObject({ status: 400, code: 17 });
      expect(error.options.subcode).toBe(2446079);
      expect(error.message).toContain("Renamed");
      expect(error.options.userMsg).toContain("about 35 minute(s)");
      expect(await snapshotState(hub)).toEqual(before);
      expect((await listAuditEntries(hub.store.db, { limit: 1 }))[0]).toMatchObject({ action: "adset.update", outcome: "invalid" });

      clock.t += 35 * MINUTE; // the first change is now an hour old
      expect((await ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { daily_budget: 10000 })).daily_budget).toBe("10000");
      await expectError(ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { daily_budget: 11000 }), "TOO_MANY_BUDGET_CHANGES");
    });

    it("keeps campaign budgets (CBO) and ad set budgets apart", async () => {
      const account = await buildAsset(hub, acme);
      const cbo = await buildCampaign(ads, acme.admin.ctx, account.graphId, { daily_budget: 20000 });
      const adSet = await buildAdSet(ads, acme.admin.ctx, account.graphId, cbo.id, { daily_budget: undefined });
      expect(adSet.daily_budget).toBeUndefined();
      await expectError(ads.adSets.updateAdSet(acme.admin.ctx, adSet.id, { daily_budget: 1000 }), "INVALID_PARAMETER");
      expect((await ads.campaigns.updateCampaign(acme.admin.ctx, cbo.id, { daily_budget: 25000 })).daily_budget).toBe("25000");
      await expectError(ads.campaigns.updateCampaign(acme.admin.ctx, cbo.id, { lifetime_budget: 25000 }), "INVALID_PARAMETER");
      const plain = await buildCampaign(ads, acme.admin.ctx, account.graphId);
      await expectError(ads.campaigns.updateCampaign(acme.admin.ctx, plain.id, { daily_budget: 25000 }), "INVALID_PARAMETER");
    });
  });

  describe("bad input gets a Graph-style error and changes nothing", () => {
    let accountId: string;
    let tree: Awaited<ReturnType<typeof buildAdTree>>;
    let otherAccountId: string;
    let otherCreativeId: string;
    beforeEach(async () => {
      tree = await buildAdTree(hub, ads, acme);
      accountId = tree.account.graphId;
      otherAccountId = (await buildAsset(hub, acme)).graphId;
      otherCreativeId = (await buildCreative(ads, acme.admin.ctx, otherAccountId)).id;
    });

    const campaign = (overrides: Record<string, unknown>) =>
      ads.campaigns.createCampaign(acme.admin.ctx, accountId, { name: "X", objective: "OUTCOME_TRAFFIC", special_ad_categories: [], ...overrides });
    const adSet = (overrides: Record<string, unknown>) =>
      ads.adSets.createAdSet(acme.admin.ctx, accountId, { campaign_id: tree.campaign.id, name: "X", daily_budget: 1000, ...overrides });

    const cases: [string, string, string, () => Promise<unknown>][] = [
      ["special_ad_categories missing", "INVALID_PARAMETER", "The parameter special_ad_categories is required.", () => campaign({ special_ad_categories: undefined })],
      ["an unknown special ad category", "INVALID_PARAMETER", "Invalid special_ad_categories.0: must be one of", () => campaign({ special_ad_categories: ["GAMBLING"] })],
      ["NONE with another category", "INVALID_PARAMETER", "NONE cannot be combined", () => campaign({ special_ad_categories: ["NONE", "HOUSING"] })],
      ["a legacy objective", "INVALID_PARAMETER", "Invalid objective: must be one of OUTCOME_APP_PROMOTION", () => campaign({ objective: "CONVERSIONS" })],
      ["an empty name", "INVALID_PARAMETER", "Invalid name: must not be empty.", () => campaign({ name: "  " })],
      ["a budget in major units", "INVALID_PARAMETER", "Invalid daily_budget: must be a positive whole number", () => campaign({ daily_budget: "50.00" })],
      ["both budgets", "INVALID_PARAMETER", "either daily_budget or lifetime_budget", () => campaign({ daily_budget: 100, lifetime_budget: 1000, stop_time: "2026-02-01" })],
      ["a lifetime budget without stop time", "INVALID_PARAMETER", "stop_time is required", () => campaign({ lifetime_budget: 1000 })],
      ["a stop time in the past", "INVALID_PARAMETER", "Invalid stop_time: it must be in the future.", () => campaign({ stop_time: "2025-12-31T00:00:00Z" })],
      ["a malformed start time", "INVALID_PARAMETER", "Invalid start_time", () => campaign({ start_time: "next tuesday" })],
      ["a bid strategy without a campaign budget", "INVALID_PARAMETER", "Invalid bid_strategy", () => campaign({ bid_strategy: "COST_CAP" })],
      ["an unknown ad account", "UNKNOWN_ASSET", "Object with ID 'act_999' does not exist", () => ads.campaigns.createCampaign(acme.admin.ctx, "act_999", { name: "X", objective: "OUTCOME_SALES", special_ad_categories: [] })],
      ["an ad set without a budget", "INVALID_PARAMETER", "daily_budget or lifetime_budget is required", () => adSet({ daily_budget: undefined })],
      ["an ad set in another account's campaign", "INVALID_PARAMETER", "Invalid campaign_id", () => ads.adSets.createAdSet(acme.admin.ctx, otherAccountId, { campaign_id: tree.campaign.id, name: "X", daily_budget: 1000 })],
      ["a cost cap without an amount", "INVALID_PARAMETER", "bid_amount is required", () => adSet({ bid_strategy: "COST_CAP" })],
      ["an unknown optimization goal", "INVALID_PARAMETER", "Invalid optimization_goal", () => adSet({ optimization_goal: "SALES" })],
      ["billing for clicks while optimizing for reach", "INVALID_PARAMETER", "Invalid billing_event", () => adSet({ optimization_goal: "REACH", billing_event: "LINK_CLICKS" })],
      ["an end before the start", "INVALID_PARAMETER", "Invalid end_time: it must be after start_time.", () => adSet({ start_time: "2026-03-02", end_time: "2026-03-01" })],
      ["a Pixel that does not exist", "INVALID_PARAMETER", "no Pixel has the ID", () => adSet({ promoted_object: { pixel_id: "123" } })],
      ["a creative without a destination", "INVALID_PARAMETER", "link_url (or object_story_spec.link_data.link) is required", () => ads.creatives.createAdCreative(acme.admin.ctx, accountId, { name: "X" })],
      ["a creative with a bad URL", "INVALID_PARAMETER", "Invalid link_url: must be an http or https URL", () => ads.creatives.createAdCreative(acme.admin.ctx, accountId, { link_url: "javascript:alert(1)" })],
      ["a story spec without a page", "INVALID_PARAMETER", "The parameter object_story_spec.page_id is required.", () => ads.creatives.createAdCreative(acme.admin.ctx, accountId, { object_story_spec: { link_data: { link: "https://x.test" } } })],
      ["an ad with another account's creative", "INVALID_PARAMETER", "Invalid creative", () => ads.ads.createAd(acme.admin.ctx, accountId, { adset_id: tree.adSet.id, name: "X", creative: { creative_id: otherCreativeId } })],
      ["an ad without a creative", "INVALID_PARAMETER", "The parameter creative is required.", () => ads.ads.createAd(acme.admin.ctx, accountId, { adset_id: tree.adSet.id, name: "X" } as never)],
      ["changing the objective", "INVALID_PARAMETER", "cannot be changed after creation", () => ads.campaigns.updateCampaign(acme.admin.ctx, tree.campaign.id, { objective: "OUTCOME_LEADS" })],
      ["switching a daily budget to lifetime", "INVALID_PARAMETER", "cannot be switched", () => ads.adSets.updateAdSet(acme.admin.ctx, tree.adSet.id, { lifetime_budget: 100000, end_time: "2026-03-01" })],
      ["an unknown status", "INVALID_PARAMETER", "Invalid status: must be one of ACTIVE, PAUSED, ARCHIVED, DELETED.", () => ads.ads.updateAd(acme.admin.ctx, tree.ad.id, { status: "RUNNING" })],
      ["an unknown campaign", "NOT_FOUND", "Object with ID '42' does not exist", () => ads.campaigns.updateCampaign(acme.admin.ctx, "42", { name: "X" })],
    ];

    it.each(cases)("%s", async (_label, id, message, attempt) => {
      const before = await snapshotState(hub);
      const auditBefore = (await hub.audit.verify()).entries;
      const error = await expectError(attempt(), id);
      expect(error.message).toContain(message);
      expect(await snapshotState(hub)).toEqual(before);
      const verification = await hub.audit.verify();
      expect(verification.ok).toBe(true);
      expect(verification.entries).toBeGreaterThan(auditBefore);
      expect((await listAuditEntries(hub.store.db, { limit: 1 }))[0]?.outcome).toBe(error.isDenial ? "denied" : "invalid");
    });
  });

  describe("partners act within their share", () => {
    let northwind: TestBusiness;
    let viewer: TestPerson;
    let tree: Awaited<ReturnType<typeof buildAdTree>>;
    beforeEach(async () => {
      northwind = await buildBusiness(hub, "Northwind Media");
      viewer = await buildMember(hub, northwind, "EMPLOYEE", "Vic");
      tree = await buildAdTree(hub, ads, acme);
      await buildShare(hub, acme, northwind, tree.account.id, "VIEW_ONLY");
      await hub.assignments.assign(northwind.admin.ctx, { assetId: tree.account.id, principalId: viewer.id, tasks: ["ANALYZE", "AA_ANALYZE"] });
    });

    it("a share without ADVERTISE lets staff see campaigns but not create or change them, and the refusal says why", async () => {
      const page = await ads.campaigns.listCampaigns(viewer.ctx, tree.account.graphId);
      expect(page.items.map((c) => c.id)).toEqual([tree.campaign.id]);
      expect((await ads.ads.getAd(viewer.ctx, tree.ad.id)).id).toBe(tree.ad.id);

      const attempts: (() => Promise<unknown>)[] = [
        () => buildCampaign(ads, viewer.ctx, tree.account.graphId),
        () => buildAdSet(ads, viewer.ctx, tree.account.graphId, tree.campaign.id),
        () => buildCreative(ads, viewer.ctx, tree.account.graphId),
        () => ads.campaigns.updateCampaign(viewer.ctx, tree.campaign.id, { status: "PAUSED" }),
        () => ads.adSets.updateAdSet(viewer.ctx, tree.adSet.id, { daily_budget: 1 }),
        () => ads.ads.deleteAd(viewer.ctx, tree.ad.id),
      ];
      for (const attempt of attempts) {
        const before = await snapshotState(hub);
        const error = await expectError(attempt(), "PERMISSION_DENIED");
        expect(error.options.userMsg).toContain("needs ADVERTISE");
        expect(await snapshotState(hub)).toEqual(before);
        expect((await listAuditEntries(hub.store.db, { limit: 1 }))[0]).toMatchObject({ actor_id: viewer.id, outcome: "denied" });
      }
    });

    it("once the owner raises the share to Standard, the same person can run campaigns", async () => {
      await buildShare(hub, acme, northwind, tree.account.id, "STANDARD");
      await hub.assignments.assign(northwind.admin.ctx, { assetId: tree.account.id, principalId: viewer.id, tasks: ["ANALYZE", "AA_ANALYZE", "ADVERTISE"] });
      const campaign = await buildCampaign(ads, viewer.ctx, tree.account.graphId);
      expect(campaign.account_id).toBe(tree.account.id);
      expect((await ads.adSets.updateAdSet(viewer.ctx, tree.adSet.id, { daily_budget: 6000 })).daily_budget).toBe("6000");
      const [entry] = await listAuditEntries(hub.store.db, { action: "adset.update" });
      expect(entry).toMatchObject({ actor_id: viewer.id, business_id: acme.id });
    });

    it("an outsider cannot even list the account's campaigns", async () => {
      const stranger = await buildBusiness(hub, "Stranger");
      // ...nor learn that it exists: the answer is the one for an unknown account.
      const listing = await expectError(ads.campaigns.listCampaigns(stranger.admin.ctx, tree.account.graphId), "UNKNOWN_ASSET");
      expect(listing.message).not.toContain("Acme");
      await expectError(ads.ads.getAd(stranger.admin.ctx, tree.ad.id), "UNKNOWN_ASSET");
    });
  });

  it("a cursor walks 250 campaigns newest first without losing or repeating one, both ways", async () => {
    const account = await buildAsset(hub, acme);
    const created: { t: number; id: string }[] = [];
    for (let i = 0; i < 250; i++) {
      // Many share a millisecond, so the id breaks ties.
      if (i % 7 === 0) clock.t += 1;
      created.push({ t: clock.t, id: (await buildCampaign(ads, acme.admin.ctx, account.graphId, { name: `C${i}` })).id });
    }
    await ads.campaigns.deleteCampaign(acme.admin.ctx, created[100]!.id);
    const expected = created
      .filter((_, i) => i !== 100)
      .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1))
      .map((c) => c.id);

    const forward: string[] = [];
    let page = await ads.campaigns.listCampaigns(acme.admin.ctx, account.graphId, { page: { limit: 20 } });
    expect(page.hasPrevious).toBe(false);
    for (;;) {
      forward.push(...page.items.map((c) => c.id));
      if (!page.hasNext) break;
      page = await ads.campaigns.listCampaigns(acme.admin.ctx, account.graphId, { page: { limit: 20, after: page.last } });
      expect(page.hasPrevious).toBe(true);
    }
    expect(forward).toEqual(expected);

    const backward = page.items.map((c) => c.id);
    while (page.hasPrevious) {
      page = await ads.campaigns.listCampaigns(acme.admin.ctx, account.graphId, { page: { limit: 20, before: page.first } });
      backward.unshift(...page.items.map((c) => c.id));
    }
    expect(backward).toEqual(forward);
  });
});
