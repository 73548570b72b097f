import { sql, type Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("people")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("businesses")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("verification_status", "text", (c) => c.notNull().defaultTo("not_verified"))
    .addColumn("two_factor_required", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("business_members")
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("person_id", "text", (c) => c.notNull().references("people.id"))
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("business_members_pk", ["business_id", "person_id"])
    .execute();
  await db.schema.createIndex("business_members_person").on("business_members").column("person_id").execute();

  await db.schema
    .createTable("system_users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("system_users_business").on("system_users").column("business_id").execute();

  await db.schema
    .createTable("assets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("type", "text", (c) => c.notNull())
    .addColumn("owner_business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("assets_owner").on("assets").columns(["owner_business_id", "type"]).execute();

  await db.schema
    .createTable("ad_accounts")
    .addColumn("asset_id", "text", (c) => c.primaryKey().references("assets.id"))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("timezone_name", "text", (c) => c.notNull())
    .addColumn("spend_cap", "bigint")
    .addColumn("account_status", "integer", (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .createTable("partner_shares")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("asset_id", "text", (c) => c.notNull().references("assets.id"))
    .addColumn("owner_business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("partner_business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("initiated_by", "text", (c) => c.notNull())
    .addColumn("tasks", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addColumn("pending_expires_at", "bigint")
    .addColumn("ends_at", "bigint")
    .addColumn("created_by", "text", (c) => c.notNull())
    .execute();
  // At most one live (pending or active) relationship per asset and partner.
  await db.schema
    .createIndex("partner_shares_live")
    .on("partner_shares")
    .columns(["asset_id", "partner_business_id"])
    .unique()
    .where(sql.ref("status"), "in", ["pending", "active"])
    .execute();
  await db.schema
    .createIndex("partner_shares_pair")
    .on("partner_shares")
    .columns(["owner_business_id", "partner_business_id", "status"])
    .execute();
  await db.schema.createIndex("partner_shares_partner").on("partner_shares").columns(["partner_business_id", "status"]).execute();

  await db.schema
    .createTable("assignments")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("asset_id", "text", (c) => c.notNull().references("assets.id"))
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("tasks", "text", (c) => c.notNull())
    .addColumn("share_id", "text", (c) => c.references("partner_shares.id"))
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("created_by", "text", (c) => c.notNull())
    .addUniqueConstraint("assignments_unique", ["asset_id", "principal_id", "business_id"])
    .execute();
  await db.schema.createIndex("assignments_principal").on("assignments").columns(["principal_id", "business_id"]).execute();
  await db.schema.createIndex("assignments_share").on("assignments").column("share_id").execute();

  await db.schema
    .createTable("apps")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("app_grants")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("app_id", "text", (c) => c.notNull().references("apps.id"))
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();

  await db.schema
    .createTable("app_grant_assets")
    .addColumn("grant_id", "text", (c) => c.notNull().references("app_grants.id"))
    .addColumn("asset_id", "text", (c) => c.notNull().references("assets.id"))
    .addPrimaryKeyConstraint("app_grant_assets_pk", ["grant_id", "asset_id"])
    .execute();
  await db.schema.createIndex("app_grant_assets_asset").on("app_grant_assets").column("asset_id").execute();

  await db.schema
    .createTable("access_tokens")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("app_id", "text", (c) => c.references("apps.id"))
    .addColumn("grant_id", "text", (c) => c.references("app_grants.id"))
    .addColumn("scopes", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint")
    .addColumn("last_used_at", "bigint")
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("access_tokens_principal").on("access_tokens").column("principal_id").execute();

  await db.schema
    .createTable("access_seq")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .execute();
  await db.insertInto("access_seq").values({ id: 1, seq: 0 }).execute();

  await db.schema
    .createTable("access_changes")
    .addColumn("seq", "bigint", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("entity_id", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("audit_head")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("seq", "bigint", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.insertInto("audit_head").values({ id: 1, seq: 0, hash: "0".repeat(64) }).execute();

  await db.schema
    .createTable("audit_entries")
    .addColumn("seq", "bigint", (c) => c.primaryKey())
    .addColumn("at", "bigint", (c) => c.notNull())
    .addColumn("request_id", "text", (c) => c.notNull())
    .addColumn("actor_type", "text", (c) => c.notNull())
    .addColumn("actor_id", "text")
    .addColumn("app_id", "text")
    .addColumn("business_id", "text")
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text")
    .addColumn("target_id", "text")
    .addColumn("before_json", "text")
    .addColumn("after_json", "text")
    .addColumn("outcome", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("prev_hash", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_entries_business").on("audit_entries").columns(["business_id", "at"]).execute();
  await db.schema.createIndex("audit_entries_request").on("audit_entries").column("request_id").execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of [
    "audit_entries",
    "audit_head",
    "access_changes",
    "access_seq",
    "access_tokens",
    "app_grant_assets",
    "app_grants",
    "apps",
    "assignments",
    "partner_shares",
    "ad_accounts",
    "assets",
    "system_users",
    "business_members",
    "businesses",
    "people",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
