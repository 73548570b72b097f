import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Autopilot's pilots: a fixed set of ad accounts run by Autopilot for a fixed number of days, with
 * the settings in force when it started, holdout accounts Autopilot leaves alone meanwhile, and the
 * daily baseline (spend, conversions, revenue per account) read from the scan before it started,
 * so the before/after report compares against what was known then.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("autopilot_pilots")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull().references("autopilot_workspaces.id").onDelete("cascade"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("accounts_json", "text", (c) => c.notNull())
    .addColumn("holdout_json", "text", (c) => c.notNull())
    .addColumn("settings_json", "text", (c) => c.notNull())
    .addColumn("start_date", "text", (c) => c.notNull())
    .addColumn("end_date", "text", (c) => c.notNull())
    .addColumn("days", "integer", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("market_json", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("stopped_at", "bigint")
    .execute();
  await db.schema.createIndex("autopilot_pilots_by_workspace").on("autopilot_pilots").columns(["workspace_id", "created_at"]).execute();

  await db.schema
    .createTable("autopilot_pilot_baseline")
    .addColumn("pilot_id", "text", (c) => c.notNull().references("autopilot_pilots.id").onDelete("cascade"))
    .addColumn("ad_account_id", "text", (c) => c.notNull())
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("spend", "bigint", (c) => c.notNull())
    .addColumn("conversions", "integer", (c) => c.notNull())
    .addColumn("revenue", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("autopilot_pilot_baseline_pk", ["pilot_id", "ad_account_id", "date"])
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("autopilot_pilot_baseline").ifExists().execute();
  await db.schema.dropTable("autopilot_pilots").ifExists().execute();
}
