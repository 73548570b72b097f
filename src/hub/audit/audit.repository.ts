import type { Executor } from "../../store/database.ts";
import type { AuditEntriesTable } from "../../store/schema.ts";
import type { AuditAction } from "./auditActions.ts";

/**
 * An audit entry as stored. Its action is read back as an AuditAction: entries are written only
 * through AuditService.record, which takes nothing else; an entry from before an action was renamed
 * simply matches none of the readers' comparisons.
 */
export type AuditRow = Omit<AuditEntriesTable, "action"> & { action: AuditAction };
/** The action column of a query over audit_entries, read as an AuditAction (see AuditRow). */
export type StoredAction = { action: AuditAction };

/** Takes the next sequence number, locking the chain head until the surrounding transaction ends. */
export async function claimAuditHead(trx: Executor): Promise<{ seq: number; hash: string }> {
  return trx
    .updateTable("audit_head")
    .set((eb) => ({ seq: eb("seq", "+", 1) }))
    .where("id", "=", 1)
    .returning(["seq", "hash"])
    .executeTakeFirstOrThrow();
}

export async function setAuditHeadHash(trx: Executor, hash: string): Promise<void> {
  await trx.updateTable("audit_head").set({ hash }).where("id", "=", 1).execute();
}

export async function readAuditHead(db: Executor): Promise<{ seq: number; hash: string }> {
  return db.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirstOrThrow();
}

export async function insertAuditEntry(trx: Executor, row: AuditRow): Promise<void> {
  await trx.insertInto("audit_entries").values(row).execute();
}

export async function auditPage(db: Executor, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db.selectFrom("audit_entries").selectAll().where("seq", ">", afterSeq).orderBy("seq").limit(limit).$narrowType<StoredAction>().execute();
}

export interface AuditFilter {
  businessId?: string;
  actorId?: string;
  /** Any of these actors (an empty list matches nothing). */
  actorIds?: readonly string[];
  /** Any text: an action the hub does not write matches nothing. */
  action?: string;
  /** Actions starting with any of these prefixes and a dot ("share" → share.offer, share.remove, …). */
  actionPrefixes?: readonly string[];
  outcome?: string;
  requestId?: string;
  limit?: number;
}

export async function listAuditEntries(db: Executor, filter: AuditFilter): Promise<AuditRow[]> {
  let query = db.selectFrom("audit_entries").selectAll();
  if (filter.businessId) query = query.where("business_id", "=", filter.businessId);
  if (filter.actorId) query = query.where("actor_id", "=", filter.actorId);
  if (filter.actorIds) {
    if (filter.actorIds.length === 0) return [];
    query = query.where("actor_id", "in", [...filter.actorIds]);
  }
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.actionPrefixes) {
    const prefixes = filter.actionPrefixes;
    query = query.where((eb) => eb.or(prefixes.map((p) => eb("action", "like", `${p}.%`))));
  }
  if (filter.outcome) query = query.where("outcome", "=", filter.outcome);
  if (filter.requestId) query = query.where("request_id", "=", filter.requestId);
  return query.orderBy("seq", "desc").limit(filter.limit ?? 100).$narrowType<StoredAction>().execute();
}

/**
 * Successful changes to an ad account and to the campaigns, ad sets, ads and creatives under it,
 * newest first, from `since` to `until` (ms, inclusive), at most `limit`.
 */
export async function adAccountAuditEntries(db: Executor, accountId: string, range: { since?: number; until?: number }, limit: number): Promise<AuditRow[]> {
  let query = db
    .selectFrom("audit_entries")
    .selectAll()
    .where("outcome", "=", "success")
    .where((eb) =>
      eb.or([
        eb("target_id", "=", accountId),
        eb("target_id", "in", eb.selectFrom("campaigns").select("id").where("account_id", "=", accountId)),
        eb("target_id", "in", eb.selectFrom("ad_sets").select("id").where("account_id", "=", accountId)),
        eb("target_id", "in", eb.selectFrom("ads").select("id").where("account_id", "=", accountId)),
        eb("target_id", "in", eb.selectFrom("ad_creatives").select("id").where("account_id", "=", accountId)),
      ]),
    );
  if (range.since !== undefined) query = query.where("at", ">=", range.since);
  if (range.until !== undefined) query = query.where("at", "<=", range.until);
  return query.orderBy("seq", "desc").limit(limit).$narrowType<StoredAction>().execute();
}
