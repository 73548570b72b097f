import type { Executor } from "../../store/database.ts";
import { stringList } from "../../store/jsonColumn.ts";
import type { Insertable, Selectable } from "kysely";
import type { AppGrantsTable, AppsTable } from "../../store/schema.ts";

export type AppRow = Selectable<AppsTable>;
export type AppGrantRow = Selectable<AppGrantsTable>;

/** `app_grants.scopes`: the scopes a person granted the app. */
export const grantScopes = stringList("app_grants.scopes");
/** `apps.redirect_uris` and `apps.requested_scopes`: an app's registration. */
export const appRedirectUris = stringList("apps.redirect_uris");
export const appRequestedScopes = stringList("apps.requested_scopes");

export async function insertApp(db: Executor, row: Insertable<AppsTable>): Promise<void> {
  await db.insertInto("apps").values(row).execute();
}

export async function findApp(db: Executor, id: string): Promise<AppRow | undefined> {
  return db.selectFrom("apps").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertGrant(db: Executor, row: Insertable<AppGrantsTable>, assetIds: string[], businessIds: string[] = []): Promise<void> {
  await db.insertInto("app_grants").values(row).execute();
  if (assetIds.length > 0) {
    await db
      .insertInto("app_grant_assets")
      .values(assetIds.map((asset_id) => ({ grant_id: row.id, asset_id })))
      .execute();
  }
  if (businessIds.length > 0) {
    await db
      .insertInto("app_grant_businesses")
      .values(businessIds.map((business_id) => ({ grant_id: row.id, business_id })))
      .execute();
  }
}

export async function listGrantBusinesses(db: Executor, grantId: string): Promise<string[]> {
  const rows = await db.selectFrom("app_grant_businesses").select("business_id").where("grant_id", "=", grantId).orderBy("business_id").execute();
  return rows.map((r) => r.business_id);
}

export async function removeBusinessFromGrant(db: Executor, grantId: string, businessId: string): Promise<void> {
  await db.deleteFrom("app_grant_businesses").where("grant_id", "=", grantId).where("business_id", "=", businessId).execute();
}

export async function findGrant(db: Executor, id: string): Promise<(AppGrantRow & { assetIds: string[] }) | undefined> {
  const row = await db.selectFrom("app_grants").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) return undefined;
  const assets = await db.selectFrom("app_grant_assets").select("asset_id").where("grant_id", "=", id).execute();
  return { ...row, assetIds: assets.map((a) => a.asset_id) };
}

export async function revokeGrant(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable("app_grants").set({ revoked_at: at }).where("id", "=", id).execute();
}

/** A grant as the Autopilot host's rules weigh it: who made it, and the assets and businesses it was given. */
export interface AppGrantCoverage {
  principalId: string;
  assetIds: string[];
  businessIds: string[];
}

/** Every grant of one app, live or ended (revoking one keeps its rows). */
export async function listGrantsOfApp(db: Executor, appId: string): Promise<AppGrantCoverage[]> {
  const grants = await db.selectFrom("app_grants").select(["id", "principal_id"]).where("app_id", "=", appId).orderBy("id").execute();
  if (grants.length === 0) return [];
  const assets = await db
    .selectFrom("app_grant_assets")
    .innerJoin("app_grants", "app_grants.id", "app_grant_assets.grant_id")
    .select(["app_grant_assets.grant_id", "app_grant_assets.asset_id"])
    .where("app_grants.app_id", "=", appId)
    .execute();
  const businesses = await db
    .selectFrom("app_grant_businesses")
    .innerJoin("app_grants", "app_grants.id", "app_grant_businesses.grant_id")
    .select(["app_grant_businesses.grant_id", "app_grant_businesses.business_id"])
    .where("app_grants.app_id", "=", appId)
    .execute();
  const byGrant = new Map(grants.map((g) => [g.id, { principalId: g.principal_id, assetIds: [] as string[], businessIds: [] as string[] }]));
  for (const a of assets) byGrant.get(a.grant_id)?.assetIds.push(a.asset_id);
  for (const b of businesses) byGrant.get(b.grant_id)?.businessIds.push(b.business_id);
  return [...byGrant.values()];
}

/** Live grants by one principal that include the asset. */
export async function listGrantsForAsset(db: Executor, principalIds: string[], assetId: string): Promise<AppGrantRow[]> {
  if (principalIds.length === 0) return [];
  return db
    .selectFrom("app_grants")
    .innerJoin("app_grant_assets", "app_grant_assets.grant_id", "app_grants.id")
    .selectAll("app_grants")
    .where("app_grant_assets.asset_id", "=", assetId)
    .where("app_grants.principal_id", "in", principalIds)
    .where("app_grants.revoked_at", "is", null)
    .execute();
}

export async function removeAssetFromGrant(db: Executor, grantId: string, assetId: string): Promise<void> {
  await db.deleteFrom("app_grant_assets").where("grant_id", "=", grantId).where("asset_id", "=", assetId).execute();
}

/** The access tokens issued through an app grant and not revoked yet. */
export async function liveTokenIdsOfGrant(db: Executor, appGrantId: string): Promise<string[]> {
  const rows = await db.selectFrom("access_tokens").select("id").where("grant_id", "=", appGrantId).where("revoked_at", "is", null).execute();
  return rows.map((r) => r.id);
}

/** Deletes the OAuth server's stored payloads (tokens, codes, sessions' grants) of one OAuth grant, or only those of one model. */
export async function deletePayloadsOfGrant(db: Executor, grantId: string, model?: string): Promise<void> {
  let query = db.deleteFrom("oidc_payloads").where("grant_id", "=", grantId);
  if (model) query = query.where("model", "=", model);
  await query.execute();
}

export async function setAppReviewStatus(db: Executor, id: string, status: string, at: number): Promise<void> {
  await db.updateTable("apps").set({ review_status: status, reviewed_at: at }).where("id", "=", id).execute();
}

/** An app's live grants, with the OAuth server's grant id behind each. */
export async function listLiveGrantsOfApp(db: Executor, appId: string): Promise<{ id: string; oidc_grant_id: string | null }[]> {
  return db.selectFrom("app_grants").select(["id", "oidc_grant_id"]).where("app_id", "=", appId).where("revoked_at", "is", null).execute();
}

/**
 * Live grants with their app's name and review status, oldest first: of one principal, and/or
 * reaching any of `assetIds` (none when that list is empty).
 */
export async function listLiveGrantsWithApp(db: Executor, filter: { principalId?: string; assetIds?: string[] }) {
  let query = db
    .selectFrom("app_grants")
    .innerJoin("apps", "apps.id", "app_grants.app_id")
    .select(["app_grants.id", "app_grants.app_id", "app_grants.principal_id", "app_grants.scopes", "app_grants.created_at", "apps.name", "apps.review_status"])
    .where("app_grants.revoked_at", "is", null);
  if (filter.principalId) query = query.where("app_grants.principal_id", "=", filter.principalId);
  if (filter.assetIds) {
    if (filter.assetIds.length === 0) return [];
    const ids = filter.assetIds;
    query = query.where((eb) => eb.exists(eb.selectFrom("app_grant_assets").select("grant_id").whereRef("app_grant_assets.grant_id", "=", "app_grants.id").where("app_grant_assets.asset_id", "in", ids)));
  }
  return query.orderBy("app_grants.created_at").execute();
}
