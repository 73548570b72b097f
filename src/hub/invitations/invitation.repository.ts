import type { Executor } from "../../store/database.ts";
import type { BusinessInvitationsTable } from "../../store/schema.ts";

export type InvitationRow = BusinessInvitationsTable;

export async function insertInvitation(db: Executor, row: InvitationRow): Promise<void> {
  await db.insertInto("business_invitations").values(row).execute();
}

export async function findInvitation(db: Executor, id: string): Promise<InvitationRow | undefined> {
  return db.selectFrom("business_invitations").selectAll().where("id", "=", id).executeTakeFirst();
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

export async function listPendingInvitationsOf(db: Executor, businessId: string, now: number): Promise<InvitationRow[]> {
  return db
    .selectFrom("business_invitations")
    .selectAll()
    .where("business_id", "=", businessId)
    .where("status", "=", "pending")
    .where("expires_at", ">", now)
    .orderBy("created_at", "desc")
    .execute();
}

export async function setInvitationStatus(db: Executor, id: string, status: string, at: number): Promise<void> {
  await db
    .updateTable("business_invitations")
    .set(status === "accepted" ? { status, accepted_at: at } : { status })
    .where("id", "=", id)
    .execute();
}
