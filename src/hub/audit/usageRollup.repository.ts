import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import type { UsageRollupTable } from "../../store/schema.ts";

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
