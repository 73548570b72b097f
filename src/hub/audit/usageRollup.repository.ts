import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import type { UsageRollupTable } from "../../store/schema.ts";
import { actionOfAuditEntry } from "../review/findings.ts";

/**
 * Storage of the usage rollup (who used which asset for what, by which path: first and last use and
 * a count) and of each principal's latest activity. Every write is an upsert that only moves times
 * outwards and adds counts, so batches may arrive in any order and from any instance.
 */

export type UsageDelta = UsageRollupTable;

/** Rows per statement: 7 parameters each stays far below both dialects' bind-parameter limits. */
const BATCH = 500;

/** Adds uses: one multi-row upsert per batch of up to 500 keys. */
export async function upsertUsage(db: Executor, rows: readonly UsageDelta[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    await db
      .insertInto("usage_rollup")
      .values(rows.slice(i, i + BATCH))
      .onConflict((oc) =>
        oc.columns(["principal_id", "asset_id", "action", "via"]).doUpdateSet((eb) => ({
          first_at: sql<number>`CASE WHEN excluded.first_at < usage_rollup.first_at THEN excluded.first_at ELSE usage_rollup.first_at END`,
          last_at: sql<number>`CASE WHEN excluded.last_at > usage_rollup.last_at THEN excluded.last_at ELSE usage_rollup.last_at END`,
          count: eb("usage_rollup.count", "+", eb.ref("excluded.count")),
        })),
      )
      .execute();
  }
}

/** Moves principals' latest activity forward (never back). */
export async function touchActivity(db: Executor, rows: readonly { principal_id: string; last_at: number }[]): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    await db
      .insertInto("principal_activity")
      .values(rows.slice(i, i + BATCH))
      .onConflict((oc) =>
        oc.column("principal_id").doUpdateSet({
          last_at: sql<number>`CASE WHEN excluded.last_at > principal_activity.last_at THEN excluded.last_at ELSE principal_activity.last_at END`,
        }),
      )
      .execute();
  }
}

/**
 * The asset an audited target belongs to: the target itself when it is an asset, else the ad
 * account of the campaign, ad set, ad or creative it names (ids share one space, so at most one matches).
 */
export async function resolveUsedAsset(db: Executor, targetId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom("assets")
    .select("id as asset_id")
    .where("id", "=", targetId)
    .unionAll(db.selectFrom("campaigns").select("account_id as asset_id").where("id", "=", targetId))
    .unionAll(db.selectFrom("ad_sets").select("account_id as asset_id").where("id", "=", targetId))
    .unionAll(db.selectFrom("ads").select("account_id as asset_id").where("id", "=", targetId))
    .unionAll(db.selectFrom("ad_creatives").select("account_id as asset_id").where("id", "=", targetId))
    .executeTakeFirst();
  return row?.asset_id;
}

type AdObjectTable = "campaigns" | "ad_sets" | "ads" | "ad_creatives";
const AD_OBJECT_TABLES: readonly AdObjectTable[] = ["campaigns", "ad_sets", "ads", "ad_creatives"];

/**
 * Rebuilds the rollup and the activity table from the whole audit log (used once, when the tables
 * are created on a store that already has history). The paths of past uses are not known, so they
 * are recorded with via `history`.
 */
export async function rebuildUsageRollup(db: Executor): Promise<{ usageRows: number; activityRows: number }> {
  await db.deleteFrom("usage_rollup").execute();
  await db.deleteFrom("principal_activity").execute();
  const activity = await db
    .selectFrom("audit_entries")
    .select(({ fn }) => ["actor_id", fn.max("at").as("last_at")])
    .where("actor_id", "is not", null)
    .groupBy("actor_id")
    .execute();
  await touchActivity(
    db,
    activity.map((r) => ({ principal_id: r.actor_id!, last_at: Number(r.last_at) })),
  );

  const grouped = [
    await db
      .selectFrom("audit_entries as e")
      .innerJoin("assets as x", "x.id", "e.target_id")
      .select(({ fn }) => ["e.actor_id", "x.id as asset_id", "e.action", "e.target_type", fn.min("e.at").as("first_at"), fn.max("e.at").as("last_at"), fn.countAll().as("n")])
      .where("e.outcome", "=", "success")
      .where("e.actor_id", "is not", null)
      .groupBy(["e.actor_id", "x.id", "e.action", "e.target_type"])
      .execute(),
  ];
  for (const table of AD_OBJECT_TABLES) {
    grouped.push(
      await db
        .selectFrom("audit_entries as e")
        .innerJoin(`${table} as o` as "campaigns as o", "o.id", "e.target_id")
        .select(({ fn }) => ["e.actor_id", "o.account_id as asset_id", "e.action", "e.target_type", fn.min("e.at").as("first_at"), fn.max("e.at").as("last_at"), fn.countAll().as("n")])
        .where("e.outcome", "=", "success")
        .where("e.actor_id", "is not", null)
        .groupBy(["e.actor_id", "o.account_id", "e.action", "e.target_type"])
        .execute(),
    );
  }
  // Several raw actions map to one catalogue action; merge them before writing.
  const merged = new Map<string, UsageDelta>();
  for (const rows of grouped) {
    for (const r of rows) {
      const action = actionOfAuditEntry(r.action, r.target_type);
      if (!action) continue;
      const key = `${r.actor_id}\u0000${r.asset_id}\u0000${action}`;
      const firstAt = Number(r.first_at);
      const lastAt = Number(r.last_at);
      const count = Number(r.n);
      const row = merged.get(key);
      if (row) {
        row.first_at = Math.min(row.first_at, firstAt);
        row.last_at = Math.max(row.last_at, lastAt);
        row.count += count;
      } else {
        merged.set(key, { principal_id: r.actor_id!, asset_id: r.asset_id, action, via: "history", first_at: firstAt, last_at: lastAt, count });
      }
    }
  }
  await upsertUsage(db, [...merged.values()]);
  return { usageRows: merged.size, activityRows: activity.length };
}
