import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Autopilot's OAuth client may name its login endpoints instead of an issuer to discover them from:
 * Facebook Login publishes no discovery document, only the dialog and the token URL. Both null:
 * the issuer's discovery is read, as before.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("autopilot_oauth_clients").addColumn("authorization_endpoint", "text").execute();
  await db.schema.alterTable("autopilot_oauth_clients").addColumn("token_endpoint", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("autopilot_oauth_clients").dropColumn("token_endpoint").execute();
  await db.schema.alterTable("autopilot_oauth_clients").dropColumn("authorization_endpoint").execute();
}
