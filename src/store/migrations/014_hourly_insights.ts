import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Hourly delivery per ad (hours of the ad account's day), behind the insights breakdown
 * `hourly_stats_aggregated_by_advertiser_time_zone`: the simulator writes the hours of recent days
 * and of the day in progress, so spend spikes show within the day.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("ad_insights_hourly")
    .addColumn("ad_id", "text", (c) => c.notNull().references("ads.id"))
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("hour", "integer", (c) => c.notNull())
    .addColumn("adset_id", "text", (c) => c.notNull())
    .addColumn("campaign_id", "text", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("impressions", "bigint", (c) => c.notNull())
    .addColumn("reach", "bigint", (c) => c.notNull())
    .addColumn("clicks", "bigint", (c) => c.notNull())
    .addColumn("link_clicks", "bigint", (c) => c.notNull())
    .addColumn("spend", "bigint", (c) => c.notNull())
    .addColumn("conversions", "bigint", (c) => c.notNull())
    .addColumn("revenue", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("ad_insights_hourly_pk", ["ad_id", "date", "hour"])
    .execute();
  await db.schema.createIndex("ad_insights_hourly_account").on("ad_insights_hourly").columns(["account_id", "date"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("ad_insights_hourly").ifExists().execute();
}
