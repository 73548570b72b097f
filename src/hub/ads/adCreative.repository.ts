import type { Executor } from "../../store/database.ts";
import { jsonObject } from "../../store/jsonColumn.ts";
import type { AdCreativesTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "../../store/keyset.ts";

export type AdCreativeRow = AdCreativesTable;

/** `ad_creatives.object_story_spec`: Meta's story spec, a JSON object stored as given. */
export const creativeStorySpec = jsonObject("ad_creatives.object_story_spec");

export interface AdCreativeRecord extends AdCreativeRow {
  timezone_name: string;
}

function selectCreatives(db: Executor) {
  return db
    .selectFrom("ad_creatives as cr")
    .innerJoin("ad_accounts as acc", "acc.asset_id", "cr.account_id")
    .selectAll("cr")
    .select("acc.timezone_name");
}

export async function insertCreative(db: Executor, row: AdCreativeRow): Promise<void> {
  await db.insertInto("ad_creatives").values(row).execute();
}

export async function findCreative(db: Executor, id: string): Promise<AdCreativeRecord | undefined> {
  return selectCreatives(db).where("cr.id", "=", id).executeTakeFirst();
}

export async function lockCreative(db: Executor, id: string): Promise<void> {
  await db.updateTable("ad_creatives").set((eb) => ({ id: eb.ref("id") })).where("id", "=", id).execute();
}

export async function updateCreative(db: Executor, id: string, changes: Partial<Pick<AdCreativeRow, "name" | "status" | "updated_at">>): Promise<void> {
  await db.updateTable("ad_creatives").set(changes).where("id", "=", id).execute();
}

export async function listCreatives(
  db: Executor,
  filter: { accountId: string; statuses: readonly string[] },
  window: KeysetWindow,
): Promise<AdCreativeRecord[]> {
  let query = selectCreatives(db).where("cr.account_id", "=", filter.accountId).where("cr.status", "in", filter.statuses);
  for (const condition of keysetConditions("cr", window)) query = query.where(condition);
  const order = window.newestFirst ? "desc" : "asc";
  return query.orderBy("cr.created_at", order).orderBy("cr.id", order).limit(window.limit).execute();
}
