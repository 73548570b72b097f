import type { Executor } from "../../store/database.ts";
import { stringList } from "../../store/jsonColumn.ts";
import type { PartnerSharesTable } from "../../store/schema.ts";

export type ShareRow = PartnerSharesTable;

/** `partner_shares.tasks`: the tasks shared (or asked for, while pending). */
export const shareTasks = stringList("partner_shares.tasks");
export type ShareStatus = "pending" | "active" | "declined" | "cancelled" | "expired" | "ended" | "removed";

export async function insertShare(db: Executor, row: ShareRow): Promise<void> {
  await db.insertInto("partner_shares").values(row).execute();
}

export async function findShare(db: Executor, id: string): Promise<ShareRow | undefined> {
  return db.selectFrom("partner_shares").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The pending or active relationship between an asset and a partner, if any. */
export async function findLiveShare(db: Executor, assetId: string, partnerId: string): Promise<ShareRow | undefined> {
  return db
    .selectFrom("partner_shares")
    .selectAll()
    .where("asset_id", "=", assetId)
    .where("partner_business_id", "=", partnerId)
    .where("status", "in", ["pending", "active"])
    .executeTakeFirst();
}

export async function updateShare(
  db: Executor,
  id: string,
  changes: Partial<Pick<ShareRow, "status" | "tasks" | "updated_at" | "pending_expires_at" | "ends_at">>,
): Promise<void> {
  await db.updateTable("partner_shares").set(changes).where("id", "=", id).execute();
}

export async function listSharesBetween(
  db: Executor,
  ownerId: string,
  partnerId: string,
  statuses: ShareStatus[],
): Promise<ShareRow[]> {
  return db
    .selectFrom("partner_shares")
    .selectAll()
    .where("owner_business_id", "=", ownerId)
    .where("partner_business_id", "=", partnerId)
    .where("status", "in", statuses)
    .execute();
}

/** Shares a business is on either side of, in the given statuses, newest first. */
export async function listSharesOfBusiness(db: Executor, businessId: string, statuses: ShareStatus[]): Promise<ShareRow[]> {
  return db
    .selectFrom("partner_shares")
    .selectAll()
    .where((eb) => eb.or([eb("owner_business_id", "=", businessId), eb("partner_business_id", "=", businessId)]))
    .where("status", "in", statuses)
    .orderBy("created_at", "desc")
    .execute();
}

export async function listSharesOfAsset(db: Executor, assetId: string, statuses: ShareStatus[]): Promise<ShareRow[]> {
  return db
    .selectFrom("partner_shares")
    .selectAll()
    .where("asset_id", "=", assetId)
    .where("status", "in", statuses)
    .orderBy("created_at")
    .execute();
}

export async function listPendingPastExpiry(db: Executor, now: number): Promise<ShareRow[]> {
  return db
    .selectFrom("partner_shares")
    .selectAll()
    .where("status", "=", "pending")
    .where("pending_expires_at", "<=", now)
    .execute();
}

export async function listActivePastEnd(db: Executor, now: number): Promise<ShareRow[]> {
  return db
    .selectFrom("partner_shares")
    .selectAll()
    .where("status", "=", "active")
    .where("ends_at", "is not", null)
    .where("ends_at", "<=", now)
    .execute();
}
