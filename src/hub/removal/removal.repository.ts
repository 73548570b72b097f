import type { Executor } from "../../store/database.ts";
import type { AuditAction } from "../audit/auditActions.ts";

/** The reads a removal check needs; scoped by sub-queries so no long id lists cross the wire. */

export async function findBusinessName(db: Executor, id: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom("businesses").select(["id", "name"]).where("id", "=", id).executeTakeFirst();
}

export async function findPersonName(db: Executor, id: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom("people").select(["id", "name"]).where("id", "=", id).executeTakeFirst();
}

export async function isMember(db: Executor, businessId: string, personId: string): Promise<boolean> {
  const row = await db
    .selectFrom("business_members")
    .select("person_id")
    .where("business_id", "=", businessId)
    .where("person_id", "=", personId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Assets the business owns, by id. */
export async function listOwnedAssetIds(db: Executor, businessId: string): Promise<string[]> {
  const rows = await db.selectFrom("assets").select("id").where("owner_business_id", "=", businessId).orderBy("id").execute();
  return rows.map((r) => r.id);
}

/** Whether the owner ever offered the partner anything, or the partner asked (any status, ended ones too). */
export async function everPartners(db: Executor, ownerId: string, partnerId: string): Promise<boolean> {
  const row = await db
    .selectFrom("partner_shares")
    .select("id")
    .where("owner_business_id", "=", ownerId)
    .where("partner_business_id", "=", partnerId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Pending or active shares between an owner and a partner. */
export async function listLiveSharesBetween(db: Executor, ownerId: string, partnerId: string) {
  return db
    .selectFrom("partner_shares")
    .select(["id", "asset_id", "status"])
    .where("owner_business_id", "=", ownerId)
    .where("partner_business_id", "=", partnerId)
    .where("status", "in", ["pending", "active"])
    .orderBy("id")
    .execute();
}

/**
 * Live app grants still listing an asset of `ownerId`, held by a principal of `partnerId` that is
 * not itself part of the owner (people of both keep what the owner gives them directly).
 */
export async function listPartnerGrantsOnOwnerAssets(db: Executor, ownerId: string, partnerId: string) {
  return db
    .selectFrom("app_grants as g")
    .innerJoin("app_grant_assets as ga", "ga.grant_id", "g.id")
    .innerJoin("assets as a", "a.id", "ga.asset_id")
    .innerJoin("apps as app", "app.id", "g.app_id")
    .select(["g.id as grant_id", "g.principal_id", "app.name as app_name", "a.id as asset_id"])
    .where("a.owner_business_id", "=", ownerId)
    .where("g.revoked_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("g.principal_id", "in", eb.selectFrom("business_members").select("person_id").where("business_id", "=", partnerId)),
        eb("g.principal_id", "in", eb.selectFrom("system_users").select("id").where("business_id", "=", partnerId)),
      ]),
    )
    .where("g.principal_id", "not in", (eb) => eb.selectFrom("business_members").select("person_id").where("business_id", "=", ownerId))
    .where("g.principal_id", "not in", (eb) => eb.selectFrom("system_users").select("id").where("business_id", "=", ownerId))
    .orderBy("g.id")
    .orderBy("a.id")
    .execute();
}

/** Assignments a principal still holds through a business (on anyone's assets). */
export async function listAssignmentsThrough(db: Executor, principalId: string, businessId: string) {
  return db
    .selectFrom("assignments")
    .select(["id", "asset_id"])
    .where("principal_id", "=", principalId)
    .where("business_id", "=", businessId)
    .orderBy("id")
    .execute();
}

export async function findGrantWithAssets(db: Executor, grantId: string) {
  const grant = await db
    .selectFrom("app_grants as g")
    .innerJoin("apps as app", "app.id", "g.app_id")
    .select(["g.id", "g.principal_id", "g.revoked_at", "app.name as app_name", "app.id as app_id"])
    .where("g.id", "=", grantId)
    .executeTakeFirst();
  if (!grant) return undefined;
  const assets = await db.selectFrom("app_grant_assets").select("asset_id").where("grant_id", "=", grantId).orderBy("asset_id").execute();
  return { ...grant, assetIds: assets.map((a) => a.asset_id) };
}

/** The business's recorded removal checks (audit entries `removal.verify`), newest first. */
export async function listVerificationEntries(db: Executor, businessId: string, limit: number) {
  return db
    .selectFrom("audit_entries")
    .select(["seq", "at", "actor_type", "actor_id", "target_type", "target_id", "after_json", "outcome", "request_id"])
    .where("business_id", "=", businessId)
    .where("action", "=", "removal.verify" satisfies AuditAction)
    .orderBy("seq", "desc")
    .limit(limit)
    .execute();
}
