import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * One row per ad account whose ad objects were ever written: a counter every campaign, ad set, ad
 * and creative write moves inside its transaction. In-memory read models of an account's ad
 * objects compare it to tell whether another instance has written since they loaded.
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("ad_object_versions")
    .addColumn("account_id", "text", (c) => c.primaryKey())
    .addColumn("version", "bigint", (c) => c.notNull())
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("ad_object_versions").ifExists().execute();
}
