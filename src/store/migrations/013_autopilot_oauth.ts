import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/** Autopilot as an OAuth client: its registration (secret sealed) and the authorization flows in progress. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("autopilot_oauth_clients")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("graph_url", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    .addColumn("sealed_secret", "text", (c) => c.notNull())
    .addColumn("redirect_uri", "text", (c) => c.notNull())
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("autopilot_oauth_flows")
    .addColumn("state_hash", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("client_row_id", "text", (c) => c.notNull())
    .addColumn("sealed_verifier", "text", (c) => c.notNull())
    .addColumn("browser_hash", "text", (c) => c.notNull())
    .addColumn("initiated_by", "text", (c) => c.notNull())
    .addColumn("return_to", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["autopilot_oauth_flows", "autopilot_oauth_clients"]) await db.schema.dropTable(table).ifExists().execute();
}
