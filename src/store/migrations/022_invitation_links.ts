import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Invitation links: the SHA-256 of the one-time token mailed to the invited address (the token
 * itself is never stored), and when the last mail went out. Resending replaces the hash, so the
 * earlier link stops working. Invitations from before this migration have no link until resent.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("business_invitations").addColumn("token_hash", "text").execute();
  await db.schema.alterTable("business_invitations").addColumn("sent_at", "bigint").execute();
  await db.schema.createIndex("business_invitations_token").on("business_invitations").column("token_hash").unique().execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("business_invitations_token").ifExists().execute();
  await db.schema.alterTable("business_invitations").dropColumn("sent_at").execute();
  await db.schema.alterTable("business_invitations").dropColumn("token_hash").execute();
}
