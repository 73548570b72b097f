import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import type { AdsTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "../../store/keyset.ts";

export type AdRow = AdsTable;

export interface AdRecord extends AdRow {
  timezone_name: string;
  effective_status: string;
}

/**
 * Deleted or archived anywhere above wins; then a DISAPPROVED review (it blocks delivery whatever
 * the switches say); then the ad's own pause, its campaign's (CAMPAIGN_PAUSED), its ad set's
 * (ADSET_PAUSED); then a review still pending or with issues. One definition for presenting and
 * for `effective_status` filters.
 */
const effectiveStatus = sql<string>`case
  when ${sql.ref("a.status")} = 'DELETED' or ${sql.ref("s.status")} = 'DELETED' or ${sql.ref("c.status")} = 'DELETED' then 'DELETED'
  when ${sql.ref("a.status")} = 'ARCHIVED' or ${sql.ref("s.status")} = 'ARCHIVED' or ${sql.ref("c.status")} = 'ARCHIVED' then 'ARCHIVED'
  when ${sql.ref("a.review_status")} = 'DISAPPROVED' then 'DISAPPROVED'
  when ${sql.ref("a.status")} = 'PAUSED' then 'PAUSED'
  when ${sql.ref("c.status")} = 'PAUSED' then 'CAMPAIGN_PAUSED'
  when ${sql.ref("s.status")} = 'PAUSED' then 'ADSET_PAUSED'
  when ${sql.ref("a.review_status")} = 'PENDING_REVIEW' then 'PENDING_REVIEW'
  when ${sql.ref("a.review_status")} = 'WITH_ISSUES' then 'WITH_ISSUES'
  else 'ACTIVE' end`;

function selectAds(db: Executor) {
  return db
    .selectFrom("ads as a")
    .innerJoin("ad_sets as s", "s.id", "a.adset_id")
    .innerJoin("campaigns as c", "c.id", "a.campaign_id")
    .innerJoin("ad_accounts as acc", "acc.asset_id", "a.account_id")
    .selectAll("a")
    .select("acc.timezone_name")
    .select(effectiveStatus.as("effective_status"));
}

export async function insertAd(db: Executor, row: AdRow): Promise<void> {
  await db.insertInto("ads").values(row).execute();
}

export async function findAd(db: Executor, id: string): Promise<AdRecord | undefined> {
  return selectAds(db).where("a.id", "=", id).executeTakeFirst();
}

/** Takes the ad's row lock until the transaction ends. */
export async function lockAd(db: Executor, id: string): Promise<void> {
  await db.updateTable("ads").set((eb) => ({ id: eb.ref("id") })).where("id", "=", id).execute();
}

export async function updateAd(
  db: Executor,
  id: string,
  changes: Partial<Pick<AdRow, "name" | "status" | "creative_id" | "review_status" | "review_feedback" | "updated_at">>,
): Promise<void> {
  await db.updateTable("ads").set(changes).where("id", "=", id).execute();
}

export async function listAds(
  db: Executor,
  filter: { accountId?: string; campaignId?: string; adSetId?: string; effectiveStatuses: readonly string[] },
  window: KeysetWindow,
): Promise<AdRecord[]> {
  let query = selectAds(db).where(effectiveStatus, "in", filter.effectiveStatuses);
  if (filter.accountId) query = query.where("a.account_id", "=", filter.accountId);
  if (filter.campaignId) query = query.where("a.campaign_id", "=", filter.campaignId);
  if (filter.adSetId) query = query.where("a.adset_id", "=", filter.adSetId);
  for (const condition of keysetConditions("a", window)) query = query.where(condition);
  const order = window.newestFirst ? "desc" : "asc";
  return query.orderBy("a.created_at", order).orderBy("a.id", order).limit(window.limit).execute();
}

/** Ads (not deleted themselves) that show the creative. */
export async function countAdsUsingCreative(db: Executor, creativeId: string): Promise<number> {
  const row = await db
    .selectFrom("ads")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("creative_id", "=", creativeId)
    .where("status", "!=", "DELETED")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Where each ad sits, for filing its delivery rows under the right ad set, campaign and account. */
export async function adPlacements(
  db: Executor,
  ids: readonly string[],
): Promise<Map<string, { adset_id: string; campaign_id: string; account_id: string }>> {
  const out = new Map<string, { adset_id: string; campaign_id: string; account_id: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom("ads")
      .select(["id", "adset_id", "campaign_id", "account_id"])
      .where("id", "in", ids.slice(i, i + 500))
      .execute();
    for (const { id, ...placement } of rows) out.set(id, placement);
  }
  return out;
}

export async function adNames(db: Executor, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom("ads").select(["id", "name"]).where("id", "in", ids.slice(i, i + 500)).execute();
    for (const row of rows) names.set(row.id, row.name);
  }
  return names;
}

/** Ads of an account whose effective status is ACTIVE (they raise its rate-limit quota, as on Meta). */
export async function countActiveAds(db: Executor, accountId: string): Promise<number> {
  const row = await db
    .selectFrom("ads as a")
    .innerJoin("ad_sets as s", "s.id", "a.adset_id")
    .innerJoin("campaigns as c", "c.id", "a.campaign_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("a.account_id", "=", accountId)
    .where(effectiveStatus, "=", "ACTIVE")
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
