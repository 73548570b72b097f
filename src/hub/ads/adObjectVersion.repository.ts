import type { Executor } from "../../store/database.ts";

/**
 * Moves the account's ad-object version; call inside the write's transaction. The row lock it takes
 * is held until commit, so writes to one account's ad objects take turns, as their own row locks
 * already make them.
 */
export async function bumpAdObjectVersion(db: Executor, accountId: string): Promise<void> {
  await db
    .insertInto("ad_object_versions")
    .values({ account_id: accountId, version: 1 })
    .onConflict((oc) => oc.column("account_id").doUpdateSet((eb) => ({ version: eb("ad_object_versions.version", "+", 1) })))
    .execute();
}

/** The account's ad-object version; 0 before its first write. */
export async function adObjectVersion(db: Executor, accountId: string): Promise<number> {
  const row = await db.selectFrom("ad_object_versions").select("version").where("account_id", "=", accountId).executeTakeFirst();
  return row?.version ?? 0;
}
