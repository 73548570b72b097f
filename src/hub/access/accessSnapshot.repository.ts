import type { Executor } from "../../store/database.ts";

/** Reads of exactly what the access index holds, in pages so a million rows never sit in memory at once. */

const PAGE = 20_000;

async function* pagesById<T extends { id: string }>(fetch: (afterId: string) => Promise<T[]>): AsyncGenerator<T[]> {
  let after = "";
  for (;;) {
    const rows = await fetch(after);
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
    if (rows.length < PAGE) return;
  }
}

export const loadBusinesses = (db: Executor) =>
  pagesById((after) => db.selectFrom("businesses").select(["id", "name"]).where("id", ">", after).orderBy("id").limit(PAGE).execute());

export const loadPeople = (db: Executor) =>
  pagesById((after) => db.selectFrom("people").select(["id", "name"]).where("id", ">", after).orderBy("id").limit(PAGE).execute());

export const loadSystemUsers = (db: Executor) =>
  pagesById((after) =>
    db.selectFrom("system_users").select(["id", "name", "business_id", "role"]).where("id", ">", after).orderBy("id").limit(PAGE).execute(),
  );

export const loadAssets = (db: Executor) =>
  pagesById((after) =>
    db.selectFrom("assets").select(["id", "type", "owner_business_id", "name"]).where("id", ">", after).orderBy("id").limit(PAGE).execute(),
  );

export const loadActiveShares = (db: Executor) =>
  pagesById((after) =>
    db
      .selectFrom("partner_shares")
      .select(["id", "asset_id", "partner_business_id", "tasks", "ends_at"])
      .where("status", "=", "active")
      .where("id", ">", after)
      .orderBy("id")
      .limit(PAGE)
      .execute(),
  );

export const loadAssignments = (db: Executor) =>
  pagesById((after) =>
    db
      .selectFrom("assignments")
      .select(["id", "asset_id", "principal_id", "business_id", "tasks"])
      .where("id", ">", after)
      .orderBy("id")
      .limit(PAGE)
      .execute(),
  );

export async function* loadMembers(db: Executor): AsyncGenerator<{ business_id: string; person_id: string; role: string }[]> {
  let after = { business_id: "", person_id: "" };
  for (;;) {
    const rows = await db
      .selectFrom("business_members")
      .select(["business_id", "person_id", "role"])
      .where((eb) =>
        eb.or([
          eb("business_id", ">", after.business_id),
          eb.and([eb("business_id", "=", after.business_id), eb("person_id", ">", after.person_id)]),
        ]),
      )
      .orderBy("business_id")
      .orderBy("person_id")
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!;
    if (rows.length < PAGE) return;
  }
}

export async function loadLiveGrants(db: Executor): Promise<{ id: string; app_id: string; app_name: string; principal_id: string; scopes: string }[]> {
  return db
    .selectFrom("app_grants")
    .innerJoin("apps", "apps.id", "app_grants.app_id")
    .select(["app_grants.id", "app_grants.app_id", "apps.name as app_name", "app_grants.principal_id", "app_grants.scopes"])
    .where("app_grants.revoked_at", "is", null)
    .execute();
}

export async function loadGrantAssets(db: Executor, grantIds?: string[]): Promise<{ grant_id: string; asset_id: string }[]> {
  let query = db.selectFrom("app_grant_assets").select(["grant_id", "asset_id"]);
  if (grantIds) {
    if (grantIds.length === 0) return [];
    query = query.where("grant_id", "in", grantIds);
  }
  return query.execute();
}

/** Businesses picked at consent, per grant (business_management reaches only these businesses' own edges). */
export async function loadGrantBusinesses(db: Executor, grantIds?: string[]): Promise<{ grant_id: string; business_id: string }[]> {
  let query = db.selectFrom("app_grant_businesses").select(["grant_id", "business_id"]);
  if (grantIds) {
    if (grantIds.length === 0) return [];
    query = query.where("grant_id", "in", grantIds);
  }
  return query.execute();
}

export const findBusinessName = (db: Executor, id: string) =>
  db.selectFrom("businesses").select(["id", "name"]).where("id", "=", id).executeTakeFirst();
export const findPersonName = (db: Executor, id: string) =>
  db.selectFrom("people").select(["id", "name"]).where("id", "=", id).executeTakeFirst();
export const findMemberRole = (db: Executor, businessId: string, personId: string) =>
  db.selectFrom("business_members").select("role").where("business_id", "=", businessId).where("person_id", "=", personId).executeTakeFirst();
export const findSystemUserRow = (db: Executor, id: string) =>
  db.selectFrom("system_users").select(["id", "name", "business_id", "role"]).where("id", "=", id).executeTakeFirst();
export const findAssetRow = (db: Executor, id: string) =>
  db.selectFrom("assets").select(["id", "type", "owner_business_id", "name"]).where("id", "=", id).executeTakeFirst();
export const findShareRow = (db: Executor, id: string) =>
  db.selectFrom("partner_shares").select(["id", "asset_id", "partner_business_id", "tasks", "ends_at", "status"]).where("id", "=", id).executeTakeFirst();
export const findAssignmentRow = (db: Executor, id: string) =>
  db.selectFrom("assignments").select(["id", "asset_id", "principal_id", "business_id", "tasks"]).where("id", "=", id).executeTakeFirst();
export const findGrantRow = (db: Executor, id: string) =>
  db
    .selectFrom("app_grants")
    .innerJoin("apps", "apps.id", "app_grants.app_id")
    .select(["app_grants.id", "app_grants.app_id", "apps.name as app_name", "app_grants.principal_id", "app_grants.scopes", "app_grants.revoked_at"])
    .where("app_grants.id", "=", id)
    .executeTakeFirst();
