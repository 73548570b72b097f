import { sql, type Kysely } from "kysely";

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
  // Covers the findings' read (a business's assets, used since a time), so it never visits the table.
  await db.schema.createIndex("usage_rollup_asset").on("usage_rollup").columns(["asset_id", "last_at", "principal_id", "action"]).execute();

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
  await rollupHistory(db);
}

/**
 * The catalogue's action names when this migration was written. Frozen here: a migration never
 * imports application code, so it does the same thing on every store whatever the code becomes.
 */
const CATALOGUE_ACTIONS = [
  "view_asset", "read_insights", "create_draft", "create_campaign", "edit_campaign", "change_budget", "use_in_ads",
  "publish_content", "moderate_community", "edit_pixel", "upload_events", "manage_catalog", "manage_settings", "manage_access",
];
const AD_OBJECTS = ["campaign", "adset", "ad", "adcreative"];

/**
 * Sums the whole audit log into the rollup (via `history`: past uses' paths are not known) and each
 * principal's latest activity, in SQL. Which audited entry is a use of which catalogue action is the
 * rule of src/hub/review/findings.ts actionOfAuditEntry as it stood: a catalogue action name as is;
 * `graph.get` is read_insights on target type `insights`, else view_asset; `ad_account.update` is
 * manage_settings; `<ad object>.create…` is create_campaign and any other `<ad object>.…` is
 * edit_campaign. Exported so a test holds it to the rollup kept by the running code.
 */
export async function rollupHistory(db: AnyDb): Promise<void> {
  const adObjectPrefixes = AD_OBJECTS.map((object) => sql`e.action LIKE ${`${object}.%`}`);
  const adObjectCreates = AD_OBJECTS.flatMap((object) => [sql`e.action = ${`${object}.create`}`, sql`e.action LIKE ${`${object}.create.%`}`]);
  const usedAction = sql`CASE
    WHEN e.action IN (${sql.join(CATALOGUE_ACTIONS)}) THEN e.action
    WHEN e.action = 'graph.get' AND e.target_type = 'insights' THEN 'read_insights'
    WHEN e.action = 'graph.get' THEN 'view_asset'
    WHEN e.action = 'ad_account.update' THEN 'manage_settings'
    WHEN ${sql.join(adObjectCreates, sql` OR `)} THEN 'create_campaign'
    WHEN e.action IN (${sql.join(AD_OBJECTS)}) OR ${sql.join(adObjectPrefixes, sql` OR `)} THEN 'edit_campaign'
  END`;
  // Ids share one space, so a target is at most one asset or one ad object of an ad account.
  const assetOfTarget = sql`(
    SELECT id AS target_id, id AS asset_id FROM assets
    UNION ALL SELECT id, account_id FROM campaigns
    UNION ALL SELECT id, account_id FROM ad_sets
    UNION ALL SELECT id, account_id FROM ads
    UNION ALL SELECT id, account_id FROM ad_creatives
  )`;
  await sql`
    INSERT INTO usage_rollup (principal_id, asset_id, action, via, first_at, last_at, count)
    SELECT principal_id, asset_id, action, 'history', MIN(at), MAX(at), COUNT(*)
    FROM (
      SELECT e.actor_id AS principal_id, t.asset_id AS asset_id, ${usedAction} AS action, e.at AS at
      FROM audit_entries e INNER JOIN ${assetOfTarget} t ON t.target_id = e.target_id
      WHERE e.outcome = 'success' AND e.actor_id IS NOT NULL
    ) used
    WHERE action IS NOT NULL
    GROUP BY principal_id, asset_id, action
  `.execute(db);
  await sql`
    INSERT INTO principal_activity (principal_id, last_at)
    SELECT actor_id, MAX(at) FROM audit_entries WHERE actor_id IS NOT NULL GROUP BY actor_id
  `.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex("review_campaigns_schedule_key").ifExists().execute();
  await db.schema.alterTable("review_campaigns").dropColumn("reminded_at").execute();
  await db.schema.alterTable("review_campaigns").dropColumn("schedule_key").execute();
  await db.schema.dropTable("principal_activity").ifExists().execute();
  await db.schema.dropTable("usage_rollup").ifExists().execute();
}
