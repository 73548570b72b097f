import type { Executor } from "../../store/database.ts";
import { stringList } from "../../store/jsonColumn.ts";
import type { Insertable, Selectable } from "kysely";
import type { AccessTokensTable } from "../../store/schema.ts";

export type AccessTokenRow = Selectable<AccessTokensTable>;

/** `access_tokens.scopes`: the token's scopes. */
export const tokenScopes = stringList("access_tokens.scopes");

export async function insertToken(db: Executor, row: Insertable<AccessTokensTable>): Promise<void> {
  await db.insertInto("access_tokens").values(row).execute();
}

export async function findTokenByHash(db: Executor, tokenHash: string): Promise<AccessTokenRow | undefined> {
  return db.selectFrom("access_tokens").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

export async function findTokenById(db: Executor, id: string): Promise<AccessTokenRow | undefined> {
  return db.selectFrom("access_tokens").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Inserts a token unless one with the same hash exists (a Page access token minted again). */
export async function insertTokenOnce(db: Executor, row: Insertable<AccessTokensTable>): Promise<boolean> {
  const result = await db.insertInto("access_tokens").values(row).onConflict((oc) => oc.column("token_hash").doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function touchToken(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable("access_tokens").set({ last_used_at: at }).where("id", "=", id).execute();
}

export async function revokeToken(db: Executor, id: string, at: number): Promise<void> {
  await db.updateTable("access_tokens").set({ revoked_at: at }).where("id", "=", id).where("revoked_at", "is", null).execute();
}

export async function listTokensOfPrincipal(db: Executor, principalId: string): Promise<AccessTokenRow[]> {
  return db.selectFrom("access_tokens").selectAll().where("principal_id", "=", principalId).orderBy("created_at").execute();
}

/**
 * Claims the expiry warning whose window opened at `windowOpened`: marks the token warned unless it
 * already was inside that window. One conditional UPDATE, so of racing instances one wins.
 */
export async function claimExpiryWarning(db: Executor, id: string, windowOpened: number, at: number): Promise<boolean> {
  const result = await db
    .updateTable("access_tokens")
    .set({ expiry_warned_at: at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expiry_warned_at", "is", null), eb("expiry_warned_at", "<", windowOpened)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The live (not revoked, not expired at `now`) tokens of several app grants, oldest first. */
export async function listLiveTokensOfGrants(db: Executor, grantIds: string[], now: number): Promise<AccessTokenRow[]> {
  if (grantIds.length === 0) return [];
  return db
    .selectFrom("access_tokens")
    .selectAll()
    .where("grant_id", "in", grantIds)
    .where("revoked_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .orderBy("created_at")
    .execute();
}

/** Every token of a business's system users (revoked ones too), oldest first. */
export async function listSystemUserTokensOfBusiness(db: Executor, businessId: string): Promise<AccessTokenRow[]> {
  return db
    .selectFrom("access_tokens")
    .innerJoin("system_users", "system_users.id", "access_tokens.principal_id")
    .selectAll("access_tokens")
    .where("system_users.business_id", "=", businessId)
    .orderBy("access_tokens.created_at")
    .execute();
}

/**
 * Live system-user tokens expiring after `now` and by `until`, soonest first, with their system
 * user's business and name. Page access tokens are left out: they end with the token they came from.
 */
export async function listSystemUserTokensExpiring(db: Executor, now: number, until: number) {
  return db
    .selectFrom("access_tokens")
    .innerJoin("system_users", "system_users.id", "access_tokens.principal_id")
    .select(["access_tokens.id", "access_tokens.principal_id", "access_tokens.expires_at", "access_tokens.expiry_warned_at", "access_tokens.app_id", "system_users.business_id", "system_users.name"])
    .where("access_tokens.revoked_at", "is", null)
    .where("access_tokens.parent_token_id", "is", null)
    .where("access_tokens.expires_at", ">", now)
    .where("access_tokens.expires_at", "<=", until)
    .orderBy("access_tokens.expires_at")
    .execute();
}
