import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Autopilot's built-in schedule: one row per workspace and job (the daily scan-and-act, the hourly
 * monitors) with when it is next due, the lease of the instance running it, and how it last ended.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("autopilot_schedule")
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("job", "text", (c) => c.notNull())
    .addColumn("next_due_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint")
    .addColumn("runs", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("failures", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_run_at", "bigint")
    .addColumn("last_outcome_json", "text")
    .addPrimaryKeyConstraint("autopilot_schedule_pk", ["workspace_id", "job"])
    .execute();
  await db.schema.createIndex("autopilot_schedule_due").on("autopilot_schedule").columns(["next_due_at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("autopilot_schedule").ifExists().execute();
}
