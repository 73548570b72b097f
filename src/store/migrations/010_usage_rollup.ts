import type { Kysely } from "kysely";
import { rebuildUsageRollup } from "../../hub/audit/usageRollup.repository.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a migration describes the schema, so it cannot use it
type AnyDb = Kysely<any>;

export async function up(db: AnyDb): Promise<void> {
  // Who used what: one row per principal, asset, catalogue action and path, kept with every audited
  // use and with batched Graph reads, so access reviews need not scan the audit log.
  await db.schema
    .createTable("usage_rollup")
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("asset_id", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("via", "text", (c) => c.notNull())
    .addColumn("first_at", "bigint", (c) => c.notNull())
    .addColumn("last_at", "bigint", (c) => c.notNull())
    .addColumn("count", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("usage_rollup_pk", ["principal_id", "asset_id", "action", "via"])
    .execute();
  await db.schema.createIndex("usage_rollup_asset").on("usage_rollup").columns(["asset_id", "last_at"]).execute();

  // The latest audited activity (any outcome) of each person and system user, for stale principals.
  await db.schema
    .createTable("principal_activity")
    .addColumn("principal_id", "text", (c) => c.primaryKey())
    .addColumn("last_at", "bigint", (c) => c.notNull())
    .execute();

  // Scheduled campaigns carry the slot they fill, so instances sharing a store start each one once.
  await db.schema.alterTable("review_campaigns").addColumn("schedule_key", "text").execute();
  // When the last reminder went out; instances claim a reminder by moving it, so one is sent.
  await db.schema.alterTable("review_campaigns").addColumn("reminded_at", "bigint").execute();
  await db.schema.createIndex("review_campaigns_schedule_key").on("review_campaigns").columns(["business_id", "schedule_key"]).unique().execute();

  // Stores that already have history get it summed up now, so findings stay the same.
  await rebuildUsageRollup(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("review_campaigns_schedule_key").ifExists().execute();
  await db.schema.alterTable("review_campaigns").dropColumn("reminded_at").execute();
  await db.schema.alterTable("review_campaigns").dropColumn("schedule_key").execute();
  await db.schema.dropTable("principal_activity").ifExists().execute();
  await db.schema.dropTable("usage_rollup").ifExists().execute();
}
