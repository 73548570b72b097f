import type { Hub } from "../hub/hub.ts";
import { operatorContext, principalContext } from "../hub/context.ts";
import { presetTasks } from "../hub/catalogue/permissionLevels.ts";

export const DEMO_ADVERTISER = "Acme Outdoor";
export const DEMO_AGENCY = "Northwind Media";
/** Every demo person signs in with this password (a demo, not a real install). */
export const DEMO_PASSWORD = "grantline-demo";

export interface DemoWorld {
  advertiser: { id: string; name: string };
  agency: { id: string; name: string };
  people: { name: string; email: string; id: string; business: string; role: string }[];
  assets: { id: string; graphId: string; type: string; name: string }[];
  agencySystemUserId: string;
  advertiserSystemUserId: string;
}

/**
 * A small world to explore: an advertiser owning one asset of each type, an agency it works with,
 * an accepted share with staff assigned, and an offer still waiting in the Requests tab.
 */
export async function seedDemoWorld(hub: Hub, shopUrl: string): Promise<DemoWorld> {
  const op = operatorContext();
  const alice = await hub.businesses.createPerson(op, { name: "Alice Advertiser", email: "alice@acme.example" });
  const bob = await hub.businesses.createPerson(op, { name: "Bob Buyer", email: "bob@acme.example" });
  const nora = await hub.businesses.createPerson(op, { name: "Nora Northwind", email: "nora@northwind.example" });
  const sam = await hub.businesses.createPerson(op, { name: "Sam Specialist", email: "sam@northwind.example" });

  for (const person of [alice, bob, nora, sam]) await hub.auth.setPassword(op, person.email, DEMO_PASSWORD);

  const asAlice = principalContext("person", alice.id);
  const asNora = principalContext("person", nora.id);
  const acme = await hub.businesses.createBusiness(asAlice, { name: DEMO_ADVERTISER });
  const northwind = await hub.businesses.createBusiness(asNora, { name: DEMO_AGENCY });
  await hub.businesses.setMemberRole(asAlice, acme.id, bob.id, "EMPLOYEE");
  await hub.businesses.setMemberRole(asNora, northwind.id, sam.id, "EMPLOYEE");
  const agencyBot = await hub.businesses.createSystemUser(asNora, northwind.id, { name: "Northwind Reporting Bot", role: "EMPLOYEE" });

  const adAccount = await hub.assets.createAsset(asAlice, acme.id, {
    type: "ad_account",
    name: "Acme Main",
    adAccount: { currency: "USD", timezoneName: "America/New_York", spendCap: 5_000_000 },
  });
  const page = await hub.assets.createAsset(asAlice, acme.id, { type: "page", name: "Acme Outdoor" });
  const pixel = await hub.assets.createAsset(asAlice, acme.id, { type: "pixel", name: "Acme Pixel" });
  const instagram = await hub.assets.createAsset(asAlice, acme.id, { type: "instagram_account", name: "@acmeoutdoor" });
  const catalog = await hub.assets.createAsset(asAlice, acme.id, { type: "product_catalog", name: "Acme Products" });
  const creative = await hub.assets.createAsset(asAlice, acme.id, { type: "creative_hub_project", name: "Acme Spring Creative" });

  await hub.assignments.assign(asAlice, { assetId: adAccount.id, principalId: bob.id, tasks: presetTasks("ad_account", "VIEW_ONLY") });

  await hub.partners.offer(asAlice, { assetId: adAccount.id, partnerBusinessId: northwind.id, tasks: presetTasks("ad_account", "STANDARD") });
  await hub.partners.acceptOrRequest(asNora, { partnerBusinessId: northwind.id, assetId: adAccount.id });
  await hub.partners.offer(asAlice, { assetId: page.id, partnerBusinessId: northwind.id, tasks: presetTasks("page", "STANDARD") });
  await hub.partners.acceptOrRequest(asNora, { partnerBusinessId: northwind.id, assetId: page.id });
  await hub.assignments.assign(asNora, { assetId: adAccount.id, principalId: sam.id, tasks: ["ADVERTISE", "ANALYZE", "AA_ANALYZE"] });
  await hub.assignments.assign(asNora, { assetId: adAccount.id, principalId: agencyBot.id, tasks: presetTasks("ad_account", "ANALYTICS_VIEW") });
  // Left pending, so both sides have something in their Requests tab.
  await hub.partners.offer(asAlice, { assetId: pixel.id, partnerBusinessId: northwind.id, tasks: presetTasks("pixel", "VIEW_ONLY") });

  // A small account to look at over the Graph API: one campaign, two ad sets with an ad each; the
  // simulated market (grantline sim) gives it its history.
  const acmeApi = await hub.businesses.createSystemUser(asAlice, acme.id, { name: "Acme API", role: "ADMIN" });
  const campaign = await hub.campaigns.createCampaign(asAlice, adAccount.graphId, {
    name: "Summer Sale",
    objective: "OUTCOME_SALES",
    special_ad_categories: [],
    status: "ACTIVE",
  });
  const adCreative = await hub.adCreatives.createAdCreative(asAlice, adAccount.graphId, {
    name: "Trail shoes",
    title: "Trail shoes",
    body: "Light, grippy, ready for summer.",
    link_url: `${shopUrl}/acme/trail-shoes`,
    call_to_action_type: "SHOP_NOW",
  });
  for (const [index, name] of ["Lookalike 1%", "Interests: hiking"].entries()) {
    const adSet = await hub.adSets.createAdSet(asAlice, adAccount.graphId, { campaign_id: campaign.id, name, daily_budget: 5000 + index * 2000, status: "ACTIVE" });
    await hub.ads.createAd(asAlice, adAccount.graphId, { adset_id: adSet.id, name: `${name} – Trail shoes`, creative: { creative_id: adCreative.id }, status: "ACTIVE" });
  }

  return {
    advertiser: { id: acme.id, name: acme.name },
    agency: { id: northwind.id, name: northwind.name },
    people: [
      { ...alice, business: DEMO_ADVERTISER, role: "ADMIN" },
      { ...bob, business: DEMO_ADVERTISER, role: "EMPLOYEE" },
      { ...nora, business: DEMO_AGENCY, role: "ADMIN" },
      { ...sam, business: DEMO_AGENCY, role: "EMPLOYEE" },
    ],
    assets: [adAccount, page, pixel, instagram, catalog, creative].map((a) => ({ id: a.id, graphId: a.graphId, type: a.type, name: a.name })),
    agencySystemUserId: agencyBot.id,
    advertiserSystemUserId: acmeApi.id,
  };
}
