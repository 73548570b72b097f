import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Partner guardrails: limits an ad account's owner sets on what one partner may do to its budgets
 * (one row per account and partner, null meaning "no limit"); the budget history that the 24-hour
 * increase limit is measured against; and the changes held for the owner's approval.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("partner_guardrails")
    .addColumn("asset_id", "text", (c) => c.notNull().references("assets.id"))
    .addColumn("partner_business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("max_daily_budget", "bigint")
    .addColumn("max_increase_percent", "integer")
    .addColumn("max_daily_increase_percent", "integer")
    .addColumn("allowed_hours", "text")
    .addColumn("approval_above", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("partner_guardrails_pk", ["asset_id", "partner_business_id"])
    .execute();
  // Every change of a campaign's or ad set's budget amount, by anyone: "the budget 24 hours ago" is
  // the `before` of the first change after that moment.
  await db.schema
    .createTable("budget_history")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("before_amount", "bigint")
    .addColumn("after_amount", "bigint")
    .execute();
  await db.schema.createIndex("budget_history_object").on("budget_history").columns(["object_id", "seq"]).unique().execute();
  await db.schema
    .createTable("pending_changes")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("partner_business_id", "text", (c) => c.notNull())
    .addColumn("object_type", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("params", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("requested_by", "text", (c) => c.notNull())
    .addColumn("requested_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("decided_by", "text")
    .addColumn("decided_at", "bigint")
    .execute();
  await db.schema.createIndex("pending_changes_account").on("pending_changes").columns(["account_id", "status"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["pending_changes", "budget_history", "partner_guardrails"]) await db.schema.dropTable(table).ifExists().execute();
}
