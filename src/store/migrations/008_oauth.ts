import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // A person's sign-in secrets: a memory-hard password hash and the sealed TOTP secret.
  await db.schema
    .createTable("person_credentials")
    .addColumn("person_id", "text", (c) => c.primaryKey())
    .addColumn("password_hash", "text")
    .addColumn("password_changed_at", "bigint")
    .addColumn("totp_sealed", "text")
    .addColumn("totp_pending_sealed", "text")
    .addColumn("totp_enabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("totp_last_step", "bigint")
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();

  // Browser sessions; only the SHA-256 of the cookie value is stored.
  await db.schema
    .createTable("auth_sessions")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("access_token_id", "text")
    .addColumn("two_factor_setup_required", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("ip", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("revoked_at", "bigint")
    .execute();
  await db.schema.createIndex("auth_sessions_person").on("auth_sessions").columns(["person_id"]).execute();

  // Failed sign-ins, counted per account and per IP address over a sliding window.
  await db.schema
    .createTable("login_failures")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("login_failures_key").on("login_failures").columns(["key", "at"]).execute();

  await db.schema
    .createTable("password_resets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("person_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("used_at", "bigint")
    .execute();

  // The app registry: exact redirect URIs, requested scopes, the client secret and the operator's review.
  await db.schema.alterTable("apps").addColumn("redirect_uris", "text", (c) => c.notNull().defaultTo("[]")).execute();
  await db.schema.alterTable("apps").addColumn("requested_scopes", "text", (c) => c.notNull().defaultTo("[]")).execute();
  await db.schema.alterTable("apps").addColumn("client_secret_hash", "text").execute();
  await db.schema.alterTable("apps").addColumn("client_secret_sealed", "text").execute();
  await db.schema.alterTable("apps").addColumn("review_status", "text", (c) => c.notNull().defaultTo("unreviewed")).execute();
  await db.schema.alterTable("apps").addColumn("reviewed_at", "bigint").execute();
  await db.schema.alterTable("apps").addColumn("require_appsecret_proof", "integer", (c) => c.notNull().defaultTo(0)).execute();

  // The authorization server's grant behind an app grant, so a code or refresh token maps to it.
  await db.schema.alterTable("app_grants").addColumn("oidc_grant_id", "text").execute();
  await db.schema.createIndex("app_grants_oidc").on("app_grants").columns(["oidc_grant_id"]).execute();
  await db.schema.alterTable("access_tokens").addColumn("kind", "text").execute();
  await db.schema.alterTable("access_tokens").addColumn("expiry_warned_at", "bigint").execute();
  await db.schema.createIndex("access_tokens_grant").on("access_tokens").columns(["grant_id"]).execute();

  // oidc-provider's models (codes, refresh tokens, grants, interactions, sessions), one row per model and id.
  await db.schema
    .createTable("oidc_payloads")
    .addColumn("model", "text", (c) => c.notNull())
    .addColumn("id", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("grant_id", "text")
    .addColumn("uid", "text")
    .addColumn("user_code", "text")
    .addColumn("expires_at", "bigint")
    .addColumn("consumed_at", "bigint")
    .addPrimaryKeyConstraint("oidc_payloads_pk", ["model", "id"])
    .execute();
  await db.schema.createIndex("oidc_payloads_grant").on("oidc_payloads").columns(["grant_id"]).execute();
  await db.schema.createIndex("oidc_payloads_uid").on("oidc_payloads").columns(["uid"]).execute();

  // The authorization server's signing keys, generated once and sealed with the instance key.
  await db.schema
    .createTable("oauth_keys")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("sealed_jwks", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  for (const table of ["oauth_keys", "oidc_payloads", "password_resets", "login_failures", "auth_sessions", "person_credentials"]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
