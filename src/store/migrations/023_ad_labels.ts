import type { Kysely } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

/**
 * Ad labels (Meta's AdLabel: a name an ad account's campaigns, ad sets and ads can carry, to group
 * them), which objects carry which label, and the labels an owner protects from one partner
 * (`partner_guardrails.protected_labels`, "120…,120…": label ids, null meaning no limit).
 */
export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable("ad_labels")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("account_id", "text", (c) => c.notNull().references("assets.id"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  // A name names one label of the account: `adlabels=[{"name": "…"}]` finds it by name.
  await db.schema.createIndex("ad_labels_account_name").on("ad_labels").columns(["account_id", "name"]).unique().execute();
  await db.schema
    .createTable("ad_object_labels")
    .addColumn("object_id", "text", (c) => c.notNull())
    .addColumn("label_id", "text", (c) => c.notNull().references("ad_labels.id"))
    .addColumn("account_id", "text", (c) => c.notNull())
    .addColumn("object_type", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("ad_object_labels_pk", ["object_id", "label_id"])
    .execute();
  await db.schema.createIndex("ad_object_labels_label").on("ad_object_labels").columns(["label_id"]).execute();
  await db.schema.alterTable("partner_guardrails").addColumn("protected_labels", "text").execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable("partner_guardrails").dropColumn("protected_labels").execute();
  await db.schema.dropTable("ad_object_labels").ifExists().execute();
  await db.schema.dropTable("ad_labels").ifExists().execute();
}
