import type { Executor } from "../../store/database.ts";
import type { Insertable, Selectable } from "kysely";
import type { AccessTokensTable } from "../../store/schema.ts";

export type AccessTokenRow = Selectable<AccessTokensTable>;

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
