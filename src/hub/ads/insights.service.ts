import { z } from "zod";
import { errors } from "../../errors.ts";
import type { Executor } from "../../store/database.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import { adNames, adPlacements, findAd } from "./ad.repository.ts";
import { authorizeOnAccount, requireAdAccount, unknownAdObject, type AdAccountScope } from "./adAccountScope.ts";
import { DATE_PRESETS, INSIGHTS_LEVELS, type DatePreset, type InsightsLevel } from "./adEnums.ts";
import { parseParams } from "./adParams.ts";
import { adSetNames, findAdSet } from "./adSet.repository.ts";
import { dateOfDay, dayNumber, firstDayOfMonth, localDate, monthOf, weekday } from "./adTime.ts";
import { campaignNames, findCampaign } from "./campaign.repository.ts";
import { dailyTotals, firstDeliveryDate, spendTotals, upsertDailyRow, upsertHourlyRow, type DailyTotals, type HierarchyColumn } from "./insights.repository.ts";

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
  /** Defaults to the object's own level; may not be above it. */
  level?: InsightsLevel | string;
  /** Defaults to last_30d; ignored when timeRange is given (as on Meta). */
  datePreset?: DatePreset | string;
  timeRange?: { since: string; until: string };
  /** Days per row (1–90), "monthly", or "all_days" (the default: one row for the whole range). */
  timeIncrement?: number | string;
  /** Fields to return besides dates and the level's ids and names; all metrics when absent or empty. */
  fields?: readonly string[];
  /** Meta's breakdowns; `hourly_stats_aggregated_by_advertiser_time_zone` (one row per hour of the account's day) is supported. */
  breakdowns?: readonly string[];
}

/** Meta's name of the hourly breakdown, and of the field that holds the hour ("13:00:00 - 13:59:59"). */
export const HOURLY_BREAKDOWN = "hourly_stats_aggregated_by_advertiser_time_zone";

export interface HourlyInsightInput extends DailyInsightInput {
  /** Hour of the account's day, 0–23. */
  hour: number;
}

export interface ActionStat {
  action_type: string;
  value: string;
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
] as const;
type Metric = (typeof INSIGHTS_METRICS)[number];

/** Always returned for the level (and the levels above it), so they may also be asked for. */
const IDENTITY_FIELDS = ["date_start", "date_stop", "account_id", "account_name", "campaign_id", "campaign_name", "adset_id", "adset_name", "ad_id", "ad_name"];

const PURCHASE_TYPES = ["purchase", "omni_purchase", "offsite_conversion.fb_pixel_purchase"];

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

const currencyDigits = new Map<string, number>();
function digitsOf(currency: string): number {
  let digits = currencyDigits.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    currencyDigits.set(currency, digits);
  }
  return digits;
}

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

  /** `GET /<object>/insights`: rows per time bucket and per object at the level, oldest first. */
  async insights(ctx: RequestContext, query: InsightsQuery): Promise<InsightsRow[]> {
    const db = this.deps.db;
    const object = await this.resolveObject(db, query.objectId);
    authorizeOnAccount(this.deps, ctx, object.account, "read_insights");
    const level = this.levelOf(object, query.level);
    const metrics = this.metricsOf(query.fields);
    // As on Meta: with `fields`, a row holds those fields and its dates; without, every field.
    const hourly = this.hourlyOf(query.breakdowns);
    const asked = query.fields && query.fields.some((f) => f.trim() !== "") ? new Set(["date_start", "date_stop", ...(hourly ? [HOURLY_BREAKDOWN] : []), ...query.fields.map((f) => f.trim())]) : undefined;
    const scope = { column: LEVEL_COLUMN[object.level], id: object.id };
    const range = await this.rangeOf(db, query, object, scope);
    const bucketOf = this.bucketing(query.timeIncrement, range);

    const totals = await dailyTotals(db, scope, { since: dateOfDay(range.since), until: dateOfDay(range.until) }, GROUP_COLUMNS[level], { hourly });
    const groups = new Map<string, { start: number; stop: number; sum: DailyTotals }>();
    for (const day of totals) {
      const [start, stop] = bucketOf(dayNumber(day.date) ?? range.since);
      const key = `${start}|${day[LEVEL_COLUMN[level]] ?? ""}|${day.hour ?? ""}`;
      const group = groups.get(key);
      if (!group) {
        groups.set(key, { start, stop, sum: { ...day } });
        continue;
      }
      for (const field of ["impressions", "reach", "clicks", "link_clicks", "spend", "conversions", "revenue"] as const) {
        group.sum[field] += day[field];
      }
    }

    const sorted = [...groups.values()].sort(
      (a, b) => a.start - b.start || (a.sum[LEVEL_COLUMN[level]] ?? "").localeCompare(b.sum[LEVEL_COLUMN[level]] ?? "") || (a.sum.hour ?? 0) - (b.sum.hour ?? 0),
    );
    const names = await this.namesOf(db, sorted.map((g) => g.sum), level);
    const digits = digitsOf(object.account.currency);
    return sorted.map(({ start, stop, sum }) => {
      const row: InsightsRow = {
        date_start: dateOfDay(start),
        date_stop: dateOfDay(stop),
        account_id: object.account.id,
        account_name: object.account.name,
      };
      if (sum.campaign_id !== null) Object.assign(row, { campaign_id: sum.campaign_id, campaign_name: names.campaigns.get(sum.campaign_id) ?? "" });
      if (sum.adset_id !== null) Object.assign(row, { adset_id: sum.adset_id, adset_name: names.adSets.get(sum.adset_id) ?? "" });
      if (sum.ad_id !== null) Object.assign(row, { ad_id: sum.ad_id, ad_name: names.ads.get(sum.ad_id) ?? "" });
      if (sum.hour !== undefined) row[HOURLY_BREAKDOWN] = hourLabel(sum.hour);
      return only(Object.assign(row, this.metricValues(sum, metrics, digits, object.account.currency)), asked);
    });
  }

  private async resolveObject(db: Executor, objectId: string): Promise<ResolvedObject> {
    if (objectId.startsWith("act_")) {
      const account = await requireAdAccount(db, objectId);
      return { level: "account", id: account.id, account };
    }
    const campaign = await findCampaign(db, objectId);
    if (campaign) return { level: "campaign", id: campaign.id, account: await requireAdAccount(db, campaign.account_id) };
    const adSet = await findAdSet(db, objectId);
    if (adSet) return { level: "adset", id: adSet.id, account: await requireAdAccount(db, adSet.account_id) };
    const ad = await findAd(db, objectId);
    if (ad) return { level: "ad", id: ad.id, account: await requireAdAccount(db, ad.account_id) };
    try {
      const account = await requireAdAccount(db, objectId);
      return { level: "account", id: account.id, account };
    } catch {
      throw unknownAdObject(objectId);
    }
  }

  /** Whether the hourly breakdown was asked for; other breakdowns are refused by name. */
  private hourlyOf(breakdowns: readonly string[] | undefined): boolean {
    const asked = (breakdowns ?? []).map((b) => b.trim()).filter(Boolean);
    const unknown = asked.filter((b) => b !== HOURLY_BREAKDOWN);
    if (unknown.length > 0) throw errors.invalidParameter(`Invalid breakdowns: ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not supported. Supported: ${HOURLY_BREAKDOWN}.`);
    return asked.length > 0;
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
    if (!fields || fields.length === 0) return new Set(INSIGHTS_METRICS);
    const metrics = new Set<Metric>();
    const unknown: string[] = [];
    for (const field of fields.map((f) => f.trim()).filter(Boolean)) {
      const metric = INSIGHTS_METRICS.find((m) => m === field);
      if (metric) metrics.add(metric);
      else if (!IDENTITY_FIELDS.includes(field)) unknown.push(field);
    }
    if (unknown.length > 0) {
      throw errors.invalidParameter(
        `Invalid fields: ${unknown.join(", ")} ${unknown.length > 1 ? "are" : "is"} not supported. Supported: ${[...IDENTITY_FIELDS, ...INSIGHTS_METRICS].join(", ")}.`,
      );
    }
    return metrics;
  }

  /** The day numbers of the range: time_range if given, else the preset counted from today in the account's zone. */
  private async rangeOf(
    db: Executor,
    query: InsightsQuery,
    object: ResolvedObject,
    scope: { column: HierarchyColumn; id: string },
  ): Promise<{ since: number; until: number }> {
    if (query.timeRange) {
      const since = dayNumber(String(query.timeRange.since));
      const until = dayNumber(String(query.timeRange.until));
      if (since === undefined || until === undefined) {
        throw errors.invalidParameter('Invalid time_range: give {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"} with real dates.');
      }
      if (since > until) throw errors.invalidParameter("Invalid time_range: since must not be after until.");
      return { since, until };
    }
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

  private async namesOf(db: Executor, sums: DailyTotals[], level: InsightsLevel) {
    const ids = (column: "campaign_id" | "adset_id" | "ad_id") => [...new Set(sums.map((s) => s[column]).filter((id): id is string => id !== null))];
    return {
      campaigns: LEVEL_RANK[level] >= 1 ? await campaignNames(db, ids("campaign_id")) : new Map<string, string>(),
      adSets: LEVEL_RANK[level] >= 2 ? await adSetNames(db, ids("adset_id")) : new Map<string, string>(),
      ads: LEVEL_RANK[level] >= 3 ? await adNames(db, ids("ad_id")) : new Map<string, string>(),
    };
  }

  private metricValues(sum: DailyTotals, metrics: Set<Metric>, digits: number, currency: string): Partial<InsightsRow> {
    const spend = sum.spend / 10 ** digits;
    const counts: [string, number][] = [
      ["link_click", sum.link_clicks],
      ...PURCHASE_TYPES.map((type): [string, number] => [type, sum.conversions]),
    ];
    const values: Record<Metric, () => InsightsRow[Metric] | undefined> = {
      account_currency: () => currency,
      impressions: () => String(sum.impressions),
      reach: () => String(sum.reach),
      frequency: () => (sum.reach > 0 ? rate(sum.impressions / sum.reach) : undefined),
      clicks: () => String(sum.clicks),
      inline_link_clicks: () => String(sum.link_clicks),
      spend: () => formatMinor(sum.spend, digits),
      ctr: () => (sum.impressions > 0 ? rate((sum.clicks / sum.impressions) * 100) : undefined),
      cpc: () => (sum.clicks > 0 ? rate(spend / sum.clicks) : undefined),
      cpm: () => (sum.impressions > 0 ? rate((spend / sum.impressions) * 1000) : undefined),
      cpp: () => (sum.reach > 0 ? rate((spend / sum.reach) * 1000) : undefined),
      inline_link_click_ctr: () => (sum.impressions > 0 ? rate((sum.link_clicks / sum.impressions) * 100) : undefined),
      cost_per_inline_link_click: () => (sum.link_clicks > 0 ? rate(spend / sum.link_clicks) : undefined),
      actions: () => stats(counts.filter(([, n]) => n > 0).map(([type, n]) => [type, String(n)])),
      action_values: () =>
        stats(sum.revenue > 0 || sum.conversions > 0 ? PURCHASE_TYPES.map((type) => [type, formatMinor(sum.revenue, digits)]) : []),
      cost_per_action_type: () => stats(counts.filter(([, n]) => n > 0).map(([type, n]) => [type, rate(spend / n)])),
      purchase_roas: () =>
        stats(spend > 0 && (sum.revenue > 0 || sum.conversions > 0) ? PURCHASE_TYPES.map((type) => [type, rate(sum.revenue / sum.spend)]) : []),
    };
    const out: Partial<Record<Metric, unknown>> = {};
    for (const metric of metrics) {
      const value = values[metric]();
      if (value !== undefined) out[metric] = value;
    }
    return out as Partial<InsightsRow>;
  }
}

/** Meta's label of an hour of the account's day: 13 → "13:00:00 - 13:59:59". */
export function hourLabel(hour: number): string {
  const hh = String(hour).padStart(2, "0");
  return `${hh}:00:00 - ${hh}:59:59`;
}

/** An action list, or nothing when it would be empty (Meta leaves the field out). */
function stats(entries: [string, string][]): ActionStat[] | undefined {
  return entries.length > 0 ? entries.map(([action_type, value]) => ({ action_type, value })) : undefined;
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
