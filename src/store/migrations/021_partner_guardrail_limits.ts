import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * More partner guardrails: absolute increase limits (per change and per 24 hours), the most new
 * daily spend a partner may add to an account per 24 hours, the days of the week it may make
 * changes, and the objects it may not touch (null meaning "no limit", as before). The new spend a
 * partner's principals add is kept per partner in `partner_new_spend`, to measure the 24 hours
 * against; rows older than a day are swept.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("partner_guardrails").addColumn("max_increase_amount", "bigint").execute();
  await db.schema.alterTable("partner_guardrails").addColumn("max_daily_increase_amount", "bigint").execute();
  await db.schema.alterTable("partner_guardrails").addColumn("max_daily_new_spend", "bigint").execute();
  // "1,2,3,4,5": days of the week, 0 Sunday … 6 Saturday.
  await db.schema.alterTable("partner_guardrails").addColumn("allowed_days", "text").execute();
  // "120…,120…": ids of campaigns, ad sets and ads.
  await db.schema.alterTable("partner_guardrails").addColumn("protected_objects", "text").execute();
  await db.schema
    .createTable("partner_new_spend")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("partner_business_id", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("amount", "bigint", (c) => c.notNull())
    .execute();
  // The sweep that expires held changes finds them by this.
  await db.schema.createIndex("pending_changes_expiry").on("pending_changes").columns(["status", "expires_at"]).execute();
  // With the amount, so the 24-hour sum is read from the index alone.
  await db.schema.createIndex("partner_new_spend_by_partner").on("partner_new_spend").columns(["account_id", "partner_business_id", "at", "amount"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("partner_new_spend").ifExists().execute();
  await db.schema.dropIndex("pending_changes_expiry").ifExists().execute();
  for (const column of ["protected_objects", "allowed_days", "max_daily_new_spend", "max_daily_increase_amount", "max_increase_amount"]) {
    await db.schema.alterTable("partner_guardrails").dropColumn(column).execute();
  }
}
