import { z } from "zod";
import { errors } from "../../errors.ts";
import { minorDigits } from "../../inputLimits.ts";
import type { Executor } from "../../store/database.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import { adNames, adPlacements, findAd } from "./ad.repository.ts";
import { authorizeOnAccount, readAdAccount, requireAdAccount, unknownAdObject, type AdAccountScope } from "./adAccountScope.ts";
import { DATE_PRESETS, INSIGHTS_LEVELS, type DatePreset, type InsightsLevel } from "./adEnums.ts";
import { parseParams } from "./adParams.ts";
import { adSetNames, findAdSet } from "./adSet.repository.ts";
import { dateOfDay, dayNumber, firstDayOfMonth, formatGraphTime, localDate, monthOf, weekday } from "./adTime.ts";
import { campaignNames, findCampaign } from "./campaign.repository.ts";
import { readEachInBatch, readInBatch } from "./requestBatch.ts";
import { listedAccountOf, type ListedKind } from "./requestReads.ts";
import {
  ACTION_BREAKDOWNS,
  actionDeviceCells,
  BREAKDOWNS,
  cellsOf,
  checkBreakdownCombination,
  MEASURES,
  splitExact,
  splitMeasures,
  type ActionBreakdown,
  type AudienceTargeting,
  type Breakdown,
  type Cell,
  type Measures,
} from "./insightsBreakdowns.ts";
import {
  adDestinations,
  adSetAudiences,
  adSetSchedules,
  campaignGoals,
  campaignObjectives,
  dailyTotalsOfEach,
  firstDeliveryDate,
  marketSeed,
  spendTotals,
  upsertDailyRow,
  upsertHourlyRow,
  type DailyTotals,
  type HierarchyColumn,
} from "./insights.repository.ts";

/**
 * Insights computed from the stored daily rows (one per ad per day), so any range, level and time
 * increment adds up to exactly those rows. Notes on meaning:
 * - Days are the ad account's calendar days; presets count from today in the account's time zone
 *   (from the hub's clock), and the relative ones (yesterday, last_7d, …) end yesterday, as Meta's do.
 * - `reach` over more than one day (or more than one ad) is the sum of daily reach: an upper bound of
 *   the people reached, since the store keeps no people. `frequency` and `cpp` use that sum.
 * - Money totals (`spend`, `action_values`) are exact, in major units with the currency's decimals
 *   ("12.30"); rates and costs per result have up to 6 decimals. Metrics that would divide by zero
 *   are left out, and action lists leave out actions with no count.
 * - Purchases appear under the action types `purchase`, `omni_purchase` and
 *   `offsite_conversion.fb_pixel_purchase` (the same count); link clicks under `link_click`.
 */

export interface DailyInsightInput {
  ad_id: string;
  /** The ad account's calendar day, YYYY-MM-DD. */
  date: string;
  impressions: number;
  reach: number;
  clicks: number;
  link_clicks?: number;
  /** Minor currency units. */
  spend: number;
  /** Purchases. */
  conversions: number;
  /** Purchase value, minor currency units. */
  revenue: number;
}

export interface InsightsQuery {
  /** `act_<id>`, or the id of a campaign, ad set or ad. */
  objectId: string;
  /** What the object is, when the caller knows: only that table is read. */
  objectType?: InsightsLevel;
  /** Defaults to the object's own level; may not be above it. */
  level?: InsightsLevel | string;
  /** Defaults to last_30d; ignored when timeRange is given (as on Meta). */
  datePreset?: DatePreset | string;
  timeRange?: { since: string; until: string };
  /** Days per row (1–90), "monthly", or "all_days" (the default: one row for the whole range). */
  timeIncrement?: number | string;
  /** Fields to return besides dates and the level's ids and names; all metrics when absent or empty. */
  fields?: readonly string[];
  /** Meta's breakdowns: those of BREAKDOWNS, or `hourly_stats_aggregated_by_advertiser_time_zone` (one row per hour of the account's day). */
  breakdowns?: readonly string[];
  /** How `actions` and the other action lists are broken down (ACTION_BREAKDOWNS); action_type when absent. */
  actionBreakdowns?: readonly string[];
  /** Attribution windows each action stat also reports (ATTRIBUTION_WINDOWS). */
  actionAttributionWindows?: readonly string[];
  /** Meta's `use_unified_attribution_setting`: every ad set here uses the default setting, so values are the same. */
  useUnifiedAttributionSetting?: boolean;
  /** Several ranges, one set of rows each (Meta's `time_ranges`); time_range, date_preset and time_increment are then ignored. */
  timeRanges?: readonly { since: string; until: string }[];
  /** Meta's `sort`: `<field>_ascending` or `<field>_descending`, on a numeric field. */
  sort?: readonly string[];
}

/** Ranges one request may ask for: each is a read of the store, so a request cannot ask for thousands. */
const MAX_TIME_RANGES = 50;

/** Meta's attribution windows served here. https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/ (action_attribution_windows) */
export const ATTRIBUTION_WINDOWS = ["1d_click", "7d_click", "28d_click", "1d_view", "7d_view"] as const;
type AttributionWindow = (typeof ATTRIBUTION_WINDOWS)[number];

/**
 * Share of purchases reported on each day after the click, day 0 first; the market simulator draws
 * its reporting lag from this model (src/simulator/market.ts DEFAULT_MARKET.attributionLag).
 * Every purchase comes within 7 days of its click, so the 28-day window counts what the 7-day one
 * does; the simulated market has no view-through purchases, so 1d_view counts none.
 */
export const ATTRIBUTION_LAG: readonly number[] = [0.5, 0.18, 0.1, 0.07, 0.05, 0.04, 0.03, 0.03];
/** Purchases within one day of the click: all of day 0 and half of day 1 (a click late in the day). */
const ONE_DAY_SHARE = ATTRIBUTION_LAG[0]! + ATTRIBUTION_LAG[1]! / 2;

/** Meta's name of the hourly breakdown, and of the field that holds the hour ("13:00:00 - 13:59:59"). */
export const HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone";

export interface HourlyInsightInput extends DailyInsightInput {
  /** Hour of the account's day, 0–23. */
  hour: number;
}

export interface ActionStat {
  action_type: string;
  value: string;
  /** Action breakdown values (action_device, …) and attribution windows (1d_click, …) when asked. */
  [key: string]: string;
}

export interface InsightsRow {
  date_start: string;
  date_stop: string;
  account_id: string;
  account_name: string;
  campaign_id?: string;
  campaign_name?: string;
  adset_id?: string;
  adset_name?: string;
  ad_id?: string;
  ad_name?: string;
  account_currency?: string;
  impressions?: string;
  reach?: string;
  frequency?: string;
  clicks?: string;
  inline_link_clicks?: string;
  spend?: string;
  ctr?: string;
  cpc?: string;
  cpm?: string;
  cpp?: string;
  inline_link_click_ctr?: string;
  cost_per_inline_link_click?: string;
  actions?: ActionStat[];
  action_values?: ActionStat[];
  cost_per_action_type?: ActionStat[];
  purchase_roas?: ActionStat[];
  hourly_stats_aggregated_by_advertiser_time_zone?: string;
  /** Breakdown values (age, gender, country, …) when asked, and the other metrics of INSIGHTS_METRICS. */
  [field: string]: unknown;
}

/** Metric fields a query can ask for. */
export const INSIGHTS_METRICS = [
  "account_currency",
  "impressions",
  "reach",
  "frequency",
  "clicks",
  "inline_link_clicks",
  "spend",
  "ctr",
  "cpc",
  "cpm",
  "cpp",
  "inline_link_click_ctr",
  "cost_per_inline_link_click",
  "actions",
  "action_values",
  "cost_per_action_type",
  "purchase_roas",
  "unique_clicks",
  "unique_ctr",
  "unique_inline_link_clicks",
  "unique_inline_link_click_ctr",
  "unique_link_clicks_ctr",
  "cost_per_unique_click",
  "cost_per_unique_inline_link_click",
  "inline_post_engagement",
  "cost_per_inline_post_engagement",
  "outbound_clicks",
  "unique_outbound_clicks",
  "outbound_clicks_ctr",
  "unique_outbound_clicks_ctr",
  "cost_per_outbound_click",
  "cost_per_unique_outbound_click",
  "website_ctr",
  "unique_actions",
  "conversions",
  "conversion_values",
  "cost_per_conversion",
  "website_purchase_roas",
  "purchases_per_link_click",
  "average_purchases_conversion_value",
  "objective",
  "optimization_goal",
  "buying_type",
  "attribution_setting",
  "quality_ranking",
  "engagement_rate_ranking",
  "conversion_rate_ranking",
  "social_spend",
  "cost_per_unique_action_type",
  "adset_start",
  "adset_end",
  "results",
  "cost_per_result",
] as const;
type Metric = (typeof INSIGHTS_METRICS)[number];
/** What a query without `fields` answers. */
const DEFAULT_METRICS: readonly Metric[] = INSIGHTS_METRICS.slice(0, INSIGHTS_METRICS.indexOf("purchase_roas") + 1);

/** Always returned for the level (and the levels above it), so they may also be asked for. */
const IDENTITY_FIELDS = ["date_start", "date_stop", "account_id", "account_name", "campaign_id", "campaign_name", "adset_id", "adset_name", "ad_id", "ad_name"];

const PURCHASE_TYPES = ["purchase", "omni_purchase", "offsite_conversion.fb_pixel_purchase"];
/** The pixel's purchase: what `conversions` and the website ROAS count. */
const PIXEL_PURCHASE = "offsite_conversion.fb_pixel_purchase";

const LEVEL_RANK: Record<InsightsLevel, number> = { account: 0, campaign: 1, adset: 2, ad: 3 };
const LEVEL_LABELS: Record<InsightsLevel, string> = { account: "an ad account", campaign: "a campaign", adset: "an ad set", ad: "an ad" };
const LEVEL_COLUMN: Record<InsightsLevel, HierarchyColumn> = { account: "account_id", campaign: "campaign_id", adset: "adset_id", ad: "ad_id" };
const GROUP_COLUMNS: Record<InsightsLevel, readonly HierarchyColumn[]> = {
  account: ["account_id"],
  campaign: ["account_id", "campaign_id"],
  adset: ["account_id", "campaign_id", "adset_id"],
  ad: ["account_id", "campaign_id", "adset_id", "ad_id"],
};

const count = z.preprocess(
  (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
  z.number({ error: "must be a whole number, 0 or more" }).int("must be a whole number, 0 or more").min(0, "must be a whole number, 0 or more").max(Number.MAX_SAFE_INTEGER),
);
const dailyRowSchema = z
  .object({
    ad_id: z.string({ error: "must be an ad ID" }).regex(/^\d+$/, "must be an ad ID"),
    date: z.string({ error: "must be a date YYYY-MM-DD" }).refine((d) => dayNumber(d) !== undefined, "must be a date YYYY-MM-DD"),
    impressions: count,
    reach: count,
    clicks: count,
    link_clicks: count.default(0),
    spend: count,
    conversions: count,
    revenue: count,
  })
  .refine((r) => r.reach <= r.impressions, { message: "cannot exceed impressions", path: ["reach"] })
  .refine((r) => r.clicks <= r.impressions, { message: "cannot exceed impressions", path: ["clicks"] })
  .refine((r) => r.link_clicks <= r.clicks, { message: "cannot exceed clicks", path: ["link_clicks"] });
const dailyRowsSchema = z.object({ rows: z.array(dailyRowSchema, { error: "must be a list of daily rows" }) });
const hourlyRowsSchema = z.object({
  rows: z.array(z.intersection(dailyRowSchema, z.object({ hour: z.number({ error: "must be an hour from 0 to 23" }).int("must be an hour from 0 to 23").min(0, "must be an hour from 0 to 23").max(23, "must be an hour from 0 to 23") })), {
    error: "must be a list of hourly rows",
  }),
});

/** Minor units as a major-unit string with the currency's decimals: 1230 USD → "12.30". */
export function formatMinor(minor: number, digits: number): string {
  if (digits === 0) return String(minor);
  const scale = 10 ** digits;
  return `${Math.floor(minor / scale)}.${String(minor % scale).padStart(digits, "0")}`;
}

/** A rate with up to 6 decimals and no trailing zeros. */
function rate(value: number): string {
  return value.toFixed(6).replace(/\.?0+$/, "");
}

interface ResolvedObject {
  level: InsightsLevel;
  id: string;
  account: AdAccountScope;
}

/** The row with only the asked-for fields (all of them when nothing was asked for). */
function only(row: InsightsRow, asked: ReadonlySet<string> | undefined): InsightsRow {
  if (!asked) return row;
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) if (asked.has(key)) kept[key] = value;
  return kept as unknown as InsightsRow;
}

/** Delivery data: the simulator writes daily rows; clients read them as Meta's insights. */
export class InsightsService {
  /** Ad accounts read during one request (weakly held: gone with the request). */
  private readonly accountsByRequest = new WeakMap<RequestContext, Map<string, Promise<AdAccountScope>>>();

  constructor(private readonly deps: HubDeps) {}

  /**
   * Stores daily rows (the simulator's feed), one per ad and day: writing the same ad and day again
   * replaces its numbers. Each row is filed under the ad's own ad set, campaign and account. All
   * rows or none. Delivery data is measurement, not a change anyone makes, so it is not audited.
   */
  async upsertDailyRows(rows: readonly DailyInsightInput[]): Promise<{ upserted: number }> {
    return this.upsertRows(parseParams(dailyRowsSchema, { rows }).rows, upsertDailyRow);
  }

  /**
   * Stores hourly rows (the simulator's feed for the hourly breakdown), one per ad, day and hour of
   * the account's day, like daily rows: the same hour again replaces its numbers; all rows or none.
   */
  async upsertHourlyRows(rows: readonly HourlyInsightInput[]): Promise<{ upserted: number }> {
    return this.upsertRows(parseParams(hourlyRowsSchema, { rows }).rows, upsertHourlyRow);
  }

  private async upsertRows<R extends { ad_id: string }>(parsed: R[], upsert: (trx: Executor, row: R & { adset_id: string; campaign_id: string; account_id: string; updated_at: number }) => Promise<void>): Promise<{ upserted: number }> {
    if (parsed.length === 0) return { upserted: 0 };
    return this.deps.db.transaction().execute(async (trx) => {
      const placements = await adPlacements(trx, [...new Set(parsed.map((r) => r.ad_id))]);
      const now = this.deps.now();
      for (const [index, row] of parsed.entries()) {
        const placement = placements.get(row.ad_id);
        if (!placement) throw errors.invalidParameter(`Invalid rows.${index}.ad_id: no ad has the ID ${row.ad_id}.`);
        await upsert(trx, { ...row, ...placement, updated_at: now });
      }
      return { upserted: parsed.length };
    });
  }

  /**
   * Spend and purchases to date of objects of one level (from a day on, when `since` is given), for
   * fields such as an account's `amount_spent` and an ad set's `budget_remaining`. Only for objects
   * the caller has already been allowed to read (the Graph reads them first).
   */
  async spendOf(column: HierarchyColumn, ids: readonly string[], since?: string): Promise<Map<string, { spend: number; conversions: number }>> {
    return spendTotals(this.deps.db, column, ids, since);
  }

  /** `GET /<object>/insights`: rows per time bucket and per object at the level, oldest first (or as `sort` orders them). */
  async insights(ctx: RequestContext, query: InsightsQuery): Promise<InsightsRow[]> {
    const report = await this.report(ctx, query);
    return report.items.map(report.present);
  }

  /**
   * The rows of a query as items to present on demand, in their order: a reader that shows one
   * page of a large report (18,000 age × gender rows, say) presents only that page's rows.
   */
  async report(ctx: RequestContext, query: InsightsQuery): Promise<InsightsReport> {
    const db = this.deps.db;
    const object = await this.resolveObject(db, ctx, query.objectId, query.objectType);
    authorizeOnAccount(this.deps, ctx, object.account, "read_insights");
    const level = this.levelOf(object, query.level);
    const plan = planOf(query);
    const metrics = this.metricsOf(query.fields);
    const sort = sortOf(query.sort);
    // As on Meta: with `fields`, a row holds those fields, its dates and its breakdown values; without, every field.
    const asked =
      query.fields && query.fields.some((f) => f.trim() !== "")
        ? new Set(["date_start", "date_stop", ...(plan.hourly ? [HOURLY_BREAKDOWN] : []), ...plan.breakdowns, ...query.fields.map((f) => f.trim())])
        : undefined;
    const scope = { column: LEVEL_COLUMN[object.level], id: object.id };
    if (query.timeRanges && query.timeRanges.length > MAX_TIME_RANGES) throw errors.invalidParameter(`Invalid time_ranges: at most ${MAX_TIME_RANGES} ranges in one request.`);
    const ranges = query.timeRanges && query.timeRanges.length > 0 ? query.timeRanges.map((r) => checkedRange(r, "time_ranges")) : [await this.rangeOf(db, query, object, scope)];
    const digits = minorDigits(object.account.currency);
    const dateOf = memo((day: string) => dateOfDay(Number(day)));
    const items: ReportItem[] = [];
    for (const range of ranges) {
      // With time_ranges, each range is one bucket, as Meta answers them.
      const whole = (query.timeRanges && query.timeRanges.length > 0) || query.timeIncrement === undefined || query.timeIncrement === "all_days";
      const bucketOf = whole ? (): [number, number] => [range.since, range.until] : this.bucketing(query.timeIncrement, range);
      const dates = { since: dateOfDay(range.since), until: dateOfDay(range.until) };
      const groups = plan.perAd ? await this.splitGroups(ctx, scope, dates, level, plan, bucketOf, !whole) : await this.plainGroups(ctx, scope, dates, level, plan.hourly, bucketOf, !whole);
      const context = await this.contextOf(ctx, groups.map((g) => g.sum), level, metrics, asked, object.account.timezoneName);
      for (const group of groups) items.push({ group, context });
    }
    const wantsResults = asksResults(metrics);
    const factsOf = ({ group, context }: ReportItem): RowFacts => {
      const sum = group.sum;
      return {
        currency: object.account.currency,
        digits,
        level,
        actions: group.actions ? [...group.actions.values()] : [{ keys: {}, link: sum.link_clicks, conversions: sum.conversions, revenue: sum.revenue, conversions1d: 0, revenue1d: 0 }],
        windows: plan.windows,
        objective: sum.campaign_id !== null ? context.objectives.get(sum.campaign_id) : undefined,
        optimizationGoal: sum.adset_id !== null ? context.goals.get(sum.adset_id) : undefined,
        resultGoal: wantsResults ? resultGoalOf(sum, context) : undefined,
        schedule: sum.adset_id !== null ? context.schedules.get(sum.adset_id) : undefined,
      };
    };
    const present = (item: ReportItem): InsightsRow => {
      const { group, context } = item;
      const { start, stop, sum } = group;
      const row: InsightsRow = {
        date_start: dateOf(String(start)),
        date_stop: dateOf(String(stop)),
        account_id: object.account.id,
        account_name: object.account.name,
      };
      if (sum.campaign_id !== null) Object.assign(row, { campaign_id: sum.campaign_id, campaign_name: context.campaigns.get(sum.campaign_id) ?? "" });
      if (sum.adset_id !== null) Object.assign(row, { adset_id: sum.adset_id, adset_name: context.adSets.get(sum.adset_id) ?? "" });
      if (sum.ad_id !== null) Object.assign(row, { ad_id: sum.ad_id, ad_name: context.ads.get(sum.ad_id) ?? "" });
      if (sum.hour !== undefined) row[HOURLY_BREAKDOWN] = hourLabel(sum.hour);
      if (group.cell) Object.assign(row, group.cell);
      return only(Object.assign(row, metricValues(sum, metrics, factsOf(item))), asked);
    };
    if (sort) {
      // Sort keys come from the sums, so a sorted report still presents only what is read.
      const keyed = items.map((item, index) => ({ item, index, keys: sort.map(({ field }) => Number(metricValue(field as Metric, item.group.sum, factsOf(item), derivedOf(item.group.sum, digits)) ?? 0) || 0) }));
      keyed.sort((x, y) => {
        for (let i = 0; i < sort.length; i++) {
          const d = x.keys[i]! - y.keys[i]!;
          if (d !== 0) return sort[i]!.descending ? -d : d;
        }
        return x.index - y.index;
      });
      return { items: keyed.map((k) => k.item), present };
    }
    return { items, present };
  }

  /**
   * The object's daily totals (see dailyTotalsOfEach), read together with those of the other
   * objects this request reports on at the same time with the same range and grouping (each ad
   * set's insights expanded in `fields`) in one query.
   */
  private async dailyTotals(
    ctx: RequestContext,
    scope: { column: HierarchyColumn; id: string },
    dates: { since: string; until: string },
    groupBy: readonly HierarchyColumn[],
    options: { hourly: boolean; perDay: boolean },
  ): Promise<DailyTotals[]> {
    const kind = `insights:${scope.column}:${dates.since}:${dates.until}:${groupBy.join(",")}:${options.hourly}:${options.perDay}`;
    const totals = await readInBatch(ctx, kind, scope.id, (ids) => dailyTotalsOfEach(this.deps.db, scope.column, ids, dates, groupBy, options));
    return totals ?? [];
  }

  /**
   * What a report needs of its objects (names, goals, audiences…), read with what the request's
   * other reports running at the same time need of theirs, in one query per kind.
   */
  private lookUp<V>(ctx: RequestContext, kind: string, ids: readonly string[], read: (db: Executor, ids: readonly string[]) => Promise<ReadonlyMap<string, V>>): Promise<Map<string, V>> {
    return readEachInBatch(ctx, kind, ids, (all) => read(this.deps.db, all));
  }

  /** The simulated market's seed, read once for the request's reports running at the same time. */
  private async marketSeed(ctx: RequestContext): Promise<number> {
    return (await readInBatch(ctx, "market_seed", "", async () => new Map([["", await marketSeed(this.deps.db)]]))) ?? 1;
  }

  /** The stored rows summed per bucket, object at the level (and hour): the common case, summed by the store. */
  private async plainGroups(
    ctx: RequestContext,
    scope: { column: HierarchyColumn; id: string },
    dates: { since: string; until: string },
    level: InsightsLevel,
    hourly: boolean,
    bucketOf: (day: number) => [number, number],
    perDay: boolean,
  ): Promise<Group[]> {
    const totals = await this.dailyTotals(ctx, scope, dates, GROUP_COLUMNS[level], { hourly, perDay });
    const groups = new Map<string, Group>();
    for (const day of totals) {
      const [start, stop] = bucketOf(dayNumber(day.date) ?? 0);
      const key = `${start}|${day[LEVEL_COLUMN[level]] ?? ""}|${day.hour ?? ""}`;
      const group = groups.get(key);
      if (!group) groups.set(key, { start, stop, sum: { ...day }, cellIndex: 0 });
      else addMeasures(group.sum, day);
    }
    return orderGroups([...groups.values()], level);
  }

  /**
   * Groups with breakdowns, action breakdowns or attribution windows: the stored rows are summed per
   * bucket and ad first, each ad's sum is split over the cells of the breakdowns by its own ad set's
   * audience, and the parts are then summed per bucket, object at the level and cell. Each ad's
   * parts add up exactly to its sum, so the cells of a row add up to the row without breakdowns.
   */
  private async splitGroups(
    ctx: RequestContext,
    scope: { column: HierarchyColumn; id: string },
    dates: { since: string; until: string },
    level: InsightsLevel,
    plan: Plan,
    bucketOf: (day: number) => [number, number],
    perDay: boolean,
  ): Promise<Group[]> {
    const totals = await this.dailyTotals(ctx, scope, dates, GROUP_COLUMNS.ad, { hourly: plan.hourly, perDay });
    const perAd = new Map<string, Group>();
    for (const day of totals) {
      const [start, stop] = bucketOf(dayNumber(day.date) ?? 0);
      const key = `${start}|${day.ad_id}|${day.hour ?? ""}`;
      const group = perAd.get(key);
      if (!group) perAd.set(key, { start, stop, sum: { ...day }, cellIndex: 0 });
      else addMeasures(group.sum, day);
    }
    const adSetIds = [...new Set(totals.map((t) => t.adset_id!))];
    const adIds = [...new Set(totals.map((t) => t.ad_id!))];
    const needsAudience = plan.breakdowns.length > 0 || plan.actionBreakdowns.includes("action_device");
    const [seed, audiences, destinations] = await Promise.all([
      needsAudience ? this.marketSeed(ctx) : Promise.resolve(1),
      needsAudience ? this.lookUp(ctx, "adset_audiences", adSetIds, adSetAudiences) : Promise.resolve(new Map<string, { targeting: string | null }>()),
      plan.actionBreakdowns.some((b) => b === "action_destination" || b === "action_target_id") ? this.lookUp(ctx, "ad_destinations", adIds, adDestinations) : Promise.resolve(undefined),
    ]);
    const targetingOf = memo((adSetId: string) => parseTargeting(audiences.get(adSetId)?.targeting ?? null));
    const cellsFor = memo((adSetId: string) => cellsOf(plan.breakdowns, seed, adSetId, targetingOf(adSetId)));
    const devicesFor = memo((adSetId: string) => actionDeviceCells(seed, adSetId, targetingOf(adSetId)));
    const destinationOf = memo((adId: string) => destinationKeys(destinations?.get(adId), plan.actionBreakdowns));
    const rank = LEVEL_RANK[level];
    const groups = new Map<string, Group>();
    for (const { start, stop, sum } of perAd.values()) {
      const adSetId = sum.adset_id!;
      const cells: Cell[] = plan.breakdowns.length > 0 ? cellsFor(adSetId) : [{ values: {}, weight: 1 }];
      const parts: Measures[] = plan.breakdowns.length > 0 ? splitMeasures(sum, cells) : [sum];
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i]!;
        if (MEASURES.every((m) => part[m] === 0)) continue;
        const key = `${start}|${sum[LEVEL_COLUMN[level]] ?? ""}|${sum.hour ?? ""}|${i}`;
        let group = groups.get(key);
        if (!group) {
          group = {
            start,
            stop,
            sum: {
              account_id: sum.account_id,
              campaign_id: rank >= 1 ? sum.campaign_id : null,
              adset_id: rank >= 2 ? sum.adset_id : null,
              ad_id: rank >= 3 ? sum.ad_id : null,
              date: sum.date,
              impressions: 0,
              reach: 0,
              clicks: 0,
              link_clicks: 0,
              spend: 0,
              conversions: 0,
              revenue: 0,
              ...(sum.hour !== undefined ? { hour: sum.hour } : {}),
            },
            cellIndex: i,
            actions: new Map(),
            ...(plan.breakdowns.length > 0 ? { cell: cells[i]!.values } : {}),
          };
          groups.set(key, group);
        }
        addMeasures(group.sum, part);
        const devices = plan.actionBreakdowns.includes("action_device") ? devicesFor(adSetId) : undefined;
        addActions(group.actions!, part, devices, destinationOf(sum.ad_id!), plan.windows.length > 0);
      }
    }
    return orderGroups([...groups.values()], level);
  }

  /** Names of the rows' objects, and the objectives, optimization goals and ad set schedules when asked for. */
  private async contextOf(ctx: RequestContext, sums: DailyTotals[], level: InsightsLevel, metrics: Set<Metric>, asked: ReadonlySet<string> | undefined, timeZone: string) {
    const ids = (column: "campaign_id" | "adset_id" | "ad_id") => [...new Set(sums.map((s) => s[column]).filter((id): id is string => id !== null))];
    const none = new Map<string, string>();
    const goals = new Map<string, string>();
    if ((metrics.has("optimization_goal") || asksResults(metrics)) && LEVEL_RANK[level] >= 2) {
      for (const [id, audience] of await this.lookUp(ctx, "adset_audiences", ids("adset_id"), adSetAudiences)) goals.set(id, audience.optimization_goal);
    }
    // A campaign row has a result when all of the campaign's ad sets optimize for one goal.
    const oneGoal = new Map<string, string>();
    if (asksResults(metrics) && level === "campaign") {
      for (const [id, set] of await this.lookUp(ctx, "campaign_goals", ids("campaign_id"), campaignGoals)) if (set.size === 1) oneGoal.set(id, [...set][0]!);
    }
    // An ad set's schedule, as the ad set's own start_time and end_time show it (in the account's zone).
    const schedules = new Map<string, { start?: string; end?: string }>();
    if ((metrics.has("adset_start") || metrics.has("adset_end")) && LEVEL_RANK[level] >= 2) {
      const time = (ms: number | null) => (ms === null ? undefined : formatGraphTime(ms, timeZone));
      for (const [id, s] of await this.lookUp(ctx, "adset_schedules", ids("adset_id"), adSetSchedules)) schedules.set(id, { start: time(s.start_time), end: time(s.end_time) });
    }
    return {
      // Names are read only when the rows will show them.
      campaigns: LEVEL_RANK[level] >= 1 && (!asked || asked.has("campaign_name")) ? await this.lookUp(ctx, "campaign_names", ids("campaign_id"), campaignNames) : none,
      adSets: LEVEL_RANK[level] >= 2 && (!asked || asked.has("adset_name")) ? await this.lookUp(ctx, "adset_names", ids("adset_id"), adSetNames) : none,
      ads: LEVEL_RANK[level] >= 3 && (!asked || asked.has("ad_name")) ? await this.lookUp(ctx, "ad_names", ids("ad_id"), adNames) : none,
      objectives: metrics.has("objective") && LEVEL_RANK[level] >= 1 ? await this.lookUp(ctx, "campaign_objectives", ids("campaign_id"), campaignObjectives) : none,
      goals,
      campaignGoals: oneGoal,
      schedules,
    };
  }

  /**
   * The object and its ad account. With `type` (the Graph already knows the node's type) only that
   * table is read. The account comes from the cache of ad accounts (see readAdAccount), shared by
   * the request's reads: a nested expansion asks for the insights of many objects of one account.
   */
  private async resolveObject(db: Executor, ctx: RequestContext, objectId: string, type?: InsightsLevel): Promise<ResolvedObject> {
    let accounts = this.accountsByRequest.get(ctx);
    if (!accounts) this.accountsByRequest.set(ctx, (accounts = new Map()));
    const accountOf = (id: string) => {
      let account = accounts.get(id);
      if (!account) {
        account = readAdAccount(this.deps, id);
        accounts.set(id, account);
        account.catch(() => accounts.delete(id));
      }
      return account;
    };
    if (objectId.startsWith("act_") || type === "account") {
      const account = await accountOf(objectId);
      return { level: "account", id: account.id, account };
    }
    // A campaign or ad set this request has just listed (its insights expanded in `fields`) is not read again.
    const campaign = type === undefined || type === "campaign" ? (listedObject(ctx, "campaign", objectId) ?? (await findCampaign(db, objectId))) : undefined;
    if (campaign) return { level: "campaign", id: campaign.id, account: await accountOf(campaign.account_id) };
    const adSet = type === undefined || type === "adset" ? (listedObject(ctx, "adset", objectId) ?? (await findAdSet(db, objectId))) : undefined;
    if (adSet) return { level: "adset", id: adSet.id, account: await accountOf(adSet.account_id) };
    const ad = type === undefined || type === "ad" ? await findAd(db, objectId) : undefined;
    if (ad) return { level: "ad", id: ad.id, account: await accountOf(ad.account_id) };
    try {
      const account = await requireAdAccount(db, objectId);
      return { level: "account", id: account.id, account };
    } catch {
      throw unknownAdObject(objectId);
    }
  }

  private levelOf(object: ResolvedObject, requested: string | undefined): InsightsLevel {
    if (requested === undefined) return object.level;
    const level = INSIGHTS_LEVELS.find((l) => l === requested);
    if (!level) throw errors.invalidParameter(`Invalid level: must be one of ${INSIGHTS_LEVELS.join(", ")}.`);
    if (LEVEL_RANK[level] < LEVEL_RANK[object.level]) {
      const allowed = INSIGHTS_LEVELS.filter((l) => LEVEL_RANK[l] >= LEVEL_RANK[object.level]);
      throw errors.invalidParameter(`Invalid level: insights of ${LEVEL_LABELS[object.level]} can be at level ${allowed.join(", ")}, not ${level}.`);
    }
    return level;
  }

  private metricsOf(fields: readonly string[] | undefined): Set<Metric> {
    if (!fields || fields.length === 0) return new Set(DEFAULT_METRICS);
    const metrics = new Set<Metric>();
    const unknown: string[] = [];
    for (const field of fields.map((f) => f.trim()).filter(Boolean)) {
      const metric = INSIGHTS_METRICS.find((m) => m === field);
      if (metric) metrics.add(metric);
      else if (!IDENTITY_FIELDS.includes(field) && !(BREAKDOWNS as readonly string[]).includes(field) && field !== HOURLY_BREAKDOWN) unknown.push(field);
    }
    if (unknown.length > 0) throw errors.nonexistingField(unknown[0]!, "AdsInsights");
    return metrics;
  }

  /** The day numbers of the range: time_range if given, else the preset counted from today in the account's zone. */
  private async rangeOf(
    db: Executor,
    query: InsightsQuery,
    object: ResolvedObject,
    scope: { column: HierarchyColumn; id: string },
  ): Promise<{ since: number; until: number }> {
    if (query.timeRange) return checkedRange(query.timeRange, "time_range");
    const preset = query.datePreset ?? "last_30d";
    if (!(DATE_PRESETS as readonly string[]).includes(preset)) {
      throw errors.invalidParameter(`Invalid date_preset: must be one of ${DATE_PRESETS.join(", ")}.`);
    }
    const today = dayNumber(localDate(this.deps.now(), object.account.timezoneName)) ?? 0;
    if (preset === "maximum" || preset === "data_maximum") {
      const first = await firstDeliveryDate(db, scope);
      const since = first === undefined ? today : Math.min(dayNumber(first) ?? today, today);
      return { since, until: today };
    }
    return presetRange(preset as RelativePreset, today);
  }

  /** Maps a day to its bucket [start, stop] under the time increment. */
  private bucketing(increment: number | string | undefined, range: { since: number; until: number }): (day: number) => [number, number] {
    if (increment === undefined || increment === "all_days") return () => [range.since, range.until];
    if (increment === "monthly") {
      return (day) => {
        const { year, month } = monthOf(day);
        const first = firstDayOfMonth(year, month);
        const last = (month === 12 ? firstDayOfMonth(year + 1, 1) : firstDayOfMonth(year, month + 1)) - 1;
        return [Math.max(first, range.since), Math.min(last, range.until)];
      };
    }
    const days = typeof increment === "number" ? increment : /^\d+$/.test(increment) ? Number(increment) : NaN;
    if (!Number.isInteger(days) || days < 1 || days > 90) {
      throw errors.invalidParameter('Invalid time_increment: use a number of days from 1 to 90, "monthly" or "all_days".');
    }
    return (day) => {
      const start = range.since + Math.floor((day - range.since) / days) * days;
      return [start, Math.min(start + days - 1, range.until)];
    };
  }

}


const asksResults = (metrics: Set<Metric>) => metrics.has("results") || metrics.has("cost_per_result");

/** The goal a row's results count: its ad set's, or the one its campaign's ad sets share. */
function resultGoalOf(sum: DailyTotals, context: ReportItem["context"]): string | undefined {
  if (sum.adset_id !== null) return context.goals.get(sum.adset_id);
  return sum.campaign_id !== null ? context.campaignGoals.get(sum.campaign_id) : undefined;
}

/** A row of a report before it is presented: its sums and what names it. */
export interface ReportItem {
  group: Group;
  context: {
    campaigns: Map<string, string>;
    adSets: Map<string, string>;
    ads: Map<string, string>;
    objectives: Map<string, string>;
    goals: Map<string, string>;
    /** The one optimization goal of each campaign's ad sets, for campaign rows asking for results. */
    campaignGoals: Map<string, string>;
    /** Each ad set's start_time and end_time as the Graph shows them, when adset_start or adset_end is asked. */
    schedules: Map<string, { start?: string; end?: string }>;
  };
}

/** A query's rows in order, each presented (as Meta's AdsInsights row) when read. */
export interface InsightsReport {
  items: readonly ReportItem[];
  present: (item: ReportItem) => InsightsRow;
}

/** What a query asks beyond plain sums. */
interface Plan {
  hourly: boolean;
  breakdowns: Breakdown[];
  /** Action breakdowns besides action_type (which every action stat carries). */
  actionBreakdowns: ActionBreakdown[];
  windows: AttributionWindow[];
  /** Whether rows must be built ad by ad (splits, action breakdowns or windows). */
  perAd: boolean;
}

/**
 * The breakdowns, action breakdowns and attribution windows of a query, checked: a name Meta does
 * not have (or Grantline does not serve) is #100 naming it, and a set of columns Meta does not serve
 * together is Meta's "Current combination of data breakdown columns (…) is invalid".
 */
function planOf(query: InsightsQuery): Plan {
  const clean = (list: readonly string[] | undefined) => [...new Set((list ?? []).map((b) => String(b).trim()).filter(Boolean))];
  const breakdowns = clean(query.breakdowns);
  const unknown = breakdowns.filter((b) => b !== HOURLY_BREAKDOWN && !(BREAKDOWNS as readonly string[]).includes(b));
  if (unknown.length > 0) {
    throw errors.invalidParameter(`(#100) breakdowns[${breakdowns.indexOf(unknown[0]!)}] must be one of the following values: ${[...BREAKDOWNS, HOURLY_BREAKDOWN].join(", ")}`);
  }
  const actionBreakdowns = query.actionBreakdowns === undefined ? ["action_type"] : clean(query.actionBreakdowns);
  const badAction = actionBreakdowns.find((b) => !(ACTION_BREAKDOWNS as readonly string[]).includes(b));
  if (badAction !== undefined) {
    throw errors.invalidParameter(`(#100) action_breakdowns[${actionBreakdowns.indexOf(badAction)}] must be one of the following values: ${ACTION_BREAKDOWNS.join(", ")}`);
  }
  const windows = clean(query.actionAttributionWindows);
  const badWindow = windows.find((w) => !(ATTRIBUTION_WINDOWS as readonly string[]).includes(w) && w !== "default");
  if (badWindow !== undefined) {
    throw errors.invalidParameter(`(#100) action_attribution_windows[${windows.indexOf(badWindow)}] must be one of the following values: ${[...ATTRIBUTION_WINDOWS, "default"].join(", ")}`);
  }
  checkBreakdownCombination(breakdowns, actionBreakdowns);
  const split = breakdowns.filter((b): b is Breakdown => b !== HOURLY_BREAKDOWN);
  const extraActions = actionBreakdowns.filter((b): b is ActionBreakdown => b !== "action_type");
  const asked = windows.filter((w): w is AttributionWindow => w !== "default");
  return {
    hourly: breakdowns.includes(HOURLY_BREAKDOWN),
    breakdowns: split,
    actionBreakdowns: extraActions,
    windows: asked,
    perAd: split.length > 0 || extraActions.length > 0 || asked.length > 0,
  };
}

/** A row in the making: its bucket, its summed measures under its ids, and (with breakdowns) its cell and action parts. */
interface Group {
  start: number;
  stop: number;
  sum: DailyTotals;
  cellIndex: number;
  cell?: Record<string, string>;
  actions?: Map<string, ActionSum>;
}

/** Actions of one set of action breakdown values: link clicks, purchases and their value, and the part within a day of the click. */
interface ActionSum {
  keys: Record<string, string>;
  link: number;
  conversions: number;
  revenue: number;
  conversions1d: number;
  revenue1d: number;
}

function addMeasures(into: Measures, from: Measures): void {
  for (const m of MEASURES) into[m] += from[m];
}

/** Oldest bucket first, then by object at the level, hour and cell. */
function orderGroups(groups: Group[], level: InsightsLevel): Group[] {
  const column = LEVEL_COLUMN[level];
  const byId = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return groups.sort((a, b) => a.start - b.start || byId(a.sum[column] ?? "", b.sum[column] ?? "") || (a.sum.hour ?? 0) - (b.sum.hour ?? 0) || a.cellIndex - b.cellIndex);
}

/**
 * Adds one ad's part to a row's action sums: split over devices by the ad set's device shares
 * (`action_device`), labelled with the ad's destination, and (with attribution windows) its
 * purchases within a day of the click split off by the lag model; all exact.
 */
function addActions(into: Map<string, ActionSum>, part: Measures, devices: Cell[] | undefined, destination: Record<string, string>, windows: boolean): void {
  let pieces: { keys: Record<string, string>; link: number; conversions: number; revenue: number }[] = [
    { keys: { ...destination }, link: part.link_clicks, conversions: part.conversions, revenue: part.revenue },
  ];
  if (devices) {
    const weights = devices.map((d) => d.weight);
    const link = splitExact(part.link_clicks, weights);
    const conversions = splitExact(part.conversions, link, weights);
    const revenue = splitExact(part.revenue, conversions, weights);
    pieces = devices.map((d, i) => ({ keys: { ...d.values, ...destination }, link: link[i]!, conversions: conversions[i]!, revenue: revenue[i]! }));
  }
  for (const piece of pieces) {
    if (piece.link === 0 && piece.conversions === 0 && piece.revenue === 0) continue;
    const key = Object.values(piece.keys).join("\u0000");
    let sum = into.get(key);
    if (!sum) {
      sum = { keys: piece.keys, link: 0, conversions: 0, revenue: 0, conversions1d: 0, revenue1d: 0 };
      into.set(key, sum);
    }
    sum.link += piece.link;
    sum.conversions += piece.conversions;
    sum.revenue += piece.revenue;
    if (windows && piece.conversions > 0) {
      const oneDay = splitExact(piece.conversions, [ONE_DAY_SHARE, 1 - ONE_DAY_SHARE])[0]!;
      sum.conversions1d += oneDay;
      sum.revenue1d += splitExact(piece.revenue, [oneDay, piece.conversions - oneDay])[0]!;
    }
  }
}

/** An ad's destination as `action_destination` (the creative's link) and `action_target_id` (the pixel, else the Page), when asked. */
function destinationKeys(
  row: { link_url: string | null; object_story_spec: string | null; promoted_object: string | null } | undefined,
  asked: readonly ActionBreakdown[],
): Record<string, string> {
  const keys: Record<string, string> = {};
  if (!row) return keys;
  const json = (text: string | null): Record<string, unknown> => {
    try {
      const value: unknown = text ? JSON.parse(text) : {};
      return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  };
  if (asked.includes("action_destination") && row.link_url) keys.action_destination = row.link_url;
  if (asked.includes("action_target_id")) {
    const pixel = json(row.promoted_object).pixel_id;
    const page = json(row.object_story_spec).page_id;
    const target = pixel ?? page;
    if (typeof target === "string" || typeof target === "number") keys.action_target_id = String(target);
  }
  return keys;
}

function parseTargeting(text: string | null): AudienceTargeting {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === "object" ? (value as AudienceTargeting) : {};
  } catch {
    return {};
  }
}

function memo<T>(compute: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined && !cache.has(key)) {
      value = compute(key);
      cache.set(key, value);
    }
    return value as T;
  };
}

/** A `{since, until}` range as day numbers, or #100 naming the parameter. */
function checkedRange(range: { since: unknown; until: unknown } | unknown, name: "time_range" | "time_ranges"): { since: number; until: number } {
  const r = (range && typeof range === "object" ? range : {}) as { since?: unknown; until?: unknown };
  const since = dayNumber(String(r.since));
  const until = dayNumber(String(r.until));
  if (since === undefined || until === undefined) {
    throw errors.invalidParameter(`Invalid ${name}: give {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"} with real dates.`);
  }
  if (since > until) throw errors.invalidParameter(`Invalid ${name}: since must not be after until.`);
  return { since, until };
}

/** Meta's `sort` values: `<field>_ascending` or `<field>_descending` on a numeric field. https://developers.facebook.com/docs/marketing-api/reference/ad-account/insights/ (sort) */
function sortOf(sort: readonly string[] | undefined): { field: string; descending: boolean }[] | undefined {
  const keys = (sort ?? []).map((s) => String(s).trim()).filter(Boolean);
  if (keys.length === 0) return undefined;
  return keys.map((key) => {
    const match = /^(.+)_(ascending|descending)$/.exec(key);
    const field = match?.[1];
    if (!match || !field || !(SORTABLE as readonly string[]).includes(field)) {
      throw errors.invalidParameter(`(#100) Invalid sort: ${key}. Use <field>_ascending or <field>_descending with one of ${SORTABLE.join(", ")}.`);
    }
    return { field, descending: match[2] === "descending" };
  });
}

/** Numeric fields `sort` takes; a row without the field sorts as 0. */
const SORTABLE = ["impressions", "reach", "frequency", "clicks", "unique_clicks", "inline_link_clicks", "spend", "ctr", "cpc", "cpm", "cpp", "unique_ctr", "inline_link_click_ctr", "cost_per_inline_link_click"] as const;

/** What a row's metrics need besides its sums. */
interface RowFacts {
  currency: string;
  digits: number;
  level: InsightsLevel;
  actions: ActionSum[];
  windows: AttributionWindow[];
  objective: string | undefined;
  optimizationGoal: string | undefined;
  /** The goal the row's results count: its ad set's, or at the campaign level the one its ad sets share. */
  resultGoal: string | undefined;
  /** The row's ad set's schedule (rows at the ad set and ad levels). */
  schedule: { start?: string; end?: string } | undefined;
}

/**
 * Meta's ranking of a rate against a benchmark (https://www.facebook.com/business/help/403110480493160):
 * ABOVE_AVERAGE, AVERAGE, or BELOW_AVERAGE_35/20/10 (bottom 35%, 20%, 10%); UNKNOWN below 500
 * impressions or above the ad level, where Meta ranks nothing.
 */
function ranking(rateValue: number | undefined, benchmark: number, facts: RowFacts, impressions: number): string {
  if (facts.level !== "ad" || impressions < 500 || rateValue === undefined) return "UNKNOWN";
  const r = rateValue / benchmark;
  return r >= 1.2 ? "ABOVE_AVERAGE" : r >= 0.8 ? "AVERAGE" : r >= 0.6 ? "BELOW_AVERAGE_35" : r >= 0.4 ? "BELOW_AVERAGE_20" : "BELOW_AVERAGE_10";
}

/**
 * The asked metrics of a row from its sums. Unique counts: the store keeps no people, so each click
 * counts as one person, at most as many as were reached. Outbound clicks are the link clicks (every
 * ad here leads off Meta). Purchases and their value are the conversions; the view windows count
 * none and the 28-day click window counts what the 7-day one does (see ATTRIBUTION_LAG).
 */
function metricValues(sum: DailyTotals, metrics: Set<Metric>, facts: RowFacts): Partial<InsightsRow> {
  // One switch rather than a table of closures: a report builds rows by the thousand.
  const derived = derivedOf(sum, facts.digits);
  const out: Record<string, unknown> = {};
  for (const metric of metrics) {
    const value = metricValue(metric, sum, facts, derived);
    if (value !== undefined) out[metric] = value;
  }
  return out as Partial<InsightsRow>;
}

function derivedOf(sum: Measures, digits: number): Derived {
  return { spend: sum.spend / 10 ** digits, uniqueClicks: Math.min(sum.clicks, sum.reach), uniqueLink: Math.min(sum.link_clicks, sum.reach) };
}

interface Derived {
  /** Spend in major units. */
  spend: number;
  uniqueClicks: number;
  uniqueLink: number;
}

const pct = (n: number, d: number) => (d > 0 ? rate((n / d) * 100) : undefined);
const costPer = (spend: number, n: number) => (n > 0 ? rate(spend / n) : undefined);

/** An action stat of a row's action part: its type, the part's action breakdown values, its value. */
function stat(type: string, a: ActionSum, value: string): ActionStat {
  return { action_type: type, ...a.keys, value };
}

/**
 * Adds the asked attribution windows to a stat: the click windows past one day count everything,
 * 1d_click the purchases within a day, the view windows nothing. As on Meta, "only conversion type
 * metrics are eligible for setting values for attribution windows past 1 day"
 * (https://developers.facebook.com/docs/marketing-api/reference/ads-action-stats/), and 7d_view is
 * accepted but "will no longer be returned" since January 12, 2026
 * (https://developers.facebook.com/blog/post/2025/10/16/ads-insights-api-metric-availability-updates/).
 */
function windowed(entry: ActionStat, windows: readonly AttributionWindow[], all: number, oneDay: number, format: (n: number) => string, conversion = true): ActionStat {
  for (const w of windows) {
    if (w === "7d_view" || (!conversion && w !== "1d_click" && w !== "1d_view")) continue;
    entry[w] = format(w.endsWith("_view") ? 0 : w === "1d_click" ? oneDay : all);
  }
  return entry;
}

/** An action list, or nothing when it would be empty (Meta leaves the field out). */
function nonEmpty(entries: ActionStat[]): ActionStat[] | undefined {
  return entries.length > 0 ? entries : undefined;
}

function purchaseCounts(facts: RowFacts, types: readonly string[]): ActionStat[] | undefined {
  const out: ActionStat[] = [];
  for (const a of facts.actions) {
    if (a.conversions <= 0) continue;
    for (const t of types) out.push(windowed(stat(t, a, String(a.conversions)), facts.windows, a.conversions, a.conversions1d, String));
  }
  return nonEmpty(out);
}

function purchaseValues(facts: RowFacts, types: readonly string[]): ActionStat[] | undefined {
  const out: ActionStat[] = [];
  const decimal = (n: number) => formatMinor(n, facts.digits);
  for (const a of facts.actions) {
    if (a.conversions <= 0 && a.revenue <= 0) continue;
    for (const t of types) out.push(windowed(stat(t, a, decimal(a.revenue)), facts.windows, a.revenue, a.revenue1d, decimal));
  }
  return nonEmpty(out);
}

function purchaseCosts(facts: RowFacts, spend: number, types: readonly string[]): ActionStat[] {
  const out: ActionStat[] = [];
  for (const a of facts.actions) if (a.conversions > 0) for (const t of types) out.push(stat(t, a, rate(spend / a.conversions)));
  return out;
}

function purchaseRoas(facts: RowFacts, spendMinor: number, types: readonly string[]): ActionStat[] | undefined {
  const out: ActionStat[] = [];
  if (spendMinor > 0) for (const a of facts.actions) if (a.conversions > 0 || a.revenue > 0) for (const t of types) out.push(stat(t, a, rate(a.revenue / spendMinor)));
  return nonEmpty(out);
}

function linkClickStats(facts: RowFacts, type: string): ActionStat[] {
  const out: ActionStat[] = [];
  for (const a of facts.actions) if (a.link > 0) out.push(windowed(stat(type, a, String(a.link)), facts.windows, a.link, a.link, String, false));
  return out;
}

const single = (type: string, value: string | undefined): ActionStat[] | undefined => (value === undefined ? undefined : [{ action_type: type, value }]);

function metricValue(metric: Metric, sum: DailyTotals, facts: RowFacts, d: Derived): unknown {
  switch (metric) {
    case "account_currency":
      return facts.currency;
    case "impressions":
      return String(sum.impressions);
    case "reach":
      return String(sum.reach);
    case "frequency":
      return sum.reach > 0 ? rate(sum.impressions / sum.reach) : undefined;
    case "clicks":
      return String(sum.clicks);
    case "inline_link_clicks":
      return String(sum.link_clicks);
    case "spend":
      return formatMinor(sum.spend, facts.digits);
    case "ctr":
      return pct(sum.clicks, sum.impressions);
    case "cpc":
      return costPer(d.spend, sum.clicks);
    case "cpm":
      return sum.impressions > 0 ? rate((d.spend / sum.impressions) * 1000) : undefined;
    case "cpp":
      return sum.reach > 0 ? rate((d.spend / sum.reach) * 1000) : undefined;
    case "inline_link_click_ctr":
      return pct(sum.link_clicks, sum.impressions);
    case "cost_per_inline_link_click":
      return costPer(d.spend, sum.link_clicks);
    case "actions":
      return nonEmpty([...linkClickStats(facts, "link_click"), ...(purchaseCounts(facts, PURCHASE_TYPES) ?? [])]);
    case "action_values":
      return purchaseValues(facts, PURCHASE_TYPES);
    case "cost_per_action_type": {
      const links: ActionStat[] = [];
      for (const a of facts.actions) if (a.link > 0) links.push(stat("link_click", a, rate(d.spend / a.link)));
      return nonEmpty([...links, ...purchaseCosts(facts, d.spend, PURCHASE_TYPES)]);
    }
    case "purchase_roas":
      return purchaseRoas(facts, sum.spend, PURCHASE_TYPES);
    case "unique_clicks":
      return String(d.uniqueClicks);
    case "unique_ctr":
      return pct(d.uniqueClicks, sum.reach);
    case "unique_inline_link_clicks":
      return String(d.uniqueLink);
    case "unique_inline_link_click_ctr":
    case "unique_link_clicks_ctr":
      return pct(d.uniqueLink, sum.reach);
    case "cost_per_unique_click":
      return costPer(d.spend, d.uniqueClicks);
    case "cost_per_unique_inline_link_click":
      return costPer(d.spend, d.uniqueLink);
    case "inline_post_engagement":
      return String(sum.clicks);
    case "cost_per_inline_post_engagement":
      return costPer(d.spend, sum.clicks);
    case "outbound_clicks":
      return nonEmpty(linkClickStats(facts, "outbound_click"));
    case "unique_outbound_clicks":
      return d.uniqueLink > 0 ? single("outbound_click", String(d.uniqueLink)) : undefined;
    case "outbound_clicks_ctr":
      return sum.link_clicks > 0 ? single("outbound_click", pct(sum.link_clicks, sum.impressions)) : undefined;
    case "unique_outbound_clicks_ctr":
      return d.uniqueLink > 0 ? single("outbound_click", pct(d.uniqueLink, sum.reach)) : undefined;
    case "cost_per_outbound_click":
      return single("outbound_click", costPer(d.spend, sum.link_clicks));
    case "cost_per_unique_outbound_click":
      return single("outbound_click", costPer(d.spend, d.uniqueLink));
    case "website_ctr":
      return sum.link_clicks > 0 ? single("link_click", pct(sum.link_clicks, sum.impressions)) : undefined;
    case "unique_actions":
      return d.uniqueLink > 0 ? single("link_click", String(d.uniqueLink)) : undefined;
    case "conversions":
      return purchaseCounts(facts, [PIXEL_PURCHASE]);
    case "conversion_values":
      return purchaseValues(facts, [PIXEL_PURCHASE]);
    case "cost_per_conversion":
      return nonEmpty(purchaseCosts(facts, d.spend, [PIXEL_PURCHASE]));
    case "website_purchase_roas":
      return purchaseRoas(facts, sum.spend, [PIXEL_PURCHASE]);
    case "purchases_per_link_click":
      return sum.link_clicks > 0 ? rate(sum.conversions / sum.link_clicks) : undefined;
    case "average_purchases_conversion_value":
      return sum.conversions > 0 ? single("omni_purchase", rate(sum.revenue / 10 ** facts.digits / sum.conversions)) : undefined;
    case "objective":
      return facts.objective;
    case "optimization_goal":
      return facts.optimizationGoal;
    case "buying_type":
      return "AUCTION";
    case "attribution_setting":
      // Every ad set here uses Meta's default attribution, 7-day click or 1-day view.
      return "7d_click_1d_view";
    case "quality_ranking":
      return ranking(sum.impressions > 0 ? sum.link_clicks / sum.impressions : undefined, 0.009, facts, sum.impressions);
    case "engagement_rate_ranking":
      return ranking(sum.impressions > 0 ? sum.clicks / sum.impressions : undefined, 0.012, facts, sum.impressions);
    case "conversion_rate_ranking":
      return ranking(sum.link_clicks > 0 ? sum.conversions / sum.link_clicks : undefined, 0.03, facts, sum.impressions);
    case "social_spend":
      return formatMinor(0, facts.digits);
    case "cost_per_unique_action_type":
      // "The average cost of each unique action" (Meta's reference, AdsInsights fields:
      // https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/ad-campaign/insights):
      // spend over unique_actions, action type by action type; the only unique action here is the link click.
      return d.uniqueLink > 0 ? single("link_click", costPer(d.spend, d.uniqueLink)) : undefined;
    case "adset_start":
      // "The date your ad set is scheduled to start running" (same reference): the ad set's start_time.
      return facts.schedule?.start;
    case "adset_end":
      // "The date your ad set is scheduled to stop" (same reference): the ad set's end_time, left out
      // for an ad set without one (it runs until stopped), and above the ad set level.
      return facts.schedule?.end;
    case "results":
    case "cost_per_result":
      return resultEntries(metric, sum, facts, d);
  }
}

/**
 * What counts as a result of an ad set optimized for a goal, and Meta's name for it (`indicator`):
 * the action it optimizes for, or reach. Goals nothing in this market delivers (app installs,
 * leads, video, messaging, …) have no results here, and their rows leave the fields out.
 */
const RESULT_OF_GOAL: Readonly<Record<string, { indicator: string; count: (sum: Measures) => number }>> = {
  OFFSITE_CONVERSIONS: { indicator: `actions:${PIXEL_PURCHASE}`, count: (sum) => sum.conversions },
  LINK_CLICKS: { indicator: "actions:link_click", count: (sum) => sum.link_clicks },
  REACH: { indicator: "reach", count: (sum) => sum.reach },
};

/**
 * Meta's `results` and `cost_per_result` ("The number of results from your ads", "The average cost
 * per result from your ads", list<AdsInsightsResult>:
 * https://developers.facebook.com/documentation/ads-commerce/marketing-api/reference/ad-campaign/insights):
 * one entry naming the result (`indicator`) with its value under the default attribution window.
 * A row with no results keeps the indicator without values, as Meta's rows do. A campaign row has
 * results when its ad sets share one goal; rows spanning goals (and account rows) leave both out.
 */
function resultEntries(metric: "results" | "cost_per_result", sum: Measures, facts: RowFacts, d: Derived): unknown {
  const result = facts.resultGoal === undefined ? undefined : RESULT_OF_GOAL[facts.resultGoal];
  if (!result) return undefined;
  const n = result.count(sum);
  if (n === 0) return [{ indicator: result.indicator }];
  const value = metric === "results" ? String(n) : rate(d.spend / n);
  return [{ indicator: result.indicator, values: [{ value, attribution_windows: ["default"] }] }];
}

/** Meta's label of an hour of the account's day: 13 → "13:00:00 - 13:59:59". */
export function hourLabel(hour: number): string {
  const hh = String(hour).padStart(2, "0");
  return `${hh}:00:00 - ${hh}:59:59`;
}

type RelativePreset = Exclude<DatePreset, "maximum" | "data_maximum">;

/** The days of a relative preset, given today's day number in the account's zone. */
export function presetRange(preset: RelativePreset, today: number): { since: number; until: number } {
  const { year, month } = monthOf(today);
  const quarterStartMonth = Math.floor((month - 1) / 3) * 3 + 1;
  const mondayOffset = (weekday(today) + 6) % 7;
  const lastDays = (n: number) => ({ since: today - n, until: today - 1 });
  switch (preset) {
    case "today":
      return { since: today, until: today };
    case "yesterday":
      return { since: today - 1, until: today - 1 };
    case "last_3d":
      return lastDays(3);
    case "last_7d":
      return lastDays(7);
    case "last_14d":
      return lastDays(14);
    case "last_28d":
      return lastDays(28);
    case "last_30d":
      return lastDays(30);
    case "last_90d":
      return lastDays(90);
    case "this_month":
      return { since: firstDayOfMonth(year, month), until: today };
    case "last_month": {
      const first = month === 1 ? firstDayOfMonth(year - 1, 12) : firstDayOfMonth(year, month - 1);
      return { since: first, until: firstDayOfMonth(year, month) - 1 };
    }
    case "this_quarter":
      return { since: firstDayOfMonth(year, quarterStartMonth), until: today };
    case "last_quarter": {
      const first = quarterStartMonth === 1 ? firstDayOfMonth(year - 1, 10) : firstDayOfMonth(year, quarterStartMonth - 3);
      return { since: first, until: firstDayOfMonth(year, quarterStartMonth) - 1 };
    }
    case "this_year":
      return { since: firstDayOfMonth(year, 1), until: today };
    case "last_year":
      return { since: firstDayOfMonth(year - 1, 1), until: firstDayOfMonth(year, 1) - 1 };
    case "this_week_mon_today":
      return { since: today - mondayOffset, until: today };
    case "this_week_sun_today":
      return { since: today - weekday(today), until: today };
    case "last_week_mon_sun":
      return { since: today - mondayOffset - 7, until: today - mondayOffset - 1 };
    case "last_week_sun_sat":
      return { since: today - weekday(today) - 7, until: today - weekday(today) - 1 };
  }
}

/** The id and account of a campaign or ad set the request has listed, as a read of it would give them. */
function listedObject(ctx: RequestContext, kind: ListedKind, id: string): { id: string; account_id: string } | undefined {
  const accountId = listedAccountOf(ctx, kind, id);
  return accountId === undefined ? undefined : { id, account_id: accountId };
}
