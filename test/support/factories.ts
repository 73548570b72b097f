import crypto from "node:crypto";
import type { Hub } from "../../src/hub/hub.ts";
import { operatorContext, principalContext, type RequestContext } from "../../src/hub/context.ts";
import type { AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import { presetTasks, type PermissionLevel } from "../../src/hub/catalogue/permissionLevels.ts";
import type { AdCreateInput } from "../../src/hub/ads/ad.service.ts";
import type { AdCreativeCreateInput } from "../../src/hub/ads/adCreative.service.ts";
import type { AdSetCreateInput } from "../../src/hub/ads/adSet.service.ts";
import type { CampaignCreateInput } from "../../src/hub/ads/campaign.service.ts";

export interface TestPerson {
  id: string;
  name: string;
  ctx: RequestContext;
}

export interface TestBusiness {
  id: string;
  name: string;
  admin: TestPerson;
}

let counter = 0;
const unique = () => `${++counter}-${crypto.randomBytes(3).toString("hex")}`;

export async function buildPerson(hub: Hub, name = `Person ${unique()}`): Promise<TestPerson> {
  const person = await hub.businesses.createPerson(operatorContext(), {
    name,
    email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, ".")}.${unique()}@example.test`,
  });
  return { id: person.id, name: person.name, ctx: principalContext("person", person.id) };
}

/** A business with a person as its admin. */
export async function buildBusiness(hub: Hub, name = `Business ${unique()}`): Promise<TestBusiness> {
  const admin = await buildPerson(hub, `${name} Admin`);
  const business = await hub.businesses.createBusiness(admin.ctx, { name });
  return { id: business.id, name: business.name, admin };
}

/** A person added to the business with a role. */
export async function buildMember(hub: Hub, business: TestBusiness, role = "EMPLOYEE", name?: string): Promise<TestPerson> {
  const person = await buildPerson(hub, name);
  await hub.businesses.setMemberRole(business.admin.ctx, business.id, person.id, role);
  return person;
}

export async function buildAsset(hub: Hub, business: TestBusiness, type: AssetType = "ad_account", name?: string) {
  return hub.assets.createAsset(business.admin.ctx, business.id, { type, name: name ?? `${type} ${unique()}` });
}

/** Owner offers, partner accepts: an active share at a permission level. */
export async function buildShare(hub: Hub, owner: TestBusiness, partner: TestBusiness, assetId: string, level: PermissionLevel, type: AssetType = "ad_account") {
  await hub.partners.offer(owner.admin.ctx, { assetId, partnerBusinessId: partner.id, tasks: presetTasks(type, level) });
  return hub.partners.acceptOrRequest(partner.admin.ctx, { partnerBusinessId: partner.id, assetId });
}

/** Ad objects under an ad account, with settings that pass validation unless overridden. */
export async function buildCampaign(ads: AdServices, ctx: RequestContext, accountId: string, overrides: Partial<CampaignCreateInput> = {}) {
  return ads.campaigns.createCampaign(ctx, accountId, {
    name: `Campaign ${unique()}`,
    objective: "OUTCOME_SALES",
    special_ad_categories: [],
    ...overrides,
  });
}

export async function buildAdSet(ads: AdServices, ctx: RequestContext, accountId: string, campaignId: string, overrides: Partial<AdSetCreateInput> = {}) {
  return ads.adSets.createAdSet(ctx, accountId, {
    campaign_id: campaignId,
    name: `Ad set ${unique()}`,
    daily_budget: 5000,
    ...overrides,
  });
}

export async function buildCreative(ads: AdServices, ctx: RequestContext, accountId: string, overrides: Partial<AdCreativeCreateInput> = {}) {
  return ads.creatives.createAdCreative(ctx, accountId, {
    name: `Creative ${unique()}`,
    title: "Trail shoes",
    body: "Light and grippy.",
    link_url: "https://shop.example.test/trail",
    call_to_action_type: "SHOP_NOW",
    ...overrides,
  });
}

export async function buildAd(ads: AdServices, ctx: RequestContext, accountId: string, adSetId: string, creativeId: string, overrides: Partial<AdCreateInput> = {}) {
  return ads.ads.createAd(ctx, accountId, { adset_id: adSetId, name: `Ad ${unique()}`, creative: { creative_id: creativeId }, ...overrides });
}

/** An ad account of the business with one active campaign, ad set (daily budget 50.00) and ad. */
export async function buildAdTree(hub: Hub, ads: AdServices, business: TestBusiness) {
  const account = await buildAsset(hub, business, "ad_account");
  const ctx = business.admin.ctx;
  const campaign = await buildCampaign(ads, ctx, account.graphId, { status: "ACTIVE" });
  const adSet = await buildAdSet(ads, ctx, account.graphId, campaign.id, { status: "ACTIVE" });
  const creative = await buildCreative(ads, ctx, account.graphId);
  const ad = await buildAd(ads, ctx, account.graphId, adSet.id, creative.id, { status: "ACTIVE" });
  return { account, campaign, adSet, creative, ad };
}

/** The hub's Marketing API services under the short names the ad tests use. */
export interface AdServices {
  campaigns: Hub["campaigns"];
  adSets: Hub["adSets"];
  ads: Hub["ads"];
  creatives: Hub["adCreatives"];
  insights: Hub["insights"];
}

export function adServicesOf(hub: Hub): AdServices {
  return { campaigns: hub.campaigns, adSets: hub.adSets, ads: hub.ads, creatives: hub.adCreatives, insights: hub.insights };
}
