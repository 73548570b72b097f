import type { Executor } from "../store/database.ts";

/** The authorization server's keys are one row, sealed. */
const sealedKeys = (db: Executor) => db.selectFrom("oauth_keys").select("sealed_jwks").where("id", "=", 1);

export async function findSealedServerKeys(db: Executor): Promise<string | undefined> {
  return (await sealedKeys(db).executeTakeFirst())?.sealed_jwks;
}

/**
 * Stores the sealed keys unless a row is there already, and returns the stored ones: of two
 * instances starting together, the first row wins and both use it.
 */
export async function storeSealedServerKeysOnce(db: Executor, sealedJwks: string, at: number): Promise<string> {
  await db
    .insertInto("oauth_keys")
    .values({ id: 1, sealed_jwks: sealedJwks, created_at: at })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  return (await sealedKeys(db).executeTakeFirstOrThrow()).sealed_jwks;
}
