import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // Businesses a person picked at consent: business_management reaches these businesses' own edges only.
  await db.schema
    .createTable("app_grant_businesses")
    .addColumn("grant_id", "text", (c) => c.notNull().references("app_grants.id"))
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addPrimaryKeyConstraint("app_grant_businesses_pk", ["grant_id", "business_id"])
    .execute();
  await db.schema.createIndex("app_grant_businesses_business").on("app_grant_businesses").column("business_id").execute();

  // Apps subscribed to a business's events (`POST /{business_id}/subscribed_apps`); `subscribed_by` as for ad accounts.
  await db.schema
    .createTable("business_webhook_subscriptions")
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("app_id", "text", (c) => c.notNull().references("apps.id"))
    .addColumn("subscribed_by", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("business_webhook_subscriptions_pk", ["business_id", "app_id"])
    .execute();

  // Client secrets are checked against their hash; only apps requiring appsecret_proof (an HMAC keyed by the secret) keep a sealed copy.
  await db.updateTable("apps").set({ client_secret_sealed: null }).where("require_appsecret_proof", "=", 0).execute();

  // The expired-row sweep reads oldest expiry first.
  await db.schema.createIndex("oidc_payloads_expires").on("oidc_payloads").column("expires_at").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("oidc_payloads_expires").ifExists().execute();
  for (const table of ["business_webhook_subscriptions", "app_grant_businesses"]) await db.schema.dropTable(table).ifExists().execute();
}
