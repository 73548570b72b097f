import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetTasks } from "../../src/hub/catalogue/permissionLevels.ts";
import { principalContext } from "../../src/hub/context.ts";
import type { Grantline } from "../../src/app/openGrantline.ts";
import { bootstrapBusiness } from "../../src/hub/hub.ts";
import { HubSimulation } from "../../src/simulator/hubSimulation.ts";
import { adServicesOf, buildAd, buildAdSet, buildCampaign, buildCreative } from "../support/factories.ts";
import { DIALECTS, makeTestStore, TestClock, type TestStore } from "../support/hubs.ts";
import { seedIds } from "../support/seededIds.ts";
import { startServer, type RunningServer } from "../support/servers.ts";

/**
 * Held Graph answers: a few hundred GET requests against one deterministic world, answered as they
 * were when the fixture was recorded, byte for byte (after replacing tokens, trace ids and the
 * server's address). It holds the Graph surface still while the code under it is reorganised.
 *
 * `GRANTLINE_RECORD_HELD_ANSWERS=1 npx vitest run test/graph/heldAnswers.test.ts` records the
 * fixture again; a new recording is a behaviour change and its commit says why (docs/testing.md).
 */

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "held-answers.json");
const RECORDING = process.env.GRANTLINE_RECORD_HELD_ANSWERS === "1";
const MINUTE = 60_000;

type Caller = "owner" | "partner" | "stranger";
interface HeldRequest {
  /** Unique, readable name: what the request asks and as whom. */
  name: string;
  as: Caller;
  /** Path and query, without the access token. */
  path: string;
}
interface HeldAnswer extends HeldRequest {
  status: number;
  /** The body as normalized JSON text. */
  body: string;
}

/** Everything the requests need to name: the ids of the world's objects. */
interface World {
  owner: { business: string; systemUser: string; token: string };
  partner: { business: string; systemUser: string; token: string };
  stranger: { business: string; systemUser: string; token: string };
  people: { admin: string; employee: string; analyst: string; partnerPlanner: string };
  ownerBot: string;
  partnerBot: string;
  account: string;
  brandAccount: string;
  strangerAccount: string;
  page: string;
  pixel: string;
  instagram: string;
  catalog: string;
  creativeHub: string;
  partnerPage: string;
  campaigns: string[];
  adSets: string[];
  ads: string[];
  creatives: string[];
  labels: string[];
  brandCampaign: string;
  strangerCampaign: string;
  app: string;
  /** Async insights report runs: the owner's (ad level, by day), the partner's (ad sets by age). */
  reports: string[];
}

/** The world, built one awaited step at a time so that ids are drawn in the same order every run. */
async function buildWorld(hub: Grantline, clock: TestClock, post: (token: string, path: string, body: Record<string, unknown>) => Promise<Record<string, any>>): Promise<World> {
  const tick = () => (clock.t += MINUTE);
  const owner = await bootstrapBusiness(hub, "Acme Outdoor");
  tick();
  const partner = await bootstrapBusiness(hub, "Northwind Media");
  tick();
  const stranger = await bootstrapBusiness(hub, "Stranger Co");
  tick();
  const ownerCtx = principalContext("system_user", owner.system_user_id);
  const partnerCtx = principalContext("system_user", partner.system_user_id);
  const strangerCtx = principalContext("system_user", stranger.system_user_id);
  const asOwner = (p: string, body: Record<string, unknown>) => post(owner.access_token, p, body);
  const asPartner = (p: string, body: Record<string, unknown>) => post(partner.access_token, p, body);
  const asStranger = (p: string, body: Record<string, unknown>) => post(stranger.access_token, p, body);

  // People, by fixed names and emails, with each role; one person of the partner.
  const person = async (name: string) => {
    const created = await hub.businesses.createPerson(principalContext("system_user", owner.system_user_id), { name, email: `${name.toLowerCase().replace(/ /g, ".")}@example.test` });
    tick();
    return created.id;
  };
  const people = { admin: await person("Ada Admin"), employee: await person("Eli Employee"), analyst: await person("Fay Finance"), partnerPlanner: await person("Paz Planner") };
  await asOwner(`/${owner.business_id}/business_users`, { user: people.admin, role: "ADMIN" });
  await asOwner(`/${owner.business_id}/business_users`, { user: people.employee, role: "EMPLOYEE" });
  await asOwner(`/${owner.business_id}/business_users`, { user: people.analyst, role: "FINANCE_ANALYST" });
  await asPartner(`/${partner.business_id}/business_users`, { user: people.partnerPlanner, role: "EMPLOYEE" });
  tick();
  const ownerBot = (await asOwner(`/${owner.business_id}/system_users`, { name: "Nightly Report", role: "EMPLOYEE" })).id as string;
  const partnerBot = (await asPartner(`/${partner.business_id}/system_users`, { name: "Agency Bot", role: "EMPLOYEE" })).id as string;
  tick();

  // Assets of every type the hub has, the owner's; one of the partner's and one of the stranger's.
  const account = (await asOwner(`/${owner.business_id}/adaccount`, { name: "Acme Main", currency: "USD", timezone_id: 1 })).id as string;
  tick();
  const brandAccount = (await asOwner(`/${owner.business_id}/adaccount`, { name: "Acme Brand", currency: "EUR", timezone_name: "Europe/Berlin", spend_cap: 500000 })).id as string;
  tick();
  const page = (await asOwner(`/${owner.business_id}/owned_pages`, { name: "Acme Outdoor Page" })).id as string;
  const pixel = (await asOwner(`/${owner.business_id}/adspixels`, { name: "Acme Pixel" })).id as string;
  const catalog = (await asOwner(`/${owner.business_id}/owned_product_catalogs`, { name: "Acme Catalog" })).id as string;
  const instagram = (await asOwner(`/${owner.business_id}/owned_instagram_assets`, { name: "acme.outdoor" })).id as string;
  const creativeHub = (await asOwner(`/${owner.business_id}/creative_hub_projects`, { name: "Spring Mockups" })).id as string;
  tick();
  const partnerPage = (await asPartner(`/${partner.business_id}/owned_pages`, { name: "Northwind Page" })).id as string;
  const strangerAccount = (await asStranger(`/${stranger.business_id}/adaccount`, { name: "Stranger Account", currency: "GBP", timezone_name: "Europe/London" })).id as string;
  tick();

  // Partner shares at different levels: offered and accepted, one offer still pending, one request still pending.
  const share = async (assetGraphId: string, type: Parameters<typeof presetTasks>[0], level: Parameters<typeof presetTasks>[1], accept: boolean) => {
    await asOwner(`/${assetGraphId}/agencies`, { business: partner.business_id, permitted_tasks: presetTasks(type, level) });
    if (accept) await hub.partners.acceptOrRequest(partnerCtx, { partnerBusinessId: partner.business_id, assetId: assetGraphId.replace(/^act_/, "") });
    tick();
  };
  await share(account, "ad_account", "STANDARD", true);
  await share(page, "page", "VIEW_ONLY", true);
  await share(pixel, "pixel", "ADMIN", true);
  await share(instagram, "instagram_account", "STANDARD", true);
  await share(creativeHub, "creative_hub_project", "VIEW_ONLY", true);
  await share(catalog, "product_catalog", "STANDARD", false);
  await asPartner(`/${partner.business_id}/client_ad_accounts`, { adaccount_id: brandAccount, permitted_tasks: presetTasks("ad_account", "VIEW_ONLY") });
  tick();

  // Assignments on both sides, the partner's within its share.
  await asOwner(`/${account}/assigned_users`, { user: people.employee, tasks: presetTasks("ad_account", "STANDARD") });
  await asOwner(`/${account}/assigned_users`, { user: ownerBot, tasks: ["ANALYZE"] });
  await asOwner(`/${page}/assigned_users`, { user: people.employee, tasks: presetTasks("page", "STANDARD") });
  await asPartner(`/${account}/assigned_users`, { user: partner.system_user_id, tasks: presetTasks("ad_account", "STANDARD"), business: partner.business_id });
  await asPartner(`/${account}/assigned_users`, { user: partnerBot, tasks: ["ANALYZE", "AA_ANALYZE"], business: partner.business_id });
  await asPartner(`/${page}/assigned_users`, { user: people.partnerPlanner, tasks: presetTasks("page", "VIEW_ONLY"), business: partner.business_id });
  await asPartner(`/${pixel}/assigned_users`, { user: partner.system_user_id, tasks: ["ANALYZE"], business: partner.business_id });
  await asPartner(`/${instagram}/assigned_users`, { user: partner.system_user_id, tasks: ["ANALYZE", "CONTENT"], business: partner.business_id });
  tick();

  // Ad labels, then ad objects: 2 campaigns × 2 ad sets × 2 ads on the main account.
  const labels = [(await asOwner(`/${account}/adlabels`, { name: "Spring" })).id as string, (await asOwner(`/${account}/adlabels`, { name: "Retargeting" })).id as string];
  tick();
  const ads = adServicesOf(hub);
  const creatives: string[] = [];
  creatives.push((await buildCreative(ads, ownerCtx, account, { name: "Trail shoes creative" })).id);
  creatives.push((await buildCreative(ads, ownerCtx, account, { name: "Rain jacket creative", title: "Rain jacket", body: "Stays dry.", link_url: "https://shop.example.test/rain", call_to_action_type: "LEARN_MORE" })).id);
  tick();
  const campaigns: string[] = [];
  const adSets: string[] = [];
  const adIds: string[] = [];
  const targeting = { age_min: 25, age_max: 54, genders: [2], geo_locations: { countries: ["US"] } };
  for (let c = 0; c < 2; c++) {
    const campaign = await buildCampaign(ads, ownerCtx, account, {
      name: `Campaign ${c}`,
      status: "ACTIVE",
      objective: c === 0 ? "OUTCOME_SALES" : "OUTCOME_TRAFFIC",
      adlabels: [{ id: labels[c]! }],
    });
    campaigns.push(campaign.id);
    tick();
    for (let s = 0; s < 2; s++) {
      const adSet = await buildAdSet(ads, ownerCtx, account, campaign.id, { name: `Ad set ${c}.${s}`, status: "ACTIVE", daily_budget: 4000 + 2000 * s, ...(s === 0 ? { targeting } : {}) });
      adSets.push(adSet.id);
      tick();
      for (let a = 0; a < 2; a++) {
        adIds.push((await buildAd(ads, ownerCtx, account, adSet.id, creatives[a]!, { name: `Ad ${c}.${s}.${a}`, status: c === 1 && s === 1 && a === 1 ? "PAUSED" : "ACTIVE" })).id);
        tick();
      }
    }
  }
  await asOwner(`/${adIds[0]}/adlabels`, { adlabels: [{ id: labels[1] }] });
  const brandCampaign = (await buildCampaign(ads, ownerCtx, brandAccount, { name: "Brand awareness", status: "PAUSED", objective: "OUTCOME_AWARENESS" })).id;
  const strangerCampaign = (await buildCampaign(ads, strangerCtx, strangerAccount, { name: "Stranger campaign", status: "PAUSED" })).id;
  tick();

  // An app of the owner's, registered as a tool builder would.
  const app = (await hub.appRegistry.register(ownerCtx, { businessId: owner.business_id, name: "Acme Reporting Tool", redirectUris: ["https://tool.example.test/callback"] })).app.id;
  tick();

  // An invitation still pending.
  await asOwner(`/${owner.business_id}/business_users`, { email: "gus.guest@example.test", role: "EMPLOYEE" });
  tick();

  // Fourteen days of delivery from the simulated market, ending yesterday.
  await new HubSimulation(hub).backfill(14, { seed: 7 });
  tick();

  // Async insights reports, one by each side (Grantline completes them at once).
  const ownerReport = (await asOwner(`/${account}/insights`, { level: "ad", time_increment: 1, date_preset: "last_7d", fields: "ad_name,spend,impressions,clicks,actions" })).report_run_id as string;
  const partnerReport = (await asPartner(`/${campaigns[0]}/insights`, { level: "adset", breakdowns: "age", date_preset: "last_14d", fields: "adset_name,spend,impressions" })).report_run_id as string;

  return {
    owner: { business: owner.business_id, systemUser: owner.system_user_id, token: owner.access_token },
    partner: { business: partner.business_id, systemUser: partner.system_user_id, token: partner.access_token },
    stranger: { business: stranger.business_id, systemUser: stranger.system_user_id, token: stranger.access_token },
    people,
    ownerBot,
    partnerBot,
    account,
    brandAccount,
    strangerAccount,
    page,
    pixel,
    instagram,
    catalog,
    creativeHub,
    partnerPage,
    campaigns,
    adSets,
    ads: adIds,
    creatives,
    labels,
    brandCampaign,
    strangerCampaign,
    app,
    reports: [ownerReport, partnerReport],
  };
}

const ALL: Caller[] = ["owner", "partner", "stranger"];

/** Spec field names each node type answers (fieldCoverage's returned and fixed fields), asked for all at once. */
const SPEC_FIELDS: Record<string, string> = {
  business: "id,name,verification_status,two_factor_type,created_time,primary_page,link,is_hidden",
  user: "id,name,first_name,last_name",
  system_user: "id,name",
  ad_account:
    "id,account_id,name,currency,timezone_name,timezone_id,timezone_offset_hours_utc,spend_cap,account_status,disable_reason,capabilities,business,owner,amount_spent,balance,created_time,funding_source_details,min_daily_budget,user_tasks,age,attribution_spec,business_name,owner_business,is_personal,is_prepay_account",
  page: "id,name,business,owner_business",
  pixel: "id,name,owner_business,creation_time,is_unavailable,code,is_created_by_business,is_crm",
  instagram_account: "id,name,username,owner_business",
  product_catalog: "id,name,business,owner_business,vertical",
  creative_hub_project: "id,name",
  campaign:
    "id,account_id,name,objective,status,configured_status,effective_status,special_ad_categories,buying_type,bid_strategy,daily_budget,lifetime_budget,spend_cap,start_time,stop_time,issues_info,created_time,updated_time,budget_remaining,adlabels,pacing_type,special_ad_category,smart_promotion_type",
  adset:
    "id,account_id,campaign,campaign_id,name,status,configured_status,effective_status,optimization_goal,billing_event,bid_strategy,bid_amount,bid_constraints,daily_budget,lifetime_budget,start_time,end_time,targeting,promoted_object,issues_info,created_time,updated_time,budget_remaining,learning_stage_info,adlabels,attribution_spec,destination_type,pacing_type",
  ad: "id,account_id,campaign,campaign_id,adset,adset_id,name,status,configured_status,effective_status,creative,ad_review_feedback,issues_info,created_time,updated_time,preview_shareable_link,adlabels,failed_delivery_checks",
  adcreative: "id,account_id,name,status,title,body,link_url,image_url,image_hash,call_to_action_type,object_story_spec,url_tags,call_to_action,thumbnail_url,effective_object_story_id,object_type",
  adlabel: "id,name,account,created_time,updated_time",
  app: "id,name",
  report_run: "id,account_id,async_status,async_percent_completion,time_ref,time_completed,date_start,date_stop",
};

/** Every GET edge of each node type the Graph serves (the registry's edges when the fixture was first recorded). */
const EDGES: Record<string, string[]> = {
  business: "owned_ad_accounts client_ad_accounts pending_client_ad_accounts owned_pages client_pages pending_client_pages owned_pixels adspixels client_pixels owned_product_catalogs client_product_catalogs instagram_accounts owned_instagram_assets client_instagram_assets creative_hub_projects client_creative_hub_projects agencies clients business_users pending_users system_users alert_channels alerts subscribed_apps access_review_findings access_review_campaigns graph_review_targets graph_review_findings removal_verifications troubleshoot access_impact partner_shares partner_requests audit_log connected_apps".split(" "),
  user: "assigned_ad_accounts assigned_pages assigned_product_catalogs assigned_pixels adaccounts accounts businesses connected_apps access_impact".split(" "),
  system_user: "assigned_ad_accounts assigned_pages assigned_product_catalogs assigned_pixels adaccounts accounts businesses access_tokens".split(" "),
  ad_account: "agencies assigned_users campaigns adsets ads adcreatives insights activities users adspixels partner_guardrails pending_changes adimages generatepreviews adlabels subscribed_apps troubleshoot capabilities permission_levels access_paths connected_apps".split(" "),
  asset: "agencies assigned_users troubleshoot capabilities permission_levels access_paths connected_apps".split(" "),
  campaign: "adsets ads insights".split(" "),
  adset: "ads insights".split(" "),
  ad: "insights previews".split(" "),
  adlabel: ["troubleshoot"],
  adcreative: ["previews"],
  app: "subscriptions webhook_deliveries".split(" "),
  report_run: ["insights"],
};

/** The held requests, generated from the tables above over the world's objects. */
function heldRequests(w: World): HeldRequest[] {
  const out: HeldRequest[] = [];
  const seen = new Set<string>();
  const add = (name: string, as: Caller | Caller[], path: string) => {
    for (const caller of Array.isArray(as) ? as : [as]) {
      const full = `${name} as ${caller}`;
      if (seen.has(full)) throw new Error(`Two held requests are named "${full}".`);
      seen.add(full);
      out.push({ name: full, as: caller, path });
    }
  };
  const enc = encodeURIComponent;
  const nodes: [label: string, type: string, id: string, edgeTable: string, callers: Caller[]][] = [
    ["owner business", "business", w.owner.business, "business", ALL],
    ["partner business", "business", w.partner.business, "business", ["owner", "partner"]],
    ["owner admin person", "user", w.people.admin, "user", ALL],
    ["owner employee person", "user", w.people.employee, "user", ["owner", "partner"]],
    ["owner system user", "system_user", w.owner.systemUser, "system_user", ALL],
    ["owner bot", "system_user", w.ownerBot, "system_user", ["owner", "partner"]],
    ["partner bot", "system_user", w.partnerBot, "system_user", ["owner", "partner"]],
    ["main ad account", "ad_account", w.account, "ad_account", ALL],
    ["brand ad account", "ad_account", w.brandAccount, "ad_account", ["owner", "partner"]],
    ["page", "page", w.page, "asset", ALL],
    ["pixel", "pixel", w.pixel, "asset", ALL],
    ["instagram account", "instagram_account", w.instagram, "asset", ALL],
    ["catalog", "product_catalog", w.catalog, "asset", ALL],
    ["creative hub project", "creative_hub_project", w.creativeHub, "asset", ALL],
    ["campaign 0", "campaign", w.campaigns[0]!, "campaign", ALL],
    ["campaign 1", "campaign", w.campaigns[1]!, "campaign", ["owner"]],
    ["ad set 0.0", "adset", w.adSets[0]!, "adset", ALL],
    ["ad set 1.1", "adset", w.adSets[3]!, "adset", ["owner"]],
    ["ad 0.0.0", "ad", w.ads[0]!, "ad", ALL],
    ["ad 1.1.1", "ad", w.ads[7]!, "ad", ["owner"]],
    ["creative 0", "adcreative", w.creatives[0]!, "adcreative", ALL],
    ["label 0", "adlabel", w.labels[0]!, "adlabel", ALL],
    ["app", "app", w.app, "app", ALL],
    ["owner's report run", "report_run", w.reports[0]!, "report_run", ALL],
    ["partner's report run", "report_run", w.reports[1]!, "report_run", ALL],
  ];

  // Every node: its default fields, the spec fields it answers, and each GET edge's first page.
  for (const [label, type, id, edgeTable, callers] of nodes) {
    add(`${label}: default fields`, callers, `/v24.0/${id}`);
    add(`${label}: spec fields`, callers, `/v24.0/${id}?fields=${SPEC_FIELDS[type]}`);
    for (const edge of EDGES[edgeTable]!) add(`${label}: GET ${edge}`, callers, `/v24.0/${id}/${edge}`);
  }
  // Without a version prefix, and under another version.
  add("main ad account: no version prefix", ALL, `/${w.account}?fields=name,currency`);
  add("main ad account: v19.0", ["owner"], `/v19.0/${w.account}?fields=name,currency`);

  // Edges with the parameters they need or take.
  add("main ad account: generatepreviews with a creative", ["owner", "partner"], `/v24.0/${w.account}/generatepreviews?ad_format=DESKTOP_FEED_STANDARD&creative=${enc(JSON.stringify({ object_story_spec: { page_id: w.page, link_data: { link: "https://shop.example.test/", message: "Hello" } } }))}`);
  add("ad 0.0.0: previews DESKTOP_FEED_STANDARD", ["owner", "partner"], `/v24.0/${w.ads[0]}/previews?ad_format=DESKTOP_FEED_STANDARD`);
  add("creative 0: previews MOBILE_FEED_STANDARD", ["owner"], `/v24.0/${w.creatives[0]}/previews?ad_format=MOBILE_FEED_STANDARD`);
  for (const [label, id] of [["main ad account", w.account], ["page", w.page], ["pixel", w.pixel]] as const) {
    add(`${label}: assigned_users of the owner business`, ["owner", "partner"], `/v24.0/${id}/assigned_users?business=${w.owner.business}&fields=name,tasks`);
    add(`${label}: assigned_users of the partner business`, ["owner", "partner"], `/v24.0/${id}/assigned_users?business=${w.partner.business}&fields=name,tasks`);
  }
  add("main ad account: troubleshoot permissions of the partner bot", ["owner", "partner"], `/v24.0/${w.account}/troubleshoot?problem=permissions&principal_id=${w.partnerBot}`);
  add("main ad account: troubleshoot missing_asset of the owner bot", ["owner"], `/v24.0/${w.account}/troubleshoot?problem=missing_asset&principal_id=${w.ownerBot}&action=create_campaign`);
  add("main ad account: troubleshoot spend_spike", ["owner", "partner"], `/v24.0/${w.account}/troubleshoot?problem=spend_spike&since=2026-03-01`);
  add("page: troubleshoot missing_asset of the planner", ["owner", "partner"], `/v24.0/${w.page}/troubleshoot?problem=missing_asset&principal_id=${w.people.partnerPlanner}`);
  add("partner business: troubleshoot invitation", ["partner"], `/v24.0/${w.partner.business}/troubleshoot?problem=invitation&owner_business_id=${w.owner.business}&asset_id=${w.catalog}`);
  add("owner business: access_impact of removing the partner", ["owner"], `/v24.0/${w.owner.business}/access_impact?change=partner&partner=${w.partner.business}`);
  add("owner business: access_impact of ending the page share", ["owner"], `/v24.0/${w.owner.business}/access_impact?change=share&asset=${w.page}&partner=${w.partner.business}`);
  add("owner business: access_impact of narrowing the account share", ["owner"], `/v24.0/${w.owner.business}/access_impact?change=share_level&asset=${w.account}&partner=${w.partner.business}&tasks=${enc('["ANALYZE"]')}`);
  add("owner business: access_impact of removing the employee", ["owner"], `/v24.0/${w.owner.business}/access_impact?change=member&user=${w.people.employee}`);
  add("owner business: access_impact of removing the app", ["owner"], `/v24.0/${w.owner.business}/access_impact?change=app&app=${w.app}`);

  // Lists with fields, filtering, sorting and paging.
  add("campaigns with fields", ALL, `/v24.0/${w.account}/campaigns?fields=name,status,objective,daily_budget,effective_status`);
  add("ad sets with targeting", ["owner", "partner"], `/v24.0/${w.account}/adsets?fields=name,targeting,daily_budget,campaign_id`);
  add("ads with creative", ["owner", "partner"], `/v24.0/${w.account}/ads?fields=name,status,effective_status,creative{name,title}`);
  add("ads with summary", ["owner"], `/v24.0/${w.account}/ads?summary=total_count&limit=3`);
  add("campaigns filtered by effective_status", ["owner", "partner"], `/v24.0/${w.account}/campaigns?fields=name&effective_status=${enc('["ACTIVE"]')}`);
  add("ads filtered by name CONTAIN", ["owner", "partner"], `/v24.0/${w.account}/ads?fields=name&filtering=${enc(JSON.stringify([{ field: "name", operator: "CONTAIN", value: "0.1" }]))}`);
  add("ads filtered by effective_status IN", ["owner"], `/v24.0/${w.account}/ads?fields=name,effective_status&filtering=${enc(JSON.stringify([{ field: "effective_status", operator: "IN", value: ["PAUSED", "ACTIVE"] }]))}`);
  add("ad sets filtered by daily_budget GREATER_THAN", ["owner"], `/v24.0/${w.account}/adsets?fields=name,daily_budget&filtering=${enc(JSON.stringify([{ field: "daily_budget", operator: "GREATER_THAN", value: 5000 }]))}`);
  add("error: bad filtering operator", ["owner", "partner"], `/v24.0/${w.account}/ads?fields=name&filtering=${enc(JSON.stringify([{ field: "name", operator: "RESEMBLES", value: "x" }]))}`);
  add("error: filtering on an unknown field", ["owner"], `/v24.0/${w.account}/ads?fields=name&filtering=${enc(JSON.stringify([{ field: "colour", operator: "EQUAL", value: "x" }]))}`);
  add("error: filtering is not JSON", ["owner"], `/v24.0/${w.account}/ads?filtering=not-json`);

  // Nested expansion.
  add("nested: campaigns{adsets{ads}}", ["owner", "partner"], `/v24.0/${w.account}?fields=${enc("name,campaigns{name,adsets{name,ads{name,status}}}")}`);
  add("nested: campaigns.limit(1) with insights", ["owner", "partner"], `/v24.0/${w.account}/campaigns?fields=${enc("name,adsets.limit(1){name,insights.date_preset(last_7d){spend,impressions}}")}`);
  add("nested: owned_ad_accounts with campaigns", ["owner"], `/v24.0/${w.owner.business}/owned_ad_accounts?fields=${enc("name,campaigns{name,status}")}`);
  add("nested: client_ad_accounts with campaigns", ["partner"], `/v24.0/${w.partner.business}/client_ad_accounts?fields=${enc("name,permitted_tasks,campaigns{name}")}`);
  add("nested: ad with adset and campaign references", ["owner"], `/v24.0/${w.ads[0]}?fields=${enc("name,adset{name,daily_budget},campaign{name,objective},creative{title,body}")}`);
  add("nested: business agencies and clients", ["owner", "partner"], `/v24.0/${w.owner.business}?fields=${enc("name,owned_ad_accounts{name},agencies{name}")}`);

  // Paging: a first page of two, then the page its `next` names (followed when the request is made).
  add("paging: campaigns limit=1", ["owner", "partner"], `/v24.0/${w.account}/campaigns?fields=name&limit=1`);
  add("paging: ads limit=2", ["owner", "partner"], `/v24.0/${w.account}/ads?fields=name&limit=2`);
  add("paging: business_users limit=2", ["owner"], `/v24.0/${w.owner.business}/business_users?limit=2`);
  add("paging: report run rows limit=2", ["owner"], `/v24.0/${w.reports[0]}/insights?limit=2`);
  add("paging: insights by ad and day limit=2", ["owner"], `/v24.0/${w.account}/insights?level=ad&time_increment=1&date_preset=last_7d&fields=ad_id,spend&limit=2`);

  // ?ids= for several nodes at once.
  add("ids: two campaigns", ["owner", "partner"], `/v24.0/?ids=${w.campaigns.join(",")}&fields=name,status`);
  add("ids: account, page and pixel", ALL, `/v24.0/?ids=${w.account},${w.page},${w.pixel}&fields=name`);
  add("ids: one unknown", ["owner"], `/v24.0/?ids=${w.campaigns[0]},9999999999999999&fields=name`);

  // /me discovery.
  for (const edge of ["", "/adaccounts", "/businesses", "/accounts", "/assigned_ad_accounts", "/assigned_pages"]) add(`me${edge || ": default fields"}`, ALL, `/v24.0/me${edge}`);
  add("me: adaccounts with fields", ALL, `/v24.0/me/adaccounts?fields=name,account_id,currency,user_tasks`);
  add("me: businesses with fields", ALL, `/v24.0/me/businesses?fields=name,verification_status`);

  // Insights: date presets, ranges, levels, breakdowns, action breakdowns, time_increment, filtering, sort.
  const insights = (name: string, query: string, as: Caller[] = ["owner", "partner"], node = w.account) => add(`insights: ${name}`, as, `/v24.0/${node}/insights?${query}`);
  const basic = "fields=spend,impressions,clicks,reach,ctr,cpc,cpm,actions,action_values";
  for (const preset of ["today", "yesterday", "last_3d", "last_7d", "last_14d", "last_30d", "this_month", "last_month", "maximum"]) insights(`date_preset=${preset}`, `${basic}&date_preset=${preset}`);
  insights("time_range", `${basic}&time_range=${enc(JSON.stringify({ since: "2026-03-10", until: "2026-03-15" }))}`, ALL);
  insights("time_ranges", `fields=spend,impressions&time_ranges=${enc(JSON.stringify([{ since: "2026-03-04", until: "2026-03-10" }, { since: "2026-03-11", until: "2026-03-17" }]))}`);
  insights("default fields", "date_preset=last_14d");
  for (const level of ["campaign", "adset", "ad"]) insights(`level=${level}`, `level=${level}&fields=campaign_name,adset_name,ad_name,spend,impressions,clicks&date_preset=last_14d`);
  insights("time_increment=1", "fields=spend,impressions,clicks&time_increment=1&date_preset=last_14d");
  insights("time_increment=7", "fields=spend,impressions&time_increment=7&date_preset=last_14d");
  insights("time_increment=monthly", "fields=spend,impressions&time_increment=monthly&date_preset=maximum");
  insights("time_increment=all_days", "fields=spend&time_increment=all_days&date_preset=last_14d");
  for (const breakdown of ["age", "gender", "age,gender", "country", "region", "publisher_platform", "publisher_platform,platform_position", "device_platform", "impression_device", "hourly_stats_aggregated_by_advertiser_time_zone"]) {
    insights(`breakdowns=${breakdown}`, `fields=spend,impressions,clicks&breakdowns=${breakdown}&date_preset=last_7d`);
  }
  for (const actionBreakdown of ["action_type", "action_destination", "action_device"]) insights(`action_breakdowns=${actionBreakdown}`, `fields=actions,action_values,cost_per_action_type&action_breakdowns=${actionBreakdown}&date_preset=last_7d`);
  insights("action_attribution_windows", `fields=actions&action_attribution_windows=${enc('["1d_click","7d_click"]')}&date_preset=last_7d`);
  insights("filtering campaign.name", `level=campaign&fields=campaign_name,spend&date_preset=last_14d&filtering=${enc(JSON.stringify([{ field: "campaign.name", operator: "CONTAIN", value: "1" }]))}`);
  insights("filtering ad.effective_status", `level=ad&fields=ad_name,spend&date_preset=last_14d&filtering=${enc(JSON.stringify([{ field: "ad.effective_status", operator: "IN", value: ["ACTIVE"] }]))}`);
  insights("filtering spend", `level=ad&fields=ad_name,spend&date_preset=last_14d&filtering=${enc(JSON.stringify([{ field: "spend", operator: "GREATER_THAN", value: 100 }]))}`);
  insights("sort spend_descending", "level=ad&fields=ad_name,spend&date_preset=last_14d&sort=spend_descending");
  insights("sort impressions_ascending", "level=adset&fields=adset_name,impressions&date_preset=last_14d&sort=impressions_ascending");
  insights("summary", "level=campaign&fields=campaign_name,spend,impressions&date_preset=last_14d&summary=spend,impressions");
  insights("default_summary", "level=campaign&fields=spend&date_preset=last_14d&default_summary=true");
  insights("conversion metrics", "fields=purchase_roas,cost_per_action_type,conversions,conversion_values,frequency,unique_clicks,inline_link_clicks,outbound_clicks&date_preset=last_14d");
  insights("of a campaign", `${basic}&date_preset=last_14d`, ALL, w.campaigns[0]!);
  insights("of an ad set by day", "fields=spend,impressions&time_increment=1&date_preset=last_7d", ["owner", "partner"], w.adSets[0]!);
  insights("of an ad by age", "fields=spend,impressions&breakdowns=age&date_preset=last_7d", ["owner", "partner"], w.ads[0]!);
  insights("of the brand account (no delivery)", `${basic}&date_preset=last_14d`, ["owner", "partner"], w.brandAccount);
  insights("error: unknown date_preset", "fields=spend&date_preset=last_2_weeks", ["owner"]);
  insights("error: unknown breakdown", "fields=spend&breakdowns=shoe_size&date_preset=last_7d", ["owner"]);
  insights("error: unknown field", "fields=spend,happiness&date_preset=last_7d", ["owner"]);
  insights("error: bad time_range", `fields=spend&time_range=${enc('{"since":"2026-03-15"}')}`, ["owner"]);
  insights("error: bad filtering operator", `fields=spend&date_preset=last_7d&filtering=${enc(JSON.stringify([{ field: "spend", operator: "ABOUT", value: 1 }]))}`, ["owner"]);

  // Errors: unknown field, unknown node, unknown edge, refused spec field, other tenants' objects.
  add("error: unknown field on an ad account", ["owner"], `/v24.0/${w.account}?fields=name,shoe_size`);
  add("error: unknown field on a campaign", ["owner"], `/v24.0/${w.campaigns[0]}?fields=name,colour`);
  add("error: refused spec field on a campaign", ["owner"], `/v24.0/${w.campaigns[0]}?fields=name,topline_id,source_campaign`);
  add("error: unknown node", ALL, `/v24.0/1234567890123456`);
  add("error: unknown ad account", ["owner"], `/v24.0/act_1234567890123456/campaigns`);
  add("error: unknown edge", ["owner"], `/v24.0/${w.account}/shoes`);
  add("error: malformed fields", ["owner"], `/v24.0/${w.account}?fields=${enc("name,campaigns{name")}`);
  add("error: bad limit", ["owner"], `/v24.0/${w.account}/campaigns?limit=-3`);
  add("error: stranger's account read by the owner", ["owner", "partner"], `/v24.0/${w.strangerAccount}?fields=name`);
  add("error: stranger's campaign read by the owner", ["owner"], `/v24.0/${w.strangerCampaign}?fields=name`);
  add("stranger's account read by the stranger", ["stranger"], `/v24.0/${w.strangerAccount}?fields=name,currency,timezone_name`);
  add("brand campaign (pending request)", ["owner", "partner"], `/v24.0/${w.brandCampaign}?fields=name,status`);
  add("partner page", ALL, `/v24.0/${w.partnerPage}?fields=name,owner_business`);
  add("partner system user's node", ALL, `/v24.0/${w.partner.systemUser}?fields=name`);
  add("error: no token", ["owner"], `/v24.0/${w.account}?access_token=`);
  add("error: bad token", ["owner"], `/v24.0/${w.account}?access_token=GLnot-a-token`);
  return out;
}

/**
 * What changes run to run however the world is built: trace ids, and the Page access tokens that
 * `/me/accounts` issues on each call (by key); preview links, sealed with a random IV (by pattern).
 */
const RANDOM_VALUED_KEYS = new Set(["fbtrace_id", "access_token"]);
const RANDOM_PATTERNS: [RegExp, string][] = [[/\/ads\/media\/preview\/v1\.[A-Za-z0-9_-]+/g, "/ads/media/preview/v1.<sealed>"]];

function normalize(text: string, replacements: [string, string][]): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, RANDOM_VALUED_KEYS.has(k) ? `<${k}>` : walk(v)]));
    return value;
  };
  let out = typeof body === "string" ? body : JSON.stringify(walk(body));
  for (const [from, to] of replacements) out = out.split(from).join(to);
  for (const [pattern, to] of RANDOM_PATTERNS) out = out.replace(pattern, to);
  return out;
}

/** Where two bodies first differ, with a little of each around it: long bodies differ in one place. */
function firstDifference(held: string, now: string): string {
  let i = 0;
  while (i < held.length && held[i] === now[i]) i++;
  const around = (text: string) => JSON.stringify(text.slice(Math.max(0, i - 40), i + 60));
  return `  first difference at character ${i}:\n    held: …${around(held)}…\n    now:  …${around(now)}…`;
}

/**
 * Recorded on SQLite; checked on SQLite, and on PostgreSQL too when DATABASE_URL is set: the two
 * stores give the same bytes, so one fixture holds both.
 */
describe.each(DIALECTS)("held Graph answers on %s", (dialect) => {
  let store: TestStore;
  let hub: Grantline;
  let server: RunningServer;
  let world: World;
  let restoreIds: () => void;

  beforeAll(async () => {
    store = makeTestStore(dialect);
    const clock = new TestClock(Date.UTC(2026, 2, 18, 9));
    hub = await store.open(clock);
    server = await startServer(hub);
    // Seeded only once the hub and its server are up: ids their start-up draws do not shift the world's.
    restoreIds = seedIds("held-answers");
    const post = async (token: string, p: string, body: Record<string, unknown>) => {
      const response = await fetch(new URL(`/v24.0${p}?access_token=${token}`, server.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const json = (await response.json()) as Record<string, any>;
      if (response.status !== 200) throw new Error(`Building the world: POST ${p} answered ${response.status} ${JSON.stringify(json)}`);
      return json;
    };
    world = await buildWorld(hub, clock, post);
  }, 120_000);
  afterAll(async () => {
    restoreIds?.();
    await server?.close();
    await store?.cleanup();
  });

  it("answers every held request as it was recorded", async () => {
    const tokens: Record<Caller, string> = { owner: world.owner.token, partner: world.partner.token, stranger: world.stranger.token };
    const replacements: [string, string][] = [
      [server.url, "http://graph.test"],
      [tokens.owner, "<owner-token>"],
      [tokens.partner, "<partner-token>"],
      [tokens.stranger, "<stranger-token>"],
    ];
    const answers: HeldAnswer[] = [];
    const ask = async (request: HeldRequest): Promise<HeldAnswer> => {
      const url = new URL(request.path, server.url);
      if (!url.searchParams.has("access_token")) url.searchParams.set("access_token", tokens[request.as]);
      const response = await fetch(url);
      return { ...request, status: response.status, body: normalize(await response.text(), replacements) };
    };
    for (const request of heldRequests(world)) {
      const answer = await ask(request);
      answers.push(answer);
      // A page's `next`, followed as a client would, held as its own answer.
      const next = request.name.startsWith("paging:") ? (JSON.parse(answer.body) as { paging?: { next?: string } }).paging?.next : undefined;
      if (next) {
        const url = new URL(next.replace("http://graph.test", server.url));
        url.searchParams.delete("access_token");
        answers.push(await ask({ name: `${request.name} → next`, as: request.as, path: url.pathname + url.search }));
      }
    }

    if (RECORDING && dialect === "sqlite") {
      fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
      fs.writeFileSync(FIXTURE, `{"answers": [\n${answers.map((a) => JSON.stringify(a)).join(",\n")}\n]}\n`);
      return;
    }
    const held = (JSON.parse(fs.readFileSync(FIXTURE, "utf8")) as { answers: HeldAnswer[] }).answers;
    // Same requests, in the same order. The paths carry the world's ids: when they all differ, the
    // code drew ids (newId) in another number or order while the world was built, and every
    // answer would differ for that reason alone.
    expect(
      answers.map((a) => `${a.name}: GET ${a.path}`),
      "The held requests differ from the recording (a changed list, or ids drawn in another order while building the world)",
    ).toEqual(held.map((a) => `${a.name}: GET ${a.path}`));
    const differences = answers.flatMap((answer, i) => {
      const before = held[i]!;
      if (answer.status === before.status && answer.body === before.body) return [];
      return [`${answer.name} (GET ${answer.path})\n${firstDifference(before.body, answer.body)}\n  held:   ${before.status} ${before.body}\n  now:    ${answer.status} ${answer.body}`];
    });
    expect(differences, `${differences.length} of ${answers.length} answers changed`).toEqual([]);
  }, 300_000);
});
