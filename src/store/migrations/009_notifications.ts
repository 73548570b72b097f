import { sql, type Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Notification channels of a business (Slack, email, WhatsApp, signed webhook), the alerts raised
 * for it (by the hub's security alerts and by Autopilot), their dedup windows, the delivery outbox,
 * and the security-alert poller's cursor over the audit log.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("notification_channels")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    // Settings that are not secret (email recipients, WhatsApp phone number id), JSON.
    .addColumn("config_json", "text", (c) => c.notNull())
    // Webhook URLs and tokens, sealed with the instance's secret key; null when the kind has none.
    .addColumn("sealed_secret", "text")
    // What may be shown of the secret: a few characters, never enough to use it.
    .addColumn("secret_hint", "text")
    .addColumn("min_severity", "text", (c) => c.notNull())
    // Quiet hours as minutes after local midnight; both null means none.
    .addColumn("quiet_start", "integer")
    .addColumn("quiet_end", "integer")
    .addColumn("time_zone", "text", (c) => c.notNull())
    .addColumn("created_by", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notification_channels_business").on("notification_channels").columns(["business_id", "created_at"]).execute();

  await db.schema
    .createTable("notification_alerts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("body", "text", (c) => c.notNull())
    .addColumn("fields_json", "text", (c) => c.notNull())
    .addColumn("link", "text")
    .addColumn("dedup_key", "text", (c) => c.notNull())
    // Audit entry sequence numbers the alert rests on, JSON.
    .addColumn("evidence_json", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notification_alerts_business").on("notification_alerts").columns(["business_id", "created_at", "id"]).execute();

  // One row per (business, dedup key): the alert that opened the current window and how many
  // repeats it swallowed. A conditional upsert decides atomically whether a new alert goes out.
  await db.schema
    .createTable("notification_dedup")
    .addColumn("business_id", "text", (c) => c.notNull())
    .addColumn("dedup_key", "text", (c) => c.notNull())
    .addColumn("alert_id", "text", (c) => c.notNull())
    .addColumn("window_started_at", "bigint", (c) => c.notNull())
    .addColumn("suppressed", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_seen_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("notification_dedup_pk", ["business_id", "dedup_key"])
    .execute();

  await db.schema
    .createTable("notification_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("channel_id", "text", (c) => c.notNull())
    .addColumn("business_id", "text", (c) => c.notNull())
    // The alert it carries; null for a digest, whose alerts point at it through digest_id.
    .addColumn("alert_id", "text")
    // pending | held | delivering | delivered | failed | digested
    .addColumn("status", "text", (c) => c.notNull())
    // quiet_hours | rate_limit, while held
    .addColumn("held_reason", "text")
    .addColumn("digest_id", "text")
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint")
    .addColumn("last_attempt_at", "bigint")
    .addColumn("last_http_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("delivered_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("notification_deliveries_due").on("notification_deliveries").columns(["status", "next_attempt_at"]).execute();
  await db.schema.createIndex("notification_deliveries_channel").on("notification_deliveries").columns(["channel_id", "created_at"]).execute();
  await db.schema.createIndex("notification_deliveries_business").on("notification_deliveries").columns(["business_id", "created_at"]).execute();
  await db.schema.createIndex("notification_deliveries_alert").on("notification_deliveries").column("alert_id").execute();

  // The security-alert poller's position in the audit log. It starts at the current head, so an
  // upgrade does not replay years of history as alerts.
  await db.schema
    .createTable("security_alert_cursor")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("last_seq", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await sql`insert into security_alert_cursor (id, last_seq, updated_at) select 1, seq, 0 from audit_head where id = 1`.execute(db);

  // Refusals the poller has seen, kept for the burst window only, so bursts are counted without
  // scanning the audit log.
  await db.schema
    .createTable("security_alert_denials")
    .addColumn("seq", "bigint", (c) => c.primaryKey())
    .addColumn("actor_id", "text", (c) => c.notNull())
    .addColumn("business_id", "text")
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("security_alert_denials_actor").on("security_alert_denials").columns(["actor_id", "at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "security_alert_denials",
    "security_alert_cursor",
    "notification_deliveries",
    "notification_dedup",
    "notification_alerts",
    "notification_channels",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
