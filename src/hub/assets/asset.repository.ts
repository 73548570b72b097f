import type { Executor } from "../../store/database.ts";
import type { AdAccountsTable, AssetsTable } from "../../store/schema.ts";

export type AssetRow = AssetsTable;
export type AdAccountRow = AdAccountsTable;

export async function insertAsset(db: Executor, row: AssetRow): Promise<void> {
  await db.insertInto("assets").values(row).execute();
}

export async function insertAdAccount(db: Executor, row: AdAccountRow): Promise<void> {
  await db.insertInto("ad_accounts").values(row).execute();
}

export async function findAsset(db: Executor, id: string): Promise<AssetRow | undefined> {
  return db.selectFrom("assets").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findAdAccount(db: Executor, assetId: string): Promise<AdAccountRow | undefined> {
  return db.selectFrom("ad_accounts").selectAll().where("asset_id", "=", assetId).executeTakeFirst();
}

export async function listOwnedAssets(db: Executor, businessId: string, type?: string): Promise<AssetRow[]> {
  let query = db.selectFrom("assets").selectAll().where("owner_business_id", "=", businessId);
  if (type) query = query.where("type", "=", type);
  return query.orderBy("created_at").execute();
}

export async function findAssetsByIds(db: Executor, ids: string[]): Promise<AssetRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("assets").selectAll().where("id", "in", ids).execute();
}

export async function findAdAccountsByIds(db: Executor, ids: string[]): Promise<AdAccountRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("ad_accounts").selectAll().where("asset_id", "in", ids).execute();
}

export async function updateAssetName(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable("assets").set({ name }).where("id", "=", id).execute();
}

export async function updateAdAccountRow(db: Executor, assetId: string, changes: Partial<Pick<AdAccountRow, "spend_cap" | "account_status">>): Promise<void> {
  await db.updateTable("ad_accounts").set(changes).where("asset_id", "=", assetId).execute();
}
