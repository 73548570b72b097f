import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import type { CampaignsTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "./adPaging.ts";

export type CampaignRow = CampaignsTable;

/** A campaign with what presenting it needs: the account's time zone and the derived effective status. */
export interface CampaignRecord extends CampaignRow {
  timezone_name: string;
  effective_status: string;
}

/** A campaign's effective status is its own: nothing above it pauses it. */
const effectiveStatus = sql<string>`${sql.ref("c.status")}`;

function selectCampaigns(db: Executor) {
  return db
    .selectFrom("campaigns as c")
    .innerJoin("ad_accounts as acc", "acc.asset_id", "c.account_id")
    .selectAll("c")
    .select("acc.timezone_name")
    .select(effectiveStatus.as("effective_status"));
}

export async function insertCampaign(db: Executor, row: CampaignRow): Promise<void> {
  await db.insertInto("campaigns").values(row).execute();
}

export async function findCampaign(db: Executor, id: string): Promise<CampaignRecord | undefined> {
  return selectCampaigns(db).where("c.id", "=", id).executeTakeFirst();
}

/**
 * Takes the campaign's row lock until the transaction ends (a no-op update), so concurrent changes
 * to one campaign read and write in turn on PostgreSQL; SQLite already runs one writer at a time.
 */
export async function lockCampaign(db: Executor, id: string): Promise<void> {
  await db.updateTable("campaigns").set((eb) => ({ id: eb.ref("id") })).where("id", "=", id).execute();
}

export async function updateCampaign(db: Executor, id: string, changes: Partial<Omit<CampaignRow, "id" | "account_id">>): Promise<void> {
  await db.updateTable("campaigns").set(changes).where("id", "=", id).execute();
}

export async function listCampaigns(
  db: Executor,
  filter: { accountId: string; effectiveStatuses: readonly string[] },
  window: KeysetWindow,
): Promise<CampaignRecord[]> {
  let query = selectCampaigns(db).where("c.account_id", "=", filter.accountId).where(effectiveStatus, "in", filter.effectiveStatuses);
  for (const condition of keysetConditions("c", window)) query = query.where(condition);
  const order = window.newestFirst ? "desc" : "asc";
  return query.orderBy("c.created_at", order).orderBy("c.id", order).limit(window.limit).execute();
}

export async function campaignNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("campaigns").select(["id", "name"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}
