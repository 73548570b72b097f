import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // An access review campaign of one business: a snapshot of every grant on its assets, each decided by a reviewer.
  await db.schema
    .createTable("review_campaigns")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("due_at", "bigint", (c) => c.notNull())
    .addColumn("close_policy", "text", (c) => c.notNull())
    .addColumn("closed_at", "bigint")
    .addColumn("closed_by", "text")
    .addColumn("schedule", "text")
    .execute();
  await db.schema.createIndex("review_campaigns_business").on("review_campaigns").columns(["business_id", "created_at"]).execute();

  await db.schema
    .createTable("review_items")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("campaign_id", "text", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("principal_name", "text", (c) => c.notNull())
    .addColumn("asset_id", "text", (c) => c.notNull())
    .addColumn("asset_type", "text", (c) => c.notNull())
    .addColumn("asset_name", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("tasks", "text", (c) => c.notNull())
    .addColumn("grant_ref", "text", (c) => c.notNull())
    .addColumn("grant_business_id", "text")
    .addColumn("advice_json", "text", (c) => c.notNull())
    .addColumn("group_partner", "text")
    .addColumn("group_partner_name", "text")
    .addColumn("group_asset", "text", (c) => c.notNull())
    .addColumn("group_person", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("decided_by", "text")
    .addColumn("decided_at", "bigint")
    .addColumn("reason", "text")
    .addColumn("result_tasks", "text")
    .execute();
  await db.schema.createIndex("review_items_campaign").on("review_items").columns(["campaign_id", "seq"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("review_items").ifExists().execute();
  await db.schema.dropTable("review_campaigns").ifExists().execute();
}
