import { errors } from "../../errors.ts";
import { graphIdOf } from "../../graphIds.ts";
import type { Hub } from "../../hub/hub.ts";
import { findAd } from "../../hub/ads/ad.repository.ts";
import { findCreative } from "../../hub/ads/adCreative.repository.ts";
import { findAdSet } from "../../hub/ads/adSet.repository.ts";
import { findCampaign } from "../../hub/ads/campaign.repository.ts";
import { findLabel } from "../../hub/ads/adLabel.repository.ts";
import { localDate } from "../../hub/ads/adTime.ts";
import { HOURLY_BREAKDOWN, INSIGHTS_METRICS, type InsightsQuery } from "../../hub/ads/insights.service.ts";
import { BREAKDOWNS } from "../../hub/ads/insightsBreakdowns.ts";
import { MAX_PAGE_SIZE, pageWith, type Page, type PageRequest } from "../../store/paging.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphNode, type GraphObject, type GraphResult, type NodeResolver, type NodeSpec } from "../graphTypes.ts";
import { listInOrder } from "../listing.ts";
import { originOf } from "./adMediaEdges.ts";
import { countMatching, filteredPage, meetsAll, parseFiltering } from "../filtering.ts";
import { META_FIELDS } from "../metaFields.ts";
import { boolParam, listParam, paramText, stringParam } from "../params.ts";

const CAMPAIGNS = { type: "Campaign", node: "campaign" };
const AD_SETS = { type: "AdSet", node: "adset" };
const ADS = { type: "Ad", node: "ad" };
const CREATIVES = { type: "AdCreative", node: "adcreative" };

/** Meta answers ad objects with only their id unless `fields` asks for more. */
const ID_ONLY = ["id"] as const;

type Fetch = (page: PageRequest) => Promise<Page<object>>;

type AdType = "Campaign" | "AdSet" | "Ad" | "AdCreative";
/** The `filtering` prefix of each ad object type, and the parents an item's dotted fields may name. */
const PREFIX: Record<AdType, string> = { Campaign: "campaign", AdSet: "adset", Ad: "ad", AdCreative: "adcreative" };
const PARENTS: Record<AdType, readonly ("campaign" | "adset")[]> = { Campaign: [], AdSet: ["campaign"], Ad: ["adset", "campaign"], AdCreative: [] };
const TYPE_OF = { campaign: "Campaign", adset: "AdSet", ad: "Ad" } as const;
const specFields = new Map<string, ReadonlySet<string>>();
/** Whether Meta's spec lists the field for the type (the spec's names split once per type). */
function knownField(type: string, name: string): boolean {
  let names = specFields.get(type);
  if (!names) specFields.set(type, (names = new Set((META_FIELDS[type] ?? "").split(" "))));
  return names.has(name);
}

/**
 * Reads dotted `filtering` fields (`campaign.name` on an ad) through the caller's own reads, so a
 * filter sees only what the caller could read, each parent once per request.
 */
function parentReader(call: GraphCall) {
  const cache = new Map<string, Promise<Record<string, unknown>>>();
  return (kind: "campaign" | "adset" | "ad", id: string): Promise<Record<string, unknown>> => {
    const key = `${kind}:${id}`;
    let hit = cache.get(key);
    if (!hit) {
      const ctx = call.caller.ctx;
      const read = kind === "campaign" ? call.hub.campaigns.getCampaign(ctx, id) : kind === "adset" ? call.hub.adSets.getAdSet(ctx, id) : call.hub.ads.getAd(ctx, id);
      hit = read.then((view) => view as unknown as Record<string, unknown>);
      cache.set(key, hit);
    }
    return hit;
  };
}

/** The `filtering` clauses of a list of `type`, or undefined; fields are the type's own (bare or `campaign.name` on campaigns) or a parent's. */
function adFilter(call: GraphCall, type: AdType): Keep | undefined {
  const clauses = parseFiltering(call.params, (field) => {
    const [prefix, name, ...rest] = field.split(".");
    // Worked out from delivery after the list is read, so not there to filter on.
    if (FROM_DELIVERY[type].includes(name ?? field)) return "unsupported";
    if (name === undefined) return knownField(type, field);
    if (rest.length > 0) return false;
    if (prefix === PREFIX[type]) return knownField(type, name);
    const parent = PARENTS[type].find((p) => p === prefix);
    return parent !== undefined && knownField(TYPE_OF[parent], name);
  });
  if (!clauses) return undefined;
  const parentOf = parentReader(call);
  const valueOf = async (item: Record<string, unknown>, field: string): Promise<unknown> => {
    const [prefix, name] = field.includes(".") ? (field.split(".") as [string, string]) : [PREFIX[type], field];
    if (prefix === PREFIX[type]) return item[name];
    const parentId = item[`${prefix}_id`];
    if (typeof parentId !== "string") return undefined;
    if (name === "id") return parentId;
    return (await parentOf(prefix as "campaign" | "adset", parentId))[name];
  };
  return (item) => meetsAll(clauses, item as Record<string, unknown>, valueOf);
}

type Keep = (item: object) => Promise<boolean>;

/** Fields worked out from delivery, added only when asked for: they cost a read of the insights. */
const FROM_DELIVERY: Record<AdType, readonly string[]> = { Campaign: ["budget_remaining"], AdSet: ["budget_remaining", "learning_stage_info"], Ad: ["preview_shareable_link"], AdCreative: [] };
/** Purchases an ad set needs to leave learning: the simulator's `learningConversions` (src/simulator/market.ts), Meta's "about 50". */
const LEARNING_CONVERSIONS = 50;

/**
 * `budget_remaining` (minor units, a string, as Meta gives it: the daily budget less today's spend in
 * the account's zone, or the lifetime budget less all spend; "0" without a budget of its own) and
 * `learning_stage_info` (`status` LEARNING until the ad set has delivered the purchases the
 * simulator's learning phase needs, then SUCCESS; https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-learning-stage-info/).
 */
async function withDeliveryFields(call: GraphCall, type: AdType, items: GraphObject[]): Promise<GraphObject[]> {
  return withLabels(call, type, await withDeliveryOnly(call, type, items));
}

/**
 * `adlabels` on campaigns, ad sets and ads (Meta's field, list<AdLabel>): the labels each carries,
 * added only when asked for; objects without labels leave it out, as Meta leaves out empty fields.
 */
async function withLabels(call: GraphCall, type: AdType, items: GraphObject[]): Promise<GraphObject[]> {
  if (type === "AdCreative" || items.length === 0 || !(call.fields ?? []).includes("adlabels")) return items;
  const labels = await call.hub.adLabels.labelsOf(items.map((item) => String(item.id)));
  return items.map((item) => {
    const carried = labels.get(String(item.id));
    return carried ? { ...item, adlabels: carried } : item;
  });
}

async function withDeliveryOnly(call: GraphCall, type: AdType, items: GraphObject[]): Promise<GraphObject[]> {
  const asked = (call.fields ?? []).filter((f) => FROM_DELIVERY[type].includes(f));
  if (asked.length === 0 || items.length === 0) return items;
  if (type === "Ad") {
    // A preview page anyone with the link may open (https://developers.facebook.com/docs/marketing-api/reference/adgroup/, preview_shareable_link).
    const origin = originOf(call.request);
    return items.map((item) => ({ ...item, preview_shareable_link: call.hub.adPreviews.shareableLink(String(item.id), origin) }));
  }
  const column = type === "Campaign" ? "campaign_id" : "adset_id";
  const ids = items.map((item) => String(item.id));
  const lifetime = await call.hub.insights.spendOf(column, ids);
  const accountId = String(items[0]!.account_id);
  const zone = (await call.hub.assets.getAsset(accountId)).adAccount?.timezoneName ?? "Etc/UTC";
  const today = await call.hub.insights.spendOf(column, ids, localDate(call.hub.now(), zone));
  return items.map((item) => {
    const id = String(item.id);
    const out: GraphObject = { ...item };
    if (asked.includes("budget_remaining")) {
      const [budget, spent] = item.daily_budget !== undefined ? [Number(item.daily_budget), today.get(id)?.spend ?? 0] : item.lifetime_budget !== undefined ? [Number(item.lifetime_budget), lifetime.get(id)?.spend ?? 0] : [0, 0];
      out.budget_remaining = String(Math.max(0, budget - spent));
    }
    if (asked.includes("learning_stage_info")) {
      const conversions = lifetime.get(id)?.conversions ?? 0;
      out.learning_stage_info = { status: conversions >= LEARNING_CONVERSIONS ? "SUCCESS" : "LEARNING", conversions, attribution_windows: ["7d_click", "1d_view"] };
    }
    return out;
  });
}

/**
 * A stored, keyset-paged edge. `summary=total_count` counts by walking the same pages the caller
 * may read, so the count respects the same filters and checks as the list. With `filtering`, the
 * clauses apply before paging (see filteredPage).
 */
async function list(call: GraphCall, type: AdType, fetch: Fetch): Promise<GraphResult> {
  const keep = adFilter(call, type);
  if (keep) {
    const page = (await filteredPage(fetch, call.paging, keep)) as Page<GraphObject>;
    return { kind: "list", page: pageWith(page, await withDeliveryFields(call, type, page.items)), defaults: ID_ONLY, total: () => countMatching(fetch, keep) };
  }
  const fetched = (await fetch(call.paging)) as Page<GraphObject>;
  const page = pageWith(fetched, await withDeliveryFields(call, type, fetched.items));
  // Bound rather than a closure: every list answer carries one, and a named closure made per
  // request (the TypeScript loader keeps function names) cost about 1% of a list's time.
  return { kind: "list", page, defaults: ID_ONLY, total: countAll.bind(undefined, fetch) };
}

/** How many objects a list has, page by page. */
async function countAll(fetch: Fetch): Promise<number> {
  let count = 0;
  let request: PageRequest = { limit: MAX_PAGE_SIZE };
  for (;;) {
    const next = await fetch(request);
    count += next.items.length;
    if (!next.hasNext || !next.last) return count;
    request = { limit: MAX_PAGE_SIZE, after: next.last };
  }
}

/** Parameters the services take in Meta's names, minus the Graph envelope's own. */
function body(call: GraphCall): Record<string, unknown> {
  const { fields: _f, limit: _l, after: _a, before: _b, summary: _s, filtering: _x, execution_options: _e, ...rest } = call.params;
  return rest;
}

/** Meta's execution options; only validate_only changes what Grantline does. */
const EXECUTION_OPTIONS = ["validate_only", "include_recommendations", "synchronous_ad_review"];

/**
 * The context a write runs in: with `execution_options=["validate_only"]` the service checks and
 * rolls back, and the call answers `{"success": true}` instead of an id. "the API call will not
 * perform the mutation but will run through the validation rules against values of each field. If
 * the call passes validation or review, response will be {"success": true}"
 * (https://developers.facebook.com/docs/marketing-api/reference/adgroup/adlabels/, execution_options).
 */
export function writeContext(call: GraphCall): Ctx {
  const options = listParam(call.params, "execution_options") ?? [];
  const unknown = options.find((option) => !EXECUTION_OPTIONS.includes(option));
  if (unknown !== undefined) throw errors.invalidParameter(`Invalid execution_options: ${unknown} is not one of ${EXECUTION_OPTIONS.join(", ")}.`);
  return options.includes("validate_only") ? { ...call.caller.ctx, validateOnly: true } : call.caller.ctx;
}

/** A create's answer: the new object's id, or only success when it was validated and rolled back. */
async function created(call: GraphCall, create: (ctx: Ctx) => Promise<{ id: string }>): Promise<GraphResult> {
  const ctx = writeContext(call);
  const { id } = await create(ctx);
  return ctx.validateOnly ? success() : raw({ id });
}

function listOptions(call: GraphCall, page: PageRequest, type: AdType) {
  const effectiveStatus = listParam(call.params, "effective_status") ?? pushedStatuses(call, type);
  return { page, ...(effectiveStatus ? { effectiveStatus } : {}) };
}

/**
 * A `filtering` clause on the item's own effective_status with IN or EQUAL chooses which statuses
 * the store reads, as the `effective_status` parameter does: that is how Meta's clients reach
 * DELETED objects (`ad.effective_status IN ["DELETED"]`), which lists leave out by default.
 */
function pushedStatuses(call: GraphCall, type: AdType): string[] | undefined {
  const raw = call.params.filtering;
  if (!Array.isArray(raw)) return undefined;
  for (const clause of raw as { field?: unknown; operator?: unknown; value?: unknown }[]) {
    if (clause.field !== "effective_status" && clause.field !== `${PREFIX[type]}.effective_status`) continue;
    if (clause.operator === "IN" && Array.isArray(clause.value)) return clause.value.map(paramText);
    if (clause.operator === "EQUAL" && typeof clause.value === "string") return [clause.value];
  }
  return undefined;
}

/** The asked insights fields less those of Meta's spec that have no meaning here (left out of rows, never refused). */
const SERVED_INSIGHTS_METRICS: ReadonlySet<string> = new Set(INSIGHTS_METRICS);

function servedInsightsFields(fields: readonly string[]): string[] {
  return fields.filter((f) => SERVED_INSIGHTS_METRICS.has(f) || !knownField("AdsInsights", f) || ROW_IDENTITY.test(f));
}

/**
 * The insights query of a call. `fields` keeps the names the hub answers; a name of Meta's
 * AdsInsights spec that has no meaning here is left out of the rows, as Meta leaves out a metric
 * without a value, and never fails the request; any other name is #100 from the hub.
 */
function insightsQuery(call: GraphCall, node: GraphNode): InsightsQuery {
  const timeRange = call.params.time_range;
  if (timeRange !== undefined && (typeof timeRange !== "object" || timeRange === null || Array.isArray(timeRange))) {
    throw errors.invalidParameter('time_range must be an object such as {"since":"2026-01-01","until":"2026-01-31"}.');
  }
  const timeRanges = call.params.time_ranges;
  if (timeRanges !== undefined && !(Array.isArray(timeRanges) && timeRanges.every((r) => typeof r === "object" && r !== null && !Array.isArray(r)))) {
    throw errors.invalidParameter('time_ranges must be a list of objects such as [{"since":"2026-01-01","until":"2026-01-31"}].');
  }
  const increment = stringParam(call.params, "time_increment");
  const fields = servedInsightsFields(call.fields ?? []);
  // Only spec fields without a meaning here were asked: rows with their dates alone, as on Meta.
  const query: InsightsQuery = { objectId: graphIdOf(node.type, node.id), fields: fields.length === 0 && (call.fields ?? []).length > 0 ? ["date_start"] : fields };
  const objectType = NODE_LEVEL[node.type];
  if (objectType) query.objectType = objectType as InsightsQuery["objectType"] & string;
  const level = stringParam(call.params, "level");
  const datePreset = stringParam(call.params, "date_preset");
  if (level) query.level = level;
  if (datePreset) query.datePreset = datePreset;
  if (timeRange) query.timeRange = timeRange as { since: string; until: string };
  if (Array.isArray(timeRanges) && timeRanges.length > 0) query.timeRanges = timeRanges as { since: string; until: string }[];
  if (increment) query.timeIncrement = /^\d+$/.test(increment) ? Number(increment) : increment;
  const breakdowns = listParam(call.params, "breakdowns");
  if (breakdowns) query.breakdowns = breakdowns;
  const actionBreakdowns = listParam(call.params, "action_breakdowns");
  if (actionBreakdowns) query.actionBreakdowns = actionBreakdowns;
  const windows = listParam(call.params, "action_attribution_windows");
  if (windows) query.actionAttributionWindows = windows;
  const unified = boolParam(call.params, "use_unified_attribution_setting");
  if (unified !== undefined) query.useUnifiedAttributionSetting = unified;
  const sort = listParam(call.params, "sort");
  if (sort) query.sort = sort;
  return query;
}

/**
 * `insights` on an account, campaign, ad set or ad: GET answers at once; POST starts an async
 * report run (`{report_run_id}`), whose rows are then read at `GET /{report_run_id}/insights`.
 */
const insights: EdgeSpec = {
  returns: { type: "AdsInsights" },
  GET: async (call, node) => {
    const query = insightsQuery(call, node);
    const filter = insightsFilter(call, node, query);
    const report = await call.hub.insights.report(call.caller.ctx, query);
    const summary = insightsSummary(call, query);
    if (!filter) {
      // Only the page's rows are presented: a large report read page by page costs its rows once.
      return { ...listInOrder(call, [...report.items], (item) => report.present(item) as unknown as GraphObject, []), select: false, summary };
    }
    const rows = await filter(report.items.map((item) => report.present(item) as unknown as GraphObject));
    return { ...listInOrder(call, rows, (row) => row, []), select: false, summary };
  },
  POST: async (call, node) => {
    if (call.params.filtering !== undefined) {
      throw errors.invalidFiltering("param filtering is not supported on async insights reports here; read GET …/insights with filtering instead.");
    }
    const run = await call.hub.reportRuns.start(call.caller.ctx, insightsQuery(call, node));
    return raw({ report_run_id: run.id });
  },
};

/**
 * Meta's insights `summary`: `summary=["spend","impressions"]` (or `default_summary=true`, with the
 * asked fields) adds the totals of the whole range for the object itself, without breakdowns or
 * time increments, as `summary` beside `data`.
 * https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/ (summary, default_summary)
 */
function insightsSummary(call: GraphCall, query: InsightsQuery): (() => Promise<Record<string, unknown> | undefined>) | undefined {
  const asked = (listParam(call.params, "summary") ?? []).filter((f) => f !== "total_count" && f !== "true");
  const byDefault = boolParam(call.params, "default_summary") === true;
  if (asked.length === 0 && !byDefault) return undefined;
  const fields = asked.length > 0 ? servedInsightsFields(asked) : query.fields;
  return async () => {
    const { level: _level, breakdowns: _b, actionBreakdowns: _a, timeIncrement: _t, timeRanges: _r, sort: _s, ...rest } = query;
    const [row] = await call.hub.insights.insights(call.caller.ctx, { ...rest, ...(fields ? { fields } : {}) });
    return row as Record<string, unknown> | undefined;
  };
}

const LEVEL_RANK: Record<string, number> = { account: 0, campaign: 1, adset: 2, ad: 3 };
const NODE_LEVEL: Record<string, string> = { ad_account: "account", campaign: "campaign", adset: "adset", ad: "ad" };
const ROW_IDENTITY = /^(date_start|date_stop|(account|campaign|adset|ad)_(id|name))$/;

/**
 * `filtering` on insights, applied to the rows of the asked level: a row's own metrics and ids by
 * name (`spend`, `campaign_id`), and its objects' fields dotted (`campaign.name`,
 * `ad.effective_status`). Rows of a level carry only its objects and those above, so a dotted
 * field of a lower level (`ad.name` at level campaign) is refused rather than ignored. The rows
 * are read with what the clauses need, then cut back to the asked-for fields.
 */
function insightsFilter(call: GraphCall, node: GraphNode, query: InsightsQuery): ((rows: GraphObject[]) => Promise<GraphObject[]>) | undefined {
  const level = query.level ?? NODE_LEVEL[node.type] ?? "account";
  const clauses = parseFiltering(call.params, (field) => {
    const [prefix, name, ...rest] = field.split(".");
    if (name === undefined) {
      // Breakdown values filter the rows of a query broken down by them (`publisher_platform IN ["instagram"]`).
      if ((INSIGHTS_METRICS as readonly string[]).includes(field) || ROW_IDENTITY.test(field) || (BREAKDOWNS as readonly string[]).includes(field)) return true;
      return knownField("AdsInsights", field) ? "unsupported" : false;
    }
    const type = TYPE_OF[prefix as keyof typeof TYPE_OF];
    if (rest.length > 0 || !type || !knownField(type, name)) return false;
    if (LEVEL_RANK[prefix!]! > (LEVEL_RANK[level] ?? 0)) {
      throw errors.invalidFiltering(`Filtering field ${field} needs level=${prefix} or below: rows at level ${level} carry no ${prefix}.`);
    }
    return true;
  });
  if (!clauses) return undefined;
  const asked = query.fields && query.fields.length > 0 ? new Set(query.fields) : undefined;
  if (asked) {
    const needed = clauses.map((c) => (c.field.includes(".") ? `${c.field.split(".")[0]}_id` : c.field));
    const named = clauses.filter((c) => c.field.endsWith(".name")).map((c) => `${c.field.split(".")[0]}_name`);
    query.fields = [...new Set([...query.fields!, ...needed, ...named])];
  }
  const parentOf = parentReader(call);
  const valueOf = async (row: GraphObject, field: string): Promise<unknown> => {
    if (!field.includes(".")) return row[field];
    const [prefix, name] = field.split(".") as ["campaign" | "adset" | "ad", string];
    if (name === "id" || name === "name") return row[`${prefix}_${name}`];
    const id = row[`${prefix}_id`];
    return typeof id === "string" ? (await parentOf(prefix, id))[name] : undefined;
  };
  return async (rows) => {
    const kept: GraphObject[] = [];
    for (const row of rows) if (await meetsAll(clauses, row, valueOf)) kept.push(row);
    if (!asked) return kept;
    const shown = new Set(["date_start", "date_stop", HOURLY_BREAKDOWN, ...BREAKDOWNS, ...asked]);
    return kept.map((row) => Object.fromEntries(Object.entries(row).filter(([key]) => shown.has(key))));
  };
}

const accountEdges: Record<string, EdgeSpec> = {
  campaigns: {
    returns: CAMPAIGNS,
    GET: async (call, node) => list(call, "Campaign", (page) => call.hub.campaigns.listCampaigns(call.caller.ctx, node.id, listOptions(call, page, "Campaign"))),
    POST: async (call, node) => created(call, (ctx) => call.hub.campaigns.createCampaign(ctx, node.id, body(call) as never)),
  },
  adsets: {
    returns: AD_SETS,
    GET: async (call, node) => list(call, "AdSet", (page) => call.hub.adSets.listAdSets(call.caller.ctx, { accountId: node.id }, listOptions(call, page, "AdSet"))),
    POST: async (call, node) => created(call, (ctx) => call.hub.adSets.createAdSet(ctx, node.id, body(call) as never)),
  },
  ads: {
    returns: ADS,
    GET: async (call, node) => list(call, "Ad", (page) => call.hub.ads.listAds(call.caller.ctx, { accountId: node.id }, listOptions(call, page, "Ad"))),
    POST: async (call, node) => created(call, (ctx) => call.hub.ads.createAd(ctx, node.id, body(call) as never)),
  },
  adcreatives: {
    returns: CREATIVES,
    GET: async (call, node) => list(call, "AdCreative", (page) => call.hub.adCreatives.listAdCreatives(call.caller.ctx, node.id, { page })),
    POST: async (call, node) => created(call, (ctx) => call.hub.adCreatives.createAdCreative(ctx, node.id, body(call) as never)),
  },
  insights,
};

export const adAccountMarketingEdges = accountEdges;

type Ctx = GraphCall["caller"]["ctx"];

/** A campaign, ad set, ad or creative node: read, update with `POST /{id}`, delete with `DELETE /{id}`. */
function adObjectNode(type: AdType, ops: {
  get: (call: GraphCall, ctx: Ctx, id: string) => Promise<object>;
  update: (call: GraphCall, ctx: Ctx, id: string) => Promise<unknown>;
  remove: (call: GraphCall, ctx: Ctx, id: string) => Promise<unknown>;
  edges: NodeSpec["edges"];
}): NodeSpec {
  return {
    defaults: ID_ONLY,
    read: async (call, node) => (await withDeliveryFields(call, type, [(await ops.get(call, call.caller.ctx, node.id)) as GraphObject]))[0]!,
    update: async (call, node) => {
      await ops.update(call, writeContext(call), node.id);
      return success();
    },
    remove: async (call, node) => {
      await ops.remove(call, call.caller.ctx, node.id);
      return success();
    },
    edges: ops.edges,
  };
}

export const campaignNode = adObjectNode("Campaign", {
  get: (call, ctx, id) => call.hub.campaigns.getCampaign(ctx, id),
  update: (call, ctx, id) => call.hub.campaigns.updateCampaign(ctx, id, body(call) as never),
  remove: (call, ctx, id) => call.hub.campaigns.deleteCampaign(ctx, id),
  edges: {
    adsets: { returns: AD_SETS, GET: async (call, node) => list(call, "AdSet", (page) => call.hub.adSets.listAdSets(call.caller.ctx, { campaignId: node.id }, listOptions(call, page, "AdSet"))) },
    ads: { returns: ADS, GET: async (call, node) => list(call, "Ad", (page) => call.hub.ads.listAds(call.caller.ctx, { campaignId: node.id }, listOptions(call, page, "Ad"))) },
    insights,
  },
});

export const adSetNode = adObjectNode("AdSet", {
  get: (call, ctx, id) => call.hub.adSets.getAdSet(ctx, id),
  update: (call, ctx, id) => call.hub.adSets.updateAdSet(ctx, id, body(call) as never),
  remove: (call, ctx, id) => call.hub.adSets.deleteAdSet(ctx, id),
  edges: {
    ads: { returns: ADS, GET: async (call, node) => list(call, "Ad", (page) => call.hub.ads.listAds(call.caller.ctx, { adSetId: node.id }, listOptions(call, page, "Ad"))) },
    insights,
  },
});

export const adNode = adObjectNode("Ad", {
  get: (call, ctx, id) => call.hub.ads.getAd(ctx, id),
  update: (call, ctx, id) => call.hub.ads.updateAd(ctx, id, body(call) as never),
  remove: (call, ctx, id) => call.hub.ads.deleteAd(ctx, id),
  edges: { insights },
});

/** Creatives take only a new name once made, as on Meta. */
export const adCreativeNode = adObjectNode("AdCreative", {
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
  const label = await findLabel(db, id);
  if (label) return { type: "adlabel", id, adAccountId: label.account_id };
  const run = await hub.reportRuns.find(id);
  if (run) return { type: "report_run", id, adAccountId: run.accountId };
  return undefined;
};
