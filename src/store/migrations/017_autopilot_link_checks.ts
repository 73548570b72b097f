import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Autopilot's landing-page checks, one row per check of a URL for a connection: the decision engine
 * reads which pages are down now and on which days they were down (those days' conversions say
 * nothing about the ads, and an ad paused for a broken page comes back once its page loads).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("autopilot_link_checks")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("connection_id", "text", (c) => c.notNull().references("autopilot_connections.id").onDelete("cascade"))
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("checked_at", "bigint", (c) => c.notNull())
    /** The account's calendar day of the check. */
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("ok", "integer", (c) => c.notNull())
    .addColumn("status", "integer")
    .addColumn("error", "text")
    .execute();
  await db.schema.createIndex("autopilot_link_checks_by_connection").on("autopilot_link_checks").columns(["connection_id", "checked_at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("autopilot_link_checks").ifExists().execute();
}
