import type { Executor } from "../../store/database.ts";

/**
 * What an access change touched; the index reloads that entity from the store. A `token` change
 * (revocation) has nothing to reload: it only moves the sequence, which ends cached token lookups.
 */
export type ChangeKind = "business" | "person" | "member" | "system_user" | "asset" | "share" | "assignment" | "grant" | "token";

/** Records that an entity affecting access changed, bumping the store-wide sequence. Call inside the write's transaction. */
export async function recordAccessChange(trx: Executor, kind: ChangeKind, entityId: string, at: number): Promise<number> {
  // The single-row update takes a row lock that is held until commit, so sequence order is commit order
  // and an instance catching up can never skip a change that commits late.
  const { seq } = await trx
    .updateTable("access_seq")
    .set((eb) => ({ seq: eb("seq", "+", 1) }))
    .where("id", "=", 1)
    .returning("seq")
    .executeTakeFirstOrThrow();
  await trx.insertInto("access_changes").values({ seq, kind, entity_id: entityId, at }).execute();
  return seq;
}

export async function currentAccessSeq(db: Executor): Promise<number> {
  const row = await db.selectFrom("access_seq").select("seq").where("id", "=", 1).executeTakeFirstOrThrow();
  return row.seq;
}

export async function accessChangesSince(
  db: Executor,
  seq: number,
  limit: number,
): Promise<{ seq: number; kind: ChangeKind; entity_id: string }[]> {
  const rows = await db
    .selectFrom("access_changes")
    .select(["seq", "kind", "entity_id"])
    .where("seq", ">", seq)
    .orderBy("seq")
    .limit(limit)
    .execute();
  return rows as { seq: number; kind: ChangeKind; entity_id: string }[];
}
