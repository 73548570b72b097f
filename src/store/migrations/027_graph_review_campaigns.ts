import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Review campaigns over a business read through a Graph API (Meta's, or another hub's): the
 * business reviewed (Graph URL, business id, its token sealed with the instance key), held by a
 * business of this hub whose admins review it; a campaign started from it names it, and an item
 * decided through the Graph keeps the confirmation and removal check the Graph gave.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("graph_review_targets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull())
    .addColumn("graph_url", "text", (c) => c.notNull())
    .addColumn("graph_business_id", "text", (c) => c.notNull())
    .addColumn("graph_business_name", "text")
    .addColumn("token_sealed", "text", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("graph_review_targets_business").on("graph_review_targets").columns(["business_id", "created_at"]).execute();
  await db.schema.alterTable("review_campaigns").addColumn("graph_target_id", "text").execute();
  await db.schema.alterTable("review_items").addColumn("graph_check_json", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("review_items").dropColumn("graph_check_json").execute();
  await db.schema.alterTable("review_campaigns").dropColumn("graph_target_id").execute();
  await db.schema.dropTable("graph_review_targets").ifExists().execute();
}
