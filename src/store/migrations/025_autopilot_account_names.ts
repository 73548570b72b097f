import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * The name of a connection's ad account as the Graph last gave it (on connecting, and with every
 * scan), so Autopilot's pages show "Acme Main" rather than only `act_…`. Connections made before
 * this migration get it at their next scan.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("autopilot_connections").addColumn("ad_account_name", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("autopilot_connections").dropColumn("ad_account_name").execute();
}
