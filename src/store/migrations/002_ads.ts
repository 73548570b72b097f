import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/** Marketing API objects (campaigns, ad sets, creatives, ads), daily delivery and ad set budget changes. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("campaigns")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("ad_accounts.asset_id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("objective", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("special_ad_categories", "text", (c) => c.notNull())
    .addColumn("bid_strategy", "text")
    .addColumn("daily_budget", "bigint")
    .addColumn("lifetime_budget", "bigint")
    .addColumn("spend_cap", "bigint")
    .addColumn("start_time", "bigint")
    .addColumn("stop_time", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  // Edges are keyset-paged newest first by (created_at, id) under their parent.
  await db.schema.createIndex("campaigns_account").on("campaigns").columns(["account_id", "created_at", "id"]).execute();

  await db.schema
    .createTable("ad_sets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("ad_accounts.asset_id"))
    .addColumn("campaign_id", "text", (c) => c.notNull().references("campaigns.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("optimization_goal", "text", (c) => c.notNull())
    .addColumn("billing_event", "text", (c) => c.notNull())
    .addColumn("bid_strategy", "text")
    .addColumn("bid_amount", "bigint")
    .addColumn("bid_constraints", "text")
    .addColumn("daily_budget", "bigint")
    .addColumn("lifetime_budget", "bigint")
    .addColumn("start_time", "bigint")
    .addColumn("end_time", "bigint")
    .addColumn("targeting", "text")
    .addColumn("promoted_object", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("ad_sets_account").on("ad_sets").columns(["account_id", "created_at", "id"]).execute();
  await db.schema.createIndex("ad_sets_campaign").on("ad_sets").columns(["campaign_id", "created_at", "id"]).execute();

  await db.schema
    .createTable("ad_creatives")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("ad_accounts.asset_id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("title", "text")
    .addColumn("body", "text")
    .addColumn("link_url", "text")
    .addColumn("image_url", "text")
    .addColumn("image_hash", "text")
    .addColumn("call_to_action_type", "text")
    .addColumn("object_story_spec", "text")
    .addColumn("url_tags", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("ad_creatives_account").on("ad_creatives").columns(["account_id", "created_at", "id"]).execute();

  await db.schema
    .createTable("ads")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("ad_accounts.asset_id"))
    .addColumn("campaign_id", "text", (c) => c.notNull().references("campaigns.id"))
    .addColumn("adset_id", "text", (c) => c.notNull().references("ad_sets.id"))
    .addColumn("creative_id", "text", (c) => c.notNull().references("ad_creatives.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("review_status", "text", (c) => c.notNull())
    .addColumn("review_feedback", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("ads_account").on("ads").columns(["account_id", "created_at", "id"]).execute();
  await db.schema.createIndex("ads_campaign").on("ads").columns(["campaign_id", "created_at", "id"]).execute();
  await db.schema.createIndex("ads_adset").on("ads").columns(["adset_id", "created_at", "id"]).execute();
  await db.schema.createIndex("ads_creative").on("ads").column("creative_id").execute();

  await db.schema
    .createTable("ad_insights_daily")
    .addColumn("ad_id", "text", (c) => c.notNull().references("ads.id"))
    .addColumn("date", "text", (c) => c.notNull())
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
    // Also serves lookups by (ad_id, date).
    .addPrimaryKeyConstraint("ad_insights_daily_pk", ["ad_id", "date"])
    .execute();
  await db.schema.createIndex("ad_insights_daily_account").on("ad_insights_daily").columns(["account_id", "date"]).execute();
  await db.schema.createIndex("ad_insights_daily_campaign").on("ad_insights_daily").columns(["campaign_id", "date"]).execute();
  await db.schema.createIndex("ad_insights_daily_adset").on("ad_insights_daily").columns(["adset_id", "date"]).execute();

  await db.schema
    .createTable("budget_changes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("adset_id", "text", (c) => c.notNull().references("ad_sets.id"))
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("budget_changes_adset").on("budget_changes").columns(["adset_id", "at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["budget_changes", "ad_insights_daily", "ads", "ad_creatives", "ad_sets", "campaigns"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
