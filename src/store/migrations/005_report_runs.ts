import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("insights_report_runs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("query_json", "text", (c) => c.notNull())
    /** Job Completed | Job Failed */
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("rows_json", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("completed_at", "bigint")
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("insights_report_runs").ifExists().execute();
}
