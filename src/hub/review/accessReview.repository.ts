import { sql } from "kysely";
import type { Executor } from "../../store/database.ts";
import { ACTION_NAMES } from "../catalogue/actions.ts";
import { ACTION_BITS } from "./findings.ts";
import type { AuditAction } from "../audit/auditActions.ts";

/**
 * The reads an access review needs, each scoped to one business's own assets and people through
 * sub-queries (never long id lists), and aggregated in SQL so the audit log is not loaded row by row.
 */

export interface ReviewBusinessRow {
  id: string;
  name: string;
  verification_status: string;
  two_factor_required: number;
}

export async function findReviewBusiness(db: Executor, businessId: string): Promise<ReviewBusinessRow | undefined> {
  return db
    .selectFrom("businesses")
    .select(["id", "name", "verification_status", "two_factor_required"])
    .where("id", "=", businessId)
    .executeTakeFirst();
}

/** Active shares of the business's assets, with the partner's name. */
export async function listActiveSharesOwnedBy(db: Executor, businessId: string) {
  return db
    .selectFrom("partner_shares as s")
    .innerJoin("businesses as p", "p.id", "s.partner_business_id")
    .select(["s.id", "s.asset_id", "s.partner_business_id", "p.name as partner_name", "s.tasks", "s.ends_at", "s.created_at", "s.updated_at"])
    .where("s.owner_business_id", "=", businessId)
    .where("s.status", "=", "active")
    .orderBy("s.id")
    .execute();
}

/** Assignments the business itself made on its own assets (partners' assignments are theirs to review). */
export async function listOwnAssignments(db: Executor, businessId: string) {
  return db
    .selectFrom("assignments as a")
    .innerJoin("assets as x", "x.id", "a.asset_id")
    .select(["a.id", "a.asset_id", "a.principal_id", "a.principal_type", "a.tasks", "a.created_at"])
    .where("a.business_id", "=", businessId)
    .where("x.owner_business_id", "=", businessId)
    .orderBy("a.id")
    .execute();
}

/**
 * Assignments the business made of its own people and system users on its clients' assets (assets
 * other businesses share with it through an active share): its grants to review as much as those on
 * its own assets. The client reviews the share; the business reviews who it staffed on it.
 */
export async function listClientAssignments(db: Executor, businessId: string) {
  return db
    .selectFrom("assignments as a")
    .select(["a.id", "a.asset_id", "a.principal_id", "a.principal_type", "a.tasks", "a.created_at"])
    .where("a.business_id", "=", businessId)
    .where("a.asset_id", "in", (eb) => eb.selectFrom("partner_shares").select("asset_id").where("partner_business_id", "=", businessId).where("status", "=", "active"))
    .orderBy("a.id")
    .execute();
}

/** Ids of the assets other businesses share with the business through an active share. */
export async function listClientAssetIds(db: Executor, businessId: string): Promise<string[]> {
  const rows = await db
    .selectFrom("partner_shares")
    .select("asset_id")
    .where("partner_business_id", "=", businessId)
    .where("status", "=", "active")
    .orderBy("asset_id")
    .execute();
  return rows.map((r) => r.asset_id);
}

export async function listMembers(db: Executor, businessId: string) {
  return db
    .selectFrom("business_members as m")
    .innerJoin("people as p", "p.id", "m.person_id")
    .leftJoin("person_credentials as c", "c.person_id", "m.person_id")
    .select(["p.id", "p.name", "m.role", "m.created_at", "c.totp_enabled"])
    .where("m.business_id", "=", businessId)
    .orderBy("p.id")
    .execute();
}

/** System users of the business with their live (unrevoked, unexpired) tokens' use. */
export async function listSystemUserTokenUse(db: Executor, businessId: string, now: number) {
  const users = await db
    .selectFrom("system_users")
    .select(["id", "name", "role", "created_at"])
    .where("business_id", "=", businessId)
    .orderBy("id")
    .execute();
  const tokens = await db
    .selectFrom("access_tokens as t")
    .innerJoin("system_users as u", "u.id", "t.principal_id")
    .select(["t.id", "t.principal_id", "t.created_at", "t.last_used_at"])
    .where("u.business_id", "=", businessId)
    .where("t.revoked_at", "is", null)
    .where((eb) => eb.or([eb("t.expires_at", "is", null), eb("t.expires_at", ">", now)]))
    .orderBy("t.id")
    .execute();
  return users.map((u) => ({ ...u, tokens: tokens.filter((t) => t.principal_id === u.id) }));
}

/** Live app grants that include one of the business's assets, with the app and its business's verification. */
export async function listAppGrantsOnAssetsOf(db: Executor, businessId: string) {
  return db
    .selectFrom("app_grant_assets as ga")
    .innerJoin("assets as x", "x.id", "ga.asset_id")
    .innerJoin("app_grants as g", "g.id", "ga.grant_id")
    .innerJoin("apps as app", "app.id", "g.app_id")
    .innerJoin("businesses as ab", "ab.id", "app.business_id")
    .select([
      "g.id as grant_id",
      "g.app_id",
      "app.name as app_name",
      "app.business_id as app_business_id",
      "ab.name as app_business_name",
      "ab.verification_status",
      "g.principal_id",
      "g.principal_type",
      "g.scopes",
      "g.created_at",
      "ga.asset_id",
    ])
    .where("x.owner_business_id", "=", businessId)
    .where("g.revoked_at", "is", null)
    .orderBy("g.id")
    .orderBy("ga.asset_id")
    .execute();
}

export interface UseRow {
  actor_id: string;
  asset_id: string;
  /** Read as an AuditAction, as AuditRow's is. */
  action: AuditAction;
  target_type: string | null;
  last_at: number;
}

/** Which assets a read covers: the business's own, or its clients' (shared with it). */
export type ReviewSide = "owned" | "client";

type AdObjectTable = "campaigns" | "ad_sets" | "ads" | "ad_creatives";
const AD_OBJECT_TABLES: readonly AdObjectTable[] = ["campaigns", "ad_sets", "ads", "ad_creatives"];

/** Its clients' assets: those shared with the business by an active share. */
function clientAssetIds(db: Executor, businessId: string) {
  return db.selectFrom("partner_shares").select("asset_id").where("partner_business_id", "=", businessId).where("status", "=", "active");
}

/** The business's own people and system users. */
function ownPrincipalIds(db: Executor, businessId: string) {
  return db
    .selectFrom("business_members")
    .select("person_id as id")
    .where("business_id", "=", businessId)
    .union(db.selectFrom("system_users").select("id").where("business_id", "=", businessId));
}

/**
 * Successful audited actions by a principal since `since` on one of the business's assets: entries
 * that target the asset itself, and entries that target an ad object (campaign, ad set, ad, creative)
 * under one of its ad accounts. One row per actor, asset, action and target type, with the latest time.
 * `side` "client": the same on its clients' assets, by its own people and system users only (the
 * client's people are the client's to review).
 */
export async function listUseSince(db: Executor, businessId: string, since: number, side: ReviewSide = "owned"): Promise<UseRow[]> {
  const direct = await db
    .selectFrom("audit_entries as e")
    .innerJoin("assets as x", "x.id", "e.target_id")
    .select(({ fn }) => ["e.actor_id", "x.id as asset_id", "e.action", "e.target_type", fn.max("e.at").as("last_at")])
    .where((eb) => (side === "owned" ? eb("x.owner_business_id", "=", businessId) : eb.and([eb("x.id", "in", clientAssetIds(db, businessId)), eb("e.actor_id", "in", ownPrincipalIds(db, businessId))])))
    .where("e.at", ">=", since)
    .where("e.outcome", "=", "success")
    .where("e.actor_id", "is not", null)
    .groupBy(["e.actor_id", "x.id", "e.action", "e.target_type"])
    .execute();
  const rows = [...direct];
  for (const table of AD_OBJECT_TABLES) {
    const viaObject = await db
      .selectFrom("audit_entries as e")
      .innerJoin(`${table} as o` as "campaigns as o", "o.id", "e.target_id")
      .innerJoin("assets as x", "x.id", "o.account_id")
      .select(({ fn }) => ["e.actor_id", "x.id as asset_id", "e.action", "e.target_type", fn.max("e.at").as("last_at")])
      .where((eb) => (side === "owned" ? eb("x.owner_business_id", "=", businessId) : eb.and([eb("x.id", "in", clientAssetIds(db, businessId)), eb("e.actor_id", "in", ownPrincipalIds(db, businessId))])))
      .where("e.at", ">=", since)
      .where("e.outcome", "=", "success")
      .where("e.actor_id", "is not", null)
      .groupBy(["e.actor_id", "x.id", "e.action", "e.target_type"])
      .execute();
    rows.push(...viaObject);
  }
  return rows.map((r) => ({
    actor_id: r.actor_id!,
    asset_id: r.asset_id,
    action: r.action as AuditAction,
    target_type: r.target_type,
    last_at: Number(r.last_at),
  }));
}

/** The latest audit entry (any outcome) of each of the business's people and system users since `since`. */
export async function lastActivitySince(db: Executor, businessId: string, since: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("audit_entries as e")
    .select(({ fn }) => ["e.actor_id", fn.max("e.at").as("last_at")])
    .where("e.at", ">=", since)
    .where((eb) =>
      eb.or([
        eb("e.actor_id", "in", eb.selectFrom("business_members").select("person_id").where("business_id", "=", businessId)),
        eb("e.actor_id", "in", eb.selectFrom("system_users").select("id").where("business_id", "=", businessId)),
      ]),
    )
    .groupBy("e.actor_id")
    .execute();
  return new Map(rows.map((r) => [r.actor_id!, Number(r.last_at)]));
}

/** Names and types of the business's assets, by id. */
export async function listAssetsOwnedBy(db: Executor, businessId: string) {
  return db.selectFrom("assets").select(["id", "name", "type"]).where("owner_business_id", "=", businessId).orderBy("id").execute();
}

/** Use of one asset by one principal: the catalogue actions used, as `ACTION_BITS`, and the latest use. */
export interface PooledUseRow {
  actor_id: string;
  asset_id: string;
  actions: number;
  last_at: number;
}

/**
 * The same use as `listUseSince`, read from the usage rollup instead of the audit log and pooled in
 * SQL: one row per principal and asset used since `since`, with the actions used (a sum of distinct
 * action bits is their union) and the latest use. The rollup keeps each key's latest use, and a key
 * was used in the window exactly when that latest use is in it.
 */
export async function listRolledUpUseSince(db: Executor, businessId: string, since: number, side: ReviewSide = "owned"): Promise<PooledUseRow[]> {
  const bits = sql.join(
    ACTION_NAMES.map((name) => sql`when ${sql.lit(name)} then ${sql.lit(ACTION_BITS.get(name)!)}`),
    sql` `,
  );
  return db
    .selectFrom("usage_rollup as u")
    .innerJoin("assets as x", "x.id", "u.asset_id")
    .select(({ fn }) => ["u.principal_id as actor_id", "u.asset_id", sql<number>`sum(distinct case u.action ${bits} end)`.as("actions"), fn.max("u.last_at").as("last_at")])
    .where((eb) => (side === "owned" ? eb("x.owner_business_id", "=", businessId) : eb.and([eb("x.id", "in", clientAssetIds(db, businessId)), eb("u.principal_id", "in", ownPrincipalIds(db, businessId))])))
    .where("u.last_at", ">=", since)
    .where("u.action", "in", ACTION_NAMES)
    .groupBy(["u.asset_id", "u.principal_id"])
    .execute();
}

/** `lastActivitySince` read from the principals' latest-activity table instead of the audit log. */
export async function lastRolledUpActivitySince(db: Executor, businessId: string, since: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("principal_activity as a")
    .select(["a.principal_id", "a.last_at"])
    .where("a.last_at", ">=", since)
    .where((eb) =>
      eb.or([
        eb("a.principal_id", "in", eb.selectFrom("business_members").select("person_id").where("business_id", "=", businessId)),
        eb("a.principal_id", "in", eb.selectFrom("system_users").select("id").where("business_id", "=", businessId)),
      ]),
    )
    .execute();
  return new Map(rows.map((r) => [r.principal_id, Number(r.last_at)]));
}
