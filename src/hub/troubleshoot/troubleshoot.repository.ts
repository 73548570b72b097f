import type { Executor } from "../../store/database.ts";
import type { StoredAction } from "../audit/audit.repository.ts";
import { actionsLike, type AuditAction } from "../audit/auditActions.ts";

/** The reads the troubleshooter needs; each answers one question about one business or ad account. */

export async function findBusinessName(db: Executor, id: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom("businesses").select(["id", "name"]).where("id", "=", id).executeTakeFirst();
}

/** Every share (any status) from an owner to a partner, optionally for one asset, newest first. */
export async function listSharesFromTo(db: Executor, ownerId: string, partnerId: string, assetId?: string) {
  let query = db
    .selectFrom("partner_shares as s")
    .innerJoin("assets as a", "a.id", "s.asset_id")
    .select(["s.id", "s.asset_id", "a.name as asset_name", "a.type as asset_type", "s.status", "s.initiated_by", "s.tasks", "s.created_at", "s.updated_at", "s.pending_expires_at"])
    .where("s.owner_business_id", "=", ownerId)
    .where("s.partner_business_id", "=", partnerId);
  if (assetId) query = query.where("s.asset_id", "=", assetId);
  return query.orderBy("s.created_at", "desc").orderBy("s.id").execute();
}

/** Offers waiting for the partner from any owner, with the owner's name. */
export async function listPendingOffersTo(db: Executor, partnerId: string, now: number) {
  return db
    .selectFrom("partner_shares as s")
    .innerJoin("businesses as o", "o.id", "s.owner_business_id")
    .innerJoin("assets as a", "a.id", "s.asset_id")
    .select(["s.id", "s.owner_business_id", "o.name as owner_name", "s.asset_id", "a.name as asset_name", "s.pending_expires_at"])
    .where("s.partner_business_id", "=", partnerId)
    .where("s.status", "=", "pending")
    .where("s.initiated_by", "=", "owner")
    .where((eb) => eb.or([eb("s.pending_expires_at", "is", null), eb("s.pending_expires_at", ">", now)]))
    .orderBy("s.created_at", "desc")
    .execute();
}

/** The share (pending or active) of an asset with a partner. */
export async function findActiveShare(db: Executor, assetId: string, partnerId: string) {
  return db
    .selectFrom("partner_shares")
    .select(["id", "tasks", "ends_at"])
    .where("asset_id", "=", assetId)
    .where("partner_business_id", "=", partnerId)
    .where("status", "=", "active")
    .executeTakeFirst();
}

export interface SpendAuditRow {
  seq: number;
  at: number;
  actor_type: string;
  actor_id: string | null;
  app_id: string | null;
  action: AuditAction;
  target_type: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
}

/** Successful changes to an ad account and the campaigns, ad sets and ads under it since a time, oldest first. */
export async function listAdAccountChangesSince(db: Executor, accountId: string, since: number): Promise<SpendAuditRow[]> {
  return db
    .selectFrom("audit_entries")
    .select(["seq", "at", "actor_type", "actor_id", "app_id", "action", "target_type", "target_id", "before_json", "after_json"])
    .where("at", ">=", since)
    .where("outcome", "=", "success")
    .where((eb) =>
      eb.or([
        eb.and([eb("action", "like", actionsLike("ad_account")), eb("target_id", "=", accountId)]),
        eb.and([eb("action", "like", actionsLike("campaign")), eb("target_id", "in", eb.selectFrom("campaigns").select("id").where("account_id", "=", accountId))]),
        eb.and([eb("action", "like", actionsLike("adset")), eb("target_id", "in", eb.selectFrom("ad_sets").select("id").where("account_id", "=", accountId))]),
        eb.and([eb("action", "like", actionsLike("ad")), eb("target_id", "in", eb.selectFrom("ads").select("id").where("account_id", "=", accountId))]),
      ]),
    )
    .orderBy("seq")
    .$narrowType<StoredAction>()
    .execute();
}

/** Names of ad objects by id, for the objects a list of changes touched. */
export async function adObjectNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  for (const table of ["campaigns", "ad_sets", "ads"] as const) {
    const rows = await db.selectFrom(table).select(["id", "name"]).where("id", "in", ids).execute();
    for (const r of rows) out.set(r.id, r.name);
  }
  return out;
}

export async function appNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("apps").select(["id", "name"]).where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
