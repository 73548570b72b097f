import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/** Graph webhooks: apps' callback configs and signing secrets, ad account subscriptions, and the delivery outbox. */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("webhook_configs")
    .addColumn("app_id", "text", (c) => c.notNull().references("apps.id"))
    .addColumn("object", "text", (c) => c.notNull())
    .addColumn("callback_url", "text", (c) => c.notNull())
    .addColumn("fields", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("webhook_configs_pk", ["app_id", "object"])
    .execute();

  await db.schema
    .createTable("webhook_secrets")
    .addColumn("app_id", "text", (c) => c.primaryKey().references("apps.id"))
    .addColumn("sealed_secret", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("webhook_subscriptions")
    .addColumn("object_id", "text", (c) => c.notNull().references("assets.id"))
    .addColumn("app_id", "text", (c) => c.notNull().references("apps.id"))
    .addColumn("subscribed_by", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("webhook_subscriptions_pk", ["object_id", "app_id"])
    .execute();
  await db.schema.createIndex("webhook_subscriptions_app").on("webhook_subscriptions").column("app_id").execute();

  await db.schema
    .createTable("webhook_deliveries")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull().references("apps.id"))
    .addColumn("object", "text", (c) => c.notNull())
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "bigint", (c) => c.notNull())
    .addColumn("lease_until", "bigint")
    .addColumn("last_attempt_at", "bigint")
    .addColumn("last_http_status", "integer")
    .addColumn("last_error", "text")
    .addColumn("delivered_at", "bigint")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  // The dispatcher's scan for due rows, and the app's delivery log paged newest first.
  await db.schema.createIndex("webhook_deliveries_due").on("webhook_deliveries").columns(["status", "next_attempt_at"]).execute();
  await db.schema.createIndex("webhook_deliveries_app").on("webhook_deliveries").columns(["app_id", "created_at", "id"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["webhook_deliveries", "webhook_subscriptions", "webhook_secrets", "webhook_configs"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
