import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/** Autopilot's own state: workspaces, connections, scanned snapshots, the action log and alerts. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("autopilot_workspaces")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull().unique())
    .addColumn("business_id", "text")
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("killed", "integer", (c) => c.notNull())
    .addColumn("guardrails_json", "text", (c) => c.notNull())
    .addColumn("alert_channels_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("autopilot_connections")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("ad_account_id", "text", (c) => c.notNull())
    .addColumn("pixel_id", "text")
    .addColumn("catalog_id", "text")
    .addColumn("graph_url", "text", (c) => c.notNull())
    .addColumn("sealed_token", "text", (c) => c.notNull())
    .addColumn("token_expires_at", "bigint")
    .addColumn("scopes_json", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attention_json", "text")
    .addColumn("usage_json", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("autopilot_connections_account").on("autopilot_connections").columns(["workspace_id", "ad_account_id"]).unique().execute();

  await db.schema
    .createTable("autopilot_scans")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("connection_id", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("since", "text", (c) => c.notNull())
    .addColumn("until", "text", (c) => c.notNull())
    .addColumn("done", "integer", (c) => c.notNull())
    .addColumn("total", "integer", (c) => c.notNull())
    .addColumn("rows", "integer", (c) => c.notNull())
    .addColumn("objects_json", "text")
    .addColumn("fingerprint", "text")
    .addColumn("error", "text")
    .addColumn("started_at", "bigint", (c) => c.notNull())
    .addColumn("finished_at", "bigint")
    .execute();
  await db.schema.createIndex("autopilot_scans_connection").on("autopilot_scans").columns(["connection_id", "started_at"]).execute();

  await db.schema
    .createTable("autopilot_insights")
    .addColumn("scan_id", "text", (c) => c.notNull())
    .addColumn("ad_id", "text", (c) => c.notNull())
    .addColumn("date", "text", (c) => c.notNull())
    .addColumn("adset_id", "text", (c) => c.notNull())
    .addColumn("campaign_id", "text", (c) => c.notNull())
    .addColumn("impressions", "bigint", (c) => c.notNull())
    .addColumn("clicks", "bigint", (c) => c.notNull())
    .addColumn("spend", "bigint", (c) => c.notNull())
    .addColumn("conversions", "bigint", (c) => c.notNull())
    .addColumn("revenue", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("autopilot_insights_pk", ["scan_id", "ad_id", "date"])
    .execute();

  await db.schema
    .createTable("autopilot_actions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("connection_id", "text", (c) => c.notNull())
    .addColumn("idempotency_key", "text", (c) => c.notNull().unique())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("object_type", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("object_name", "text", (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("old_value", "text")
    .addColumn("new_value", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("evidence_json", "text", (c) => c.notNull())
    .addColumn("expected_effect", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("fingerprint", "text")
    .addColumn("approved_by", "text")
    .addColumn("outcome_json", "text")
    .addColumn("undo_of", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("executed_at", "bigint")
    .execute();
  await db.schema.createIndex("autopilot_actions_workspace").on("autopilot_actions").columns(["workspace_id", "created_at"]).execute();
  await db.schema.createIndex("autopilot_actions_object").on("autopilot_actions").columns(["object_id", "created_at"]).execute();

  await db.schema
    .createTable("autopilot_alerts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("workspace_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("dedup_key", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("details_json", "text", (c) => c.notNull())
    .addColumn("delivery_json", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("autopilot_alerts_workspace").on("autopilot_alerts").columns(["workspace_id", "created_at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["autopilot_alerts", "autopilot_actions", "autopilot_insights", "autopilot_scans", "autopilot_connections", "autopilot_workspaces"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
