import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import { jsonObject } from "../../store/jsonColumn.ts";
import type { AdSetsTable, BudgetChangesTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "../../store/keyset.ts";

export type AdSetRow = AdSetsTable;

/** `ad_sets.bid_constraints`, `targeting` and `promoted_object`: JSON objects, stored as given. */
export const adSetBidConstraints = jsonObject("ad_sets.bid_constraints");
export const adSetTargeting = jsonObject("ad_sets.targeting");
export const adSetPromotedObject = jsonObject("ad_sets.promoted_object");

export interface AdSetRecord extends AdSetRow {
  timezone_name: string;
  effective_status: string;
}

/**
 * Deleted or archived above wins, then the ad set's own pause, then its campaign's
 * (CAMPAIGN_PAUSED). The one definition serves both presenting and `effective_status` filters.
 */
const effectiveStatus = sql<string>`case
  when ${sql.ref("s.status")} = 'DELETED' or ${sql.ref("c.status")} = 'DELETED' then 'DELETED'
  when ${sql.ref("s.status")} = 'ARCHIVED' or ${sql.ref("c.status")} = 'ARCHIVED' then 'ARCHIVED'
  when ${sql.ref("s.status")} = 'PAUSED' then 'PAUSED'
  when ${sql.ref("c.status")} = 'PAUSED' then 'CAMPAIGN_PAUSED'
  else 'ACTIVE' end`;

function selectAdSets(db: Executor) {
  return db
    .selectFrom("ad_sets as s")
    .innerJoin("campaigns as c", "c.id", "s.campaign_id")
    .innerJoin("ad_accounts as acc", "acc.asset_id", "s.account_id")
    .selectAll("s")
    .select("acc.timezone_name")
    .select(effectiveStatus.as("effective_status"));
}

export async function insertAdSet(db: Executor, row: AdSetRow): Promise<void> {
  await db.insertInto("ad_sets").values(row).execute();
}

export async function findAdSet(db: Executor, id: string): Promise<AdSetRecord | undefined> {
  return selectAdSets(db).where("s.id", "=", id).executeTakeFirst();
}

/** Takes the ad set's row lock until the transaction ends, so budget changes are counted one at a time. */
export async function lockAdSet(db: Executor, id: string): Promise<void> {
  await db.updateTable("ad_sets").set((eb) => ({ id: eb.ref("id") })).where("id", "=", id).execute();
}

export async function updateAdSet(db: Executor, id: string, changes: Partial<Omit<AdSetRow, "id" | "account_id" | "campaign_id">>): Promise<void> {
  await db.updateTable("ad_sets").set(changes).where("id", "=", id).execute();
}

export async function listAdSets(
  db: Executor,
  filter: { accountId?: string; campaignId?: string; effectiveStatuses: readonly string[] },
  window: KeysetWindow,
): Promise<AdSetRecord[]> {
  let query = selectAdSets(db).where(effectiveStatus, "in", filter.effectiveStatuses);
  if (filter.accountId) query = query.where("s.account_id", "=", filter.accountId);
  if (filter.campaignId) query = query.where("s.campaign_id", "=", filter.campaignId);
  for (const condition of keysetConditions("s", window)) query = query.where(condition);
  const order = window.newestFirst ? "desc" : "asc";
  return query.orderBy("s.created_at", order).orderBy("s.id", order).limit(window.limit).execute();
}

/**
 * The newest `limit` ad sets (by created_at, then id) of each of the campaigns whose effective
 * status is one of `effectiveStatuses`, newest first: the first page of each campaign's list, as
 * `listAdSets` reads it for one, in one query for many.
 */
export async function firstAdSetsOfCampaigns(
  db: Executor,
  campaignIds: readonly string[],
  effectiveStatuses: readonly string[],
  limit: number,
): Promise<Map<string, AdSetRecord[]>> {
  const out = new Map<string, AdSetRecord[]>();
  for (let i = 0; i < campaignIds.length; i += 500) {
    const ranked = selectAdSets(db)
      .select((eb) => eb.fn.agg<number>("row_number").over((over) => over.partitionBy("s.campaign_id").orderBy("s.created_at", "desc").orderBy("s.id", "desc")).as("position"))
      .where(effectiveStatus, "in", effectiveStatuses)
      .where("s.campaign_id", "in", campaignIds.slice(i, i + 500));
    const rows = await db
      .selectFrom(ranked.as("ranked"))
      .selectAll()
      .where("position", "<=", limit)
      .orderBy("campaign_id")
      .orderBy("position")
      .execute();
    for (const { position: _position, ...row } of rows) {
      let list = out.get(row.campaign_id);
      if (!list) out.set(row.campaign_id, (list = []));
      list.push(row);
    }
  }
  return out;
}

export async function adSetNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("ad_sets").select(["id", "name"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}

export type BudgetChangeRow = BudgetChangesTable;

export async function insertBudgetChange(db: Executor, row: BudgetChangeRow): Promise<void> {
  await db.insertInto("budget_changes").values(row).execute();
}

/** Times of the ad set's budget changes at or after `since`, oldest first. */
export async function budgetChangesSince(db: Executor, adSetId: string, since: number): Promise<number[]> {
  const rows = await db
    .selectFrom("budget_changes")
    .select("at")
    .where("adset_id", "=", adSetId)
    .where("at", ">", since)
    .orderBy("at")
    .execute();
  return rows.map((row) => Number(row.at));
}
