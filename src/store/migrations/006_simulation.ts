import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // One row: the simulated market running over this hub's ad accounts.
  await db.schema
    .createTable("simulation_runs")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seed", "bigint", (c) => c.notNull())
    .addColumn("start_date", "text", (c) => c.notNull())
    .addColumn("next_day", "integer", (c) => c.notNull())
    .addColumn("state_json", "text", (c) => c.notNull())
    .addColumn("recent_json", "text", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("simulation_runs").ifExists().execute();
}
