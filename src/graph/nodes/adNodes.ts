import { errors } from "../../errors.ts";
import type { Hub } from "../../hub/hub.ts";
import { findAd } from "../../hub/ads/ad.repository.ts";
import { findCreative } from "../../hub/ads/adCreative.repository.ts";
import { findAdSet } from "../../hub/ads/adSet.repository.ts";
import { findCampaign } from "../../hub/ads/campaign.repository.ts";
import type { InsightsQuery } from "../../hub/ads/insights.service.ts";
import { MAX_PAGE_SIZE, type Page, type PageRequest } from "../../store/paging.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphNode, type GraphObject, type GraphResult, type NodeResolver, type NodeSpec } from "../graphTypes.ts";
import { listInOrder } from "../listing.ts";
import { listParam, stringParam } from "../params.ts";

const CAMPAIGNS = { type: "Campaign", node: "campaign" };
const AD_SETS = { type: "AdSet", node: "adset" };
const ADS = { type: "Ad", node: "ad" };
const CREATIVES = { type: "AdCreative", node: "adcreative" };

/** Meta answers ad objects with only their id unless `fields` asks for more. */
const ID_ONLY = ["id"] as const;

type Fetch = (page: PageRequest) => Promise<Page<object>>;

/**
 * A stored, keyset-paged edge. `summary=total_count` counts by walking the same pages the caller
 * may read, so the count respects the same filters and checks as the list.
 */
async function list(call: GraphCall, fetch: Fetch): Promise<GraphResult> {
  const page = await fetch(call.paging);
  const total = async () => {
    let count = 0;
    let request: PageRequest = { limit: MAX_PAGE_SIZE };
    for (;;) {
      const next = await fetch(request);
      count += next.items.length;
      if (!next.hasNext || !next.last) return count;
      request = { limit: MAX_PAGE_SIZE, after: next.last };
    }
  };
  return { kind: "list", page: page as Page<GraphObject>, defaults: ID_ONLY, total };
}

/** Parameters the services take in Meta's names, minus the Graph envelope's own. */
function body(call: GraphCall): Record<string, unknown> {
  const { fields: _f, limit: _l, after: _a, before: _b, summary: _s, ...rest } = call.params;
  return rest;
}

function listOptions(call: GraphCall, page: PageRequest) {
  const effectiveStatus = listParam(call.params, "effective_status");
  return { page, ...(effectiveStatus ? { effectiveStatus } : {}) };
}

function insightsQuery(call: GraphCall, node: GraphNode): InsightsQuery {
  const timeRange = call.params.time_range;
  if (timeRange !== undefined && (typeof timeRange !== "object" || timeRange === null || Array.isArray(timeRange))) {
    throw errors.invalidParameter('time_range must be an object such as {"since":"2026-01-01","until":"2026-01-31"}.');
  }
  const increment = stringParam(call.params, "time_increment");
  const query: InsightsQuery = { objectId: node.type === "ad_account" ? `act_${node.id}` : node.id, fields: call.fields ?? [] };
  const level = stringParam(call.params, "level");
  const datePreset = stringParam(call.params, "date_preset");
  if (level) query.level = level;
  if (datePreset) query.datePreset = datePreset;
  if (timeRange) query.timeRange = timeRange as { since: string; until: string };
  if (increment) query.timeIncrement = /^\d+$/.test(increment) ? Number(increment) : increment;
  const breakdowns = listParam(call.params, "breakdowns");
  if (breakdowns) query.breakdowns = breakdowns;
  return query;
}

/**
 * `insights` on an account, campaign, ad set or ad: GET answers at once; POST starts an async
 * report run (`{report_run_id}`), whose rows are then read at `GET /{report_run_id}/insights`.
 */
const insights: EdgeSpec = {
  returns: { type: "AdsInsights" },
  GET: async (call, node) => {
    const rows = await call.hub.insights.insights(call.caller.ctx, insightsQuery(call, node));
    return { ...listInOrder(call, rows as unknown as GraphObject[], (row) => row, []), select: false };
  },
  POST: async (call, node) => {
    const run = await call.hub.reportRuns.start(call.caller.ctx, insightsQuery(call, node));
    return raw({ report_run_id: run.id });
  },
};

const accountEdges: Record<string, EdgeSpec> = {
  campaigns: {
    returns: CAMPAIGNS,
    GET: async (call, node) => list(call, (page) => call.hub.campaigns.listCampaigns(call.caller.ctx, node.id, listOptions(call, page))),
    POST: async (call, node) => raw({ id: (await call.hub.campaigns.createCampaign(call.caller.ctx, node.id, body(call) as never)).id }),
  },
  adsets: {
    returns: AD_SETS,
    GET: async (call, node) => list(call, (page) => call.hub.adSets.listAdSets(call.caller.ctx, { accountId: node.id }, listOptions(call, page))),
    POST: async (call, node) => raw({ id: (await call.hub.adSets.createAdSet(call.caller.ctx, node.id, body(call) as never)).id }),
  },
  ads: {
    returns: ADS,
    GET: async (call, node) => list(call, (page) => call.hub.ads.listAds(call.caller.ctx, { accountId: node.id }, listOptions(call, page))),
    POST: async (call, node) => raw({ id: (await call.hub.ads.createAd(call.caller.ctx, node.id, body(call) as never)).id }),
  },
  adcreatives: {
    returns: CREATIVES,
    GET: async (call, node) => list(call, (page) => call.hub.adCreatives.listAdCreatives(call.caller.ctx, node.id, { page })),
    POST: async (call, node) => raw({ id: (await call.hub.adCreatives.createAdCreative(call.caller.ctx, node.id, body(call) as never)).id }),
  },
  insights,
};

export const adAccountMarketingEdges = accountEdges;

type Ctx = GraphCall["caller"]["ctx"];

/** A campaign, ad set, ad or creative node: read, update with `POST /{id}`, delete with `DELETE /{id}`. */
function adObjectNode(ops: {
  get: (call: GraphCall, ctx: Ctx, id: string) => Promise<object>;
  update: (call: GraphCall, ctx: Ctx, id: string) => Promise<unknown>;
  remove: (call: GraphCall, ctx: Ctx, id: string) => Promise<unknown>;
  edges: NodeSpec["edges"];
}): NodeSpec {
  return {
    defaults: ID_ONLY,
    read: async (call, node) => (await ops.get(call, call.caller.ctx, node.id)) as GraphObject,
    update: async (call, node) => {
      await ops.update(call, call.caller.ctx, node.id);
      return success();
    },
    remove: async (call, node) => {
      await ops.remove(call, call.caller.ctx, node.id);
      return success();
    },
    edges: ops.edges,
  };
}

export const campaignNode = adObjectNode({
  get: (call, ctx, id) => call.hub.campaigns.getCampaign(ctx, id),
  update: (call, ctx, id) => call.hub.campaigns.updateCampaign(ctx, id, body(call) as never),
  remove: (call, ctx, id) => call.hub.campaigns.deleteCampaign(ctx, id),
  edges: {
    adsets: { returns: AD_SETS, GET: async (call, node) => list(call, (page) => call.hub.adSets.listAdSets(call.caller.ctx, { campaignId: node.id }, listOptions(call, page))) },
    ads: { returns: ADS, GET: async (call, node) => list(call, (page) => call.hub.ads.listAds(call.caller.ctx, { campaignId: node.id }, listOptions(call, page))) },
    insights,
  },
});

export const adSetNode = adObjectNode({
  get: (call, ctx, id) => call.hub.adSets.getAdSet(ctx, id),
  update: (call, ctx, id) => call.hub.adSets.updateAdSet(ctx, id, body(call) as never),
  remove: (call, ctx, id) => call.hub.adSets.deleteAdSet(ctx, id),
  edges: {
    ads: { returns: ADS, GET: async (call, node) => list(call, (page) => call.hub.ads.listAds(call.caller.ctx, { adSetId: node.id }, listOptions(call, page))) },
    insights,
  },
});

export const adNode = adObjectNode({
  get: (call, ctx, id) => call.hub.ads.getAd(ctx, id),
  update: (call, ctx, id) => call.hub.ads.updateAd(ctx, id, body(call) as never),
  remove: (call, ctx, id) => call.hub.ads.deleteAd(ctx, id),
  edges: { insights },
});

/** Creatives take only a new name once made, as on Meta. */
export const adCreativeNode = adObjectNode({
  get: (call, ctx, id) => call.hub.adCreatives.getAdCreative(ctx, id),
  update: (call, ctx, id) => call.hub.adCreatives.renameAdCreative(ctx, id, { name: stringParam(call.params, "name", true) }),
  remove: (call, ctx, id) => call.hub.adCreatives.deleteAdCreative(ctx, id),
  edges: {},
});

/** An async insights report (`POST …/insights`): its status, then its rows. */
export const reportRunNode: NodeSpec = {
  defaults: ["id", "async_status", "async_percent_completion"],
  read: async (call, node) => (await call.hub.reportRuns.get(call.caller.ctx, node.id)) as unknown as GraphObject,
  edges: {
    insights: {
      GET: async (call, node) => {
        const rows = await call.hub.reportRuns.rows(call.caller.ctx, node.id);
        return { ...listInOrder(call, rows as unknown as GraphObject[], (row) => row, []), select: false };
      },
    },
  },
};

/** Ad objects and report runs live in their own tables; a bare id is looked up there. */
export const resolveAdObject: NodeResolver = async (hub: Hub, id: string) => {
  const db = hub.store.db;
  const campaign = await findCampaign(db, id);
  if (campaign) return { type: "campaign", id, adAccountId: campaign.account_id };
  const adSet = await findAdSet(db, id);
  if (adSet) return { type: "adset", id, adAccountId: adSet.account_id };
  const ad = await findAd(db, id);
  if (ad) return { type: "ad", id, adAccountId: ad.account_id };
  const creative = await findCreative(db, id);
  if (creative) return { type: "adcreative", id, adAccountId: creative.account_id };
  const run = await hub.reportRuns.find(id);
  if (run) return { type: "report_run", id, adAccountId: run.accountId };
  return undefined;
};
