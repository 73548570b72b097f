import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * A review item whose grant ended outside the campaign closes as "already removed" and keeps the
 * audit entry of the removal (its id, time and actor, as JSON). Finding that entry reads the audit
 * log by target and time, hence the index.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("review_items").addColumn("removal_json", "text").execute();
  await db.schema.createIndex("audit_entries_target").on("audit_entries").columns(["target_id", "at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("audit_entries_target").ifExists().execute();
  await db.schema.alterTable("review_items").dropColumn("removal_json").execute();
}
