import type { Executor } from "../../store/database.ts";
import type { AdInsightsDailyTable, AdInsightsHourlyTable } from "../../store/schema.ts";

export type InsightsDailyRow = AdInsightsDailyTable;
export type InsightsHourlyRow = AdInsightsHourlyTable;

/** The column that names an object at each level of the hierarchy. */
export type HierarchyColumn = "account_id" | "campaign_id" | "adset_id" | "ad_id";

/** Daily totals of one object at the grouped level (ids of the level and those above it). */
export interface DailyTotals {
  account_id: string;
  campaign_id: string | null;
  adset_id: string | null;
  ad_id: string | null;
  date: string;
  impressions: number;
  reach: number;
  clicks: number;
  link_clicks: number;
  spend: number;
  conversions: number;
  revenue: number;
  /** With the hourly breakdown: the hour of the account's day, 0–23. */
  hour?: number;
}

/** Inserts the ad's row for the hour, or replaces its numbers. */
export async function upsertHourlyRow(db: Executor, row: InsightsHourlyRow): Promise<void> {
  const { ad_id: _ad, date: _date, hour: _hour, ...values } = row;
  await db
    .insertInto("ad_insights_hourly")
    .values(row)
    .onConflict((oc) => oc.columns(["ad_id", "date", "hour"]).doUpdateSet(values))
    .execute();
}

/** Inserts the ad's row for the day, or replaces its numbers: the same row twice is one row. */
export async function upsertDailyRow(db: Executor, row: InsightsDailyRow): Promise<void> {
  const { ad_id: _ad, date: _date, ...values } = row;
  await db
    .insertInto("ad_insights_daily")
    .values(row)
    .onConflict((oc) => oc.columns(["ad_id", "date"]).doUpdateSet(values))
    .execute();
}

/**
 * Sums of the stored daily rows (or, `hourly`, hourly rows) under each of the objects named by
 * `column` between two dates (inclusive), one row per day (and hour) and per object at the grouped
 * level (grouped by `column` too, which tells the objects apart), by object. Sums are exact
 * integers (minor units, counts).
 */
export async function dailyTotalsOfEach(
  db: Executor,
  column: HierarchyColumn,
  ids: readonly string[],
  range: { since: string; until: string },
  groupBy: readonly HierarchyColumn[],
  options: { hourly?: boolean; perDay?: boolean } = {},
): Promise<Map<string, DailyTotals[]>> {
  // Both tables have the same measures; the hourly one adds the hour to the grouping. Without
  // `perDay` (one bucket for the whole range) the days are summed here, and each row is dated `since`.
  const table = options.hourly ? ("ad_insights_hourly" as "ad_insights_daily") : "ad_insights_daily";
  const perDay = options.perDay ?? true;
  const keys: (HierarchyColumn | "date")[] = [...new Set([...groupBy, column]), ...(perDay ? ["date" as const] : []), ...(options.hourly ? ["hour" as "date"] : [])];
  const out = new Map<string, DailyTotals[]>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom(table)
      .select(keys)
      .select((eb) => [
        eb.cast<number>(eb.fn.sum("impressions"), "bigint").as("impressions"),
        eb.cast<number>(eb.fn.sum("reach"), "bigint").as("reach"),
        eb.cast<number>(eb.fn.sum("clicks"), "bigint").as("clicks"),
        eb.cast<number>(eb.fn.sum("link_clicks"), "bigint").as("link_clicks"),
        eb.cast<number>(eb.fn.sum("spend"), "bigint").as("spend"),
        eb.cast<number>(eb.fn.sum("conversions"), "bigint").as("conversions"),
        eb.cast<number>(eb.fn.sum("revenue"), "bigint").as("revenue"),
      ])
      .where(column, "in", ids.slice(i, i + 500))
      .where("date", ">=", range.since)
      .where("date", "<=", range.until)
      .groupBy(keys)
      .execute();
    for (const row of rows) {
      const r = row as Partial<Record<HierarchyColumn, string>> & Omit<DailyTotals, HierarchyColumn>;
      const totals: DailyTotals = {
        account_id: r.account_id ?? "",
        campaign_id: r.campaign_id ?? null,
        adset_id: r.adset_id ?? null,
        ad_id: r.ad_id ?? null,
        date: perDay ? r.date : range.since,
        impressions: Number(r.impressions),
        reach: Number(r.reach),
        clicks: Number(r.clicks),
        link_clicks: Number(r.link_clicks),
        spend: Number(r.spend),
        conversions: Number(r.conversions),
        revenue: Number(r.revenue),
      };
      if (options.hourly) totals.hour = Number(r.hour);
      const id = String(r[column]);
      let list = out.get(id);
      if (!list) out.set(id, (list = []));
      list.push(totals);
    }
  }
  return out;
}

/** The first day with stored delivery under the object, if any (Meta's `maximum` starts there). */
export async function firstDeliveryDate(db: Executor, scope: { column: HierarchyColumn; id: string }): Promise<string | undefined> {
  const row = await db
    .selectFrom("ad_insights_daily")
    .select((eb) => eb.fn.min("date").as("first"))
    .where(scope.column, "=", scope.id)
    .executeTakeFirst();
  return row?.first ?? undefined;
}

/** Spend and purchases (minor units) of each of the objects, on days from `since` (all days when absent). */
export async function spendTotals(
  db: Executor,
  column: HierarchyColumn,
  ids: readonly string[],
  since?: string,
): Promise<Map<string, { spend: number; conversions: number }>> {
  const out = new Map<string, { spend: number; conversions: number }>();
  if (ids.length === 0) return out;
  let query = db
    .selectFrom("ad_insights_daily")
    .select(column)
    .select((eb) => [eb.cast<number>(eb.fn.sum("spend"), "bigint").as("spend"), eb.cast<number>(eb.fn.sum("conversions"), "bigint").as("conversions")])
    .where(column, "in", [...ids])
    .groupBy(column);
  if (since !== undefined) query = query.where("date", ">=", since);
  for (const row of await query.execute()) {
    out.set(String((row as Record<string, unknown>)[column]), { spend: Number(row.spend), conversions: Number(row.conversions) });
  }
  return out;
}

/** The seed of the simulated market (1 when nothing was simulated): breakdown splits are drawn from it. */
export async function marketSeed(db: Executor): Promise<number> {
  const row = await db.selectFrom("simulation_runs").select("seed").where("id", "=", 1).executeTakeFirst();
  return row ? Number(row.seed) : 1;
}

/** What breakdowns and insight fields need of each ad set: its targeting (JSON text) and optimization goal. */
export async function adSetAudiences(db: Executor, ids: readonly string[]): Promise<Map<string, { targeting: string | null; optimization_goal: string }>> {
  const out = new Map<string, { targeting: string | null; optimization_goal: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("ad_sets").select(["id", "targeting", "optimization_goal"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) out.set(row.id, { targeting: row.targeting, optimization_goal: row.optimization_goal });
  }
  return out;
}

/** Each ad set's schedule: its start and end times (epoch ms), null when unset. */
export async function adSetSchedules(db: Executor, ids: readonly string[]): Promise<Map<string, { start_time: number | null; end_time: number | null }>> {
  const out = new Map<string, { start_time: number | null; end_time: number | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("ad_sets").select(["id", "start_time", "end_time"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) out.set(row.id, { start_time: row.start_time === null ? null : Number(row.start_time), end_time: row.end_time === null ? null : Number(row.end_time) });
  }
  return out;
}

/** The optimization goals of each campaign's ad sets. */
export async function campaignGoals(db: Executor, ids: readonly string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("ad_sets").select(["campaign_id", "optimization_goal"]).distinct().where("campaign_id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) {
      let goals = out.get(row.campaign_id);
      if (!goals) out.set(row.campaign_id, (goals = new Set()));
      goals.add(row.optimization_goal);
    }
  }
  return out;
}

/** Each campaign's objective. */
export async function campaignObjectives(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("campaigns").select(["id", "objective"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) out.set(row.id, row.objective);
  }
  return out;
}

/** Where each ad's actions lead: its creative's link and story spec, and its ad set's promoted object (JSON text). */
export async function adDestinations(
  db: Executor,
  ids: readonly string[],
): Promise<Map<string, { link_url: string | null; object_story_spec: string | null; promoted_object: string | null }>> {
  const out = new Map<string, { link_url: string | null; object_story_spec: string | null; promoted_object: string | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom("ads")
      .innerJoin("ad_creatives", "ad_creatives.id", "ads.creative_id")
      .innerJoin("ad_sets", "ad_sets.id", "ads.adset_id")
      .select(["ads.id as id", "ad_creatives.link_url as link_url", "ad_creatives.object_story_spec as object_story_spec", "ad_sets.promoted_object as promoted_object"])
      .where("ads.id", "in", ids.slice(i, i + 500))
      .execute();
    for (const row of rows) out.set(row.id, { link_url: row.link_url, object_story_spec: row.object_story_spec, promoted_object: row.promoted_object });
  }
  return out;
}
