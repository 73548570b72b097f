import type { Executor } from "../../store/database.ts";
import type { SystemUsersTable } from "../../store/schema.ts";

export type SystemUserRow = SystemUsersTable;

export async function insertSystemUser(db: Executor, row: SystemUserRow): Promise<void> {
  await db.insertInto("system_users").values(row).execute();
}

export async function findSystemUser(db: Executor, id: string): Promise<SystemUserRow | undefined> {
  return db.selectFrom("system_users").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listSystemUsers(db: Executor, businessId: string): Promise<SystemUserRow[]> {
  return db.selectFrom("system_users").selectAll().where("business_id", "=", businessId).orderBy("created_at").execute();
}

export async function deleteSystemUser(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("system_users").where("id", "=", id).execute();
}
