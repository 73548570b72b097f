import { PostgresAdapter, type Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Ad images (`act_<id>/adimages`): the bytes an ad account uploaded, with what the listing shows of
 * them. The id is Meta's `<account id>:<hash>`, the hash the MD5 of the bytes, as Meta's. An upload of
 * the same bytes to the same account is the same image; a deleted one keeps its row (status DELETED).
 */
export async function up(db: AnyDb): Promise<void> {
  const binary = db.getExecutor().adapter instanceof PostgresAdapter ? "bytea" : "blob";
  await db.schema
    .createTable("ad_images")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("ad_accounts.asset_id").onDelete("cascade"))
    .addColumn("hash", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("content_type", "text", (c) => c.notNull())
    .addColumn("width", "integer", (c) => c.notNull())
    .addColumn("height", "integer", (c) => c.notNull())
    .addColumn("byte_size", "integer", (c) => c.notNull())
    .addColumn("data", binary, (c) => c.notNull())
    /** ACTIVE | DELETED */
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("ad_images_by_account").on("ad_images").columns(["account_id", "created_at"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("ad_images").ifExists().execute();
}
