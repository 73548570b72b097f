import type { Executor } from "../../store/database.ts";
import type { BusinessInvitationsTable } from "../../store/schema.ts";

export type InvitationRow = BusinessInvitationsTable;

export async function insertInvitation(db: Executor, row: InvitationRow): Promise<void> {
  await db.insertInto("business_invitations").values(row).execute();
}

export async function findInvitation(db: Executor, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("business_invitations").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The invitation a link's token belongs to (by the token's hash), whatever its status. */
export async function findInvitationByTokenHash(db: Executor, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("business_invitations").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

export async function findPendingInvitation(db: Executor, businessId: string, email: string): Promise<InvitationRow | undefined> {
  return db
    .selectFrom("business_invitations")
    .selectAll()
    .where("business_id", "=", businessId)
    .where("email", "=", email)
    .where("status", "=", "pending")
    .executeTakeFirst();
}

export async function listPendingInvitationsFor(db: Executor, email: string, now: number): Promise<InvitationRow[]> {
  return db
    .selectFrom("business_invitations")
    .selectAll()
    .where("email", "=", email)
    .where("status", "=", "pending")
    .where("expires_at", ">", now)
    .execute();
}

/** A business's invitations not yet accepted or cancelled, expired ones included, newest first. */
export async function listPendingInvitationsOf(db: Executor, businessId: string): Promise<InvitationRow[]> {
  return db
    .selectFrom("business_invitations")
    .selectAll()
    .where("business_id", "=", businessId)
    .where("status", "=", "pending")
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .execute();
}

/**
 * Moves a pending invitation to `status`, once: false when it was no longer pending (another
 * request accepted or cancelled it first). The link's hash is kept, so the link can still say
 * what became of it.
 */
export async function closeInvitation(db: Executor, id: string, status: "accepted" | "cancelled", at: number): Promise<boolean> {
  const result = await db
    .updateTable("business_invitations")
    .set(status === "accepted" ? { status, accepted_at: at } : { status })
    .where("id", "=", id)
    .where("status", "=", "pending")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** A new link (and expiry) for a pending invitation; the previous link's hash is gone with it. */
export async function renewInvitationLink(
  db: Executor,
  id: string,
  changes: { token_hash: string; sent_at: number; expires_at: number; role?: string; invited_by?: string },
): Promise<void> {
  await db.updateTable("business_invitations").set(changes).where("id", "=", id).where("status", "=", "pending").execute();
}
