import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Page access tokens (`GET /me/accounts`): a token limited to one asset, minted from a person's or
 * system user's token and living no longer than it. `asset_id` is the one asset it reaches;
 * `parent_token_id` the token it came from, whose revocation ends it too.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema.alterTable("access_tokens").addColumn("asset_id", "text").execute();
  await db.schema.alterTable("access_tokens").addColumn("parent_token_id", "text").execute();
  await db.schema.createIndex("access_tokens_parent").on("access_tokens").columns(["parent_token_id"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("access_tokens_parent").ifExists().execute();
  await db.schema.alterTable("access_tokens").dropColumn("parent_token_id").execute();
  await db.schema.alterTable("access_tokens").dropColumn("asset_id").execute();
}
