import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("business_invitations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("business_id", "text", (c) => c.notNull().references("businesses.id"))
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull())
    /** pending | accepted | cancelled | expired */
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("invited_by", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("expires_at", "bigint", (c) => c.notNull())
    .addColumn("accepted_at", "bigint")
    .execute();
  await db.schema.createIndex("business_invitations_email").on("business_invitations").columns(["email", "status"]).execute();
  await db.schema.createIndex("business_invitations_business").on("business_invitations").columns(["business_id", "status"]).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable("business_invitations").ifExists().execute();
}
