import type { Executor } from "../../store/database.ts";
import type { AuditRow, StoredAction } from "../audit/audit.repository.ts";
import { grantScopes } from "../apps/appGrant.repository.ts";

/**
 * Takes the poller's cursor for this transaction: the UPDATE locks the row (PostgreSQL) or the
 * database (SQLite) until commit, so two instances never process the same audit entries.
 */
export async function lockCursor(trx: Executor, now: number): Promise<number> {
  const row = await trx.updateTable("security_alert_cursor").set({ updated_at: now }).where("id", "=", 1).returning("last_seq").executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

export async function advanceCursor(trx: Executor, lastSeq: number): Promise<void> {
  await trx.updateTable("security_alert_cursor").set({ last_seq: lastSeq }).where("id", "=", 1).execute();
}

export async function readCursor(db: Executor): Promise<number> {
  const row = await db.selectFrom("security_alert_cursor").select("last_seq").where("id", "=", 1).executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

export async function auditEntriesAfter(db: Executor, afterSeq: number, limit: number): Promise<AuditRow[]> {
  return db.selectFrom("audit_entries").selectAll().where("seq", ">", afterSeq).orderBy("seq").limit(limit).$narrowType<StoredAction>().execute();
}

// ---- refusals, for bursts ---------------------------------------------------------------------

export async function recordDenial(trx: Executor, row: { seq: number; actor_id: string; business_id: string | null; at: number }): Promise<void> {
  await trx.insertInto("security_alert_denials").values(row).onConflict((oc) => oc.column("seq").doNothing()).execute();
}

/** The actor's refusals against the business in (since, upTo], oldest first. */
export async function denialsOf(trx: Executor, actorId: string, businessId: string, since: number, upToSeq: number): Promise<number[]> {
  const rows = await trx
    .selectFrom("security_alert_denials")
    .select("seq")
    .where("actor_id", "=", actorId)
    .where("business_id", "=", businessId)
    .where("at", ">", since)
    .where("seq", "<=", upToSeq)
    .orderBy("seq")
    .execute();
  return rows.map((r) => Number(r.seq));
}

export async function pruneDenials(trx: Executor, before: number): Promise<void> {
  await trx.deleteFrom("security_alert_denials").where("at", "<=", before).execute();
}

// ---- context the rules need ---------------------------------------------------------------------

export async function findAppWithBusiness(
  db: Executor,
  appId: string,
): Promise<{ id: string; name: string; business_id: string; business_name: string; verification_status: string; first_party: number } | undefined> {
  return db
    .selectFrom("apps")
    .innerJoin("businesses", "businesses.id", "apps.business_id")
    .select(["apps.id", "apps.name", "apps.business_id", "businesses.name as business_name", "businesses.verification_status", "apps.first_party"])
    .where("apps.id", "=", appId)
    .executeTakeFirst();
}

/** Scopes of the principal's other grants to the app that were live at `at`. */
export async function earlierGrantScopes(db: Executor, appId: string, principalId: string, exceptGrantId: string, at: number): Promise<string[]> {
  const rows = await db
    .selectFrom("app_grants")
    .select("scopes")
    .where("app_id", "=", appId)
    .where("principal_id", "=", principalId)
    .where("id", "!=", exceptGrantId)
    // Strictly before: grants made in the same millisecond count as one change.
    .where("created_at", "<", at)
    .where((eb) => eb.or([eb("revoked_at", "is", null), eb("revoked_at", ">", at)]))
    .execute();
  return rows.flatMap((r) => grantScopes.decode(r.scopes));
}

export async function adObjectName(db: Executor, type: "campaign" | "adset", id: string): Promise<{ name: string; account_id: string } | undefined> {
  const table = type === "campaign" ? "campaigns" : "ad_sets";
  return db.selectFrom(table).select(["name", "account_id"]).where("id", "=", id).executeTakeFirst();
}

/** The ad account a campaign, ad set or ad id belongs to, whichever it is. */
export async function adObjectAccount(db: Executor, id: string): Promise<string | undefined> {
  for (const table of ["ad_sets", "campaigns", "ads"] as const) {
    const row = await db.selectFrom(table).select("account_id").where("id", "=", id).executeTakeFirst();
    if (row) return row.account_id;
  }
  return undefined;
}
