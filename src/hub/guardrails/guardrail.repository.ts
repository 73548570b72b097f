import { PostgresAdapter } from "kysely";
import type { Executor } from "../../store/database.ts";
import { jsonObject } from "../../store/jsonColumn.ts";
import type { BudgetHistoryTable, PartnerGuardrailsTable, PartnerNewSpendTable, PendingChangesTable } from "../../store/schema.ts";

export type GuardrailRow = PartnerGuardrailsTable;
export type PendingChangeRow = PendingChangesTable;
export type PendingStatus = "pending" | "approved" | "rejected" | "expired";

/** `pending_changes.params`: a held write's parameters, applied as they are on approval. */
export const pendingChangeParams = jsonObject("pending_changes.params");

export async function findGuardrails(db: Executor, assetId: string, partnerBusinessId: string): Promise<GuardrailRow | undefined> {
  return db.selectFrom("partner_guardrails").selectAll().where("asset_id", "=", assetId).where("partner_business_id", "=", partnerBusinessId).executeTakeFirst();
}

/** The guardrails of these partners on the asset (one row per partner that has any). */
export async function guardrailsOfPartners(db: Executor, assetId: string, partnerBusinessIds: readonly string[]): Promise<GuardrailRow[]> {
  if (partnerBusinessIds.length === 0) return [];
  return db.selectFrom("partner_guardrails").selectAll().where("asset_id", "=", assetId).where("partner_business_id", "in", partnerBusinessIds).execute();
}

export async function listGuardrailsOfAsset(db: Executor, assetId: string): Promise<GuardrailRow[]> {
  return db.selectFrom("partner_guardrails").selectAll().where("asset_id", "=", assetId).orderBy("partner_business_id").execute();
}

/** Every guardrail row of the assets, for the access review. */
export async function listGuardrailsOfAssets(db: Executor, assetIds: readonly string[]): Promise<GuardrailRow[]> {
  if (assetIds.length === 0) return [];
  return db.selectFrom("partner_guardrails").selectAll().where("asset_id", "in", assetIds).execute();
}

export async function upsertGuardrails(db: Executor, row: GuardrailRow): Promise<void> {
  const { asset_id: _asset, partner_business_id: _partner, created_at: _created, ...changes } = row;
  await db
    .insertInto("partner_guardrails")
    .values(row)
    .onConflict((oc) => oc.columns(["asset_id", "partner_business_id"]).doUpdateSet(changes))
    .execute();
}

/**
 * Locks one partner's guardrail row on the asset until the transaction ends (a no-op update, as the
 * ad objects' row locks), so writes that measure the partner's account-wide new spend are judged one
 * after the other. On SQLite there is nothing to do: its transactions already run one at a time
 * (one connection per process, and another process's write makes this one's fail, not interleave).
 */
export async function lockGuardrails(db: Executor, assetId: string, partnerBusinessId: string): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await db
    .updateTable("partner_guardrails")
    .set((eb) => ({ updated_at: eb.ref("updated_at") }))
    .where("asset_id", "=", assetId)
    .where("partner_business_id", "=", partnerBusinessId)
    .execute();
}

/** Records daily spend a partner's principal added to the account; call inside the write's transaction. */
export async function insertNewSpend(db: Executor, row: PartnerNewSpendTable): Promise<void> {
  await db.insertInto("partner_new_spend").values(row).execute();
}

/** The daily spend (minor units) the partner added to the account after `since`. */
export async function newSpendSince(db: Executor, accountId: string, partnerBusinessId: string, since: number): Promise<number> {
  const row = await db
    .selectFrom("partner_new_spend")
    .select((eb) => eb.fn.sum<number | string | null>("amount").as("total"))
    .where("account_id", "=", accountId)
    .where("partner_business_id", "=", partnerBusinessId)
    .where("at", ">", since)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

/** Forgets new spend recorded at or before `before` (no limit looks back further than 24 hours). */
export async function deleteNewSpendBefore(db: Executor, before: number): Promise<number> {
  const result = await db.deleteFrom("partner_new_spend").where("at", "<=", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Which of the ids are campaigns, ad sets or ads of the account (of any status). */
export async function adObjectIdsOfAccount(db: Executor, accountId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom("campaigns")
    .select("id")
    .where("account_id", "=", accountId)
    .where("id", "in", ids)
    .unionAll(db.selectFrom("ad_sets").select("id").where("account_id", "=", accountId).where("id", "in", ids))
    .unionAll(db.selectFrom("ads").select("id").where("account_id", "=", accountId).where("id", "in", ids))
    .execute();
  return new Set(rows.map((row) => row.id));
}

export async function deleteGuardrails(db: Executor, assetId: string, partnerBusinessId: string): Promise<number> {
  const result = await db.deleteFrom("partner_guardrails").where("asset_id", "=", assetId).where("partner_business_id", "=", partnerBusinessId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Records one change of a campaign's or ad set's budget amount; call inside the write's transaction. */
export async function insertBudgetHistory(db: Executor, row: Omit<BudgetHistoryTable, "seq">): Promise<void> {
  // Under the object's row lock, so the next place in its chain is this write's alone.
  const last = await db.selectFrom("budget_history").select((eb) => eb.fn.max("seq").as("seq")).where("object_id", "=", row.object_id).executeTakeFirst();
  await db
    .insertInto("budget_history")
    .values({ ...row, seq: Number(last?.seq ?? 0) + 1 })
    .execute();
}

/**
 * The object's budget at `since`: the amount before its first change after then, or (for an object
 * created after then) the amount it was created with; undefined when it has not changed since.
 */
export async function budgetAt(db: Executor, objectId: string, since: number): Promise<number | null | undefined> {
  const first = await db
    .selectFrom("budget_history")
    .select(["before_amount", "after_amount"])
    .where("object_id", "=", objectId)
    .where("at", ">", since)
    .orderBy("seq")
    .limit(1)
    .executeTakeFirst();
  if (!first) return undefined;
  return first.before_amount ?? first.after_amount;
}

/** The highest daily budget (minor units) of the account's live campaigns and ad sets, with its object. */
export async function highestDailyBudget(db: Executor, accountId: string): Promise<{ id: string; name: string; amount: number } | undefined> {
  const campaigns = db
    .selectFrom("campaigns")
    .select(["id", "name", "daily_budget as amount"])
    .where("account_id", "=", accountId)
    .where("status", "!=", "DELETED")
    .where("daily_budget", "is not", null);
  const adSets = db
    .selectFrom("ad_sets")
    .select(["id", "name", "daily_budget as amount"])
    .where("account_id", "=", accountId)
    .where("status", "!=", "DELETED")
    .where("daily_budget", "is not", null);
  const row = await campaigns.unionAll(adSets).orderBy("amount", "desc").limit(1).executeTakeFirst();
  return row && row.amount !== null ? { id: row.id, name: row.name, amount: Number(row.amount) } : undefined;
}

export async function insertPendingChange(db: Executor, row: PendingChangeRow): Promise<void> {
  await db.insertInto("pending_changes").values(row).execute();
}

export async function findPendingChange(db: Executor, id: string): Promise<PendingChangeRow | undefined> {
  return db.selectFrom("pending_changes").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listPendingChanges(db: Executor, accountId: string, statuses: readonly PendingStatus[]): Promise<PendingChangeRow[]> {
  return db
    .selectFrom("pending_changes")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("status", "in", statuses)
    .orderBy("requested_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

/** Pending changes whose time ran out at `now`, oldest first, at most `limit`. */
export async function listExpiredPendingChanges(db: Executor, now: number, limit: number): Promise<PendingChangeRow[]> {
  return db.selectFrom("pending_changes").selectAll().where("status", "=", "pending").where("expires_at", "<=", now).orderBy("expires_at").limit(limit).execute();
}

/** Moves a pending change to its outcome; false when it was no longer pending (someone decided first). */
export async function decidePendingChange(db: Executor, id: string, outcome: Exclude<PendingStatus, "pending">, decidedBy: string, at: number): Promise<boolean> {
  const result = await db
    .updateTable("pending_changes")
    .set({ status: outcome, decided_by: decidedBy, decided_at: at })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
