import type { Executor } from "../../store/database.ts";
import type { BusinessesTable } from "../../store/schema.ts";

export type BusinessRow = BusinessesTable;

export async function insertBusiness(db: Executor, row: BusinessRow): Promise<void> {
  await db.insertInto("businesses").values(row).execute();
}

export async function findBusiness(db: Executor, id: string): Promise<BusinessRow | undefined> {
  return db.selectFrom("businesses").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function updateBusiness(
  db: Executor,
  id: string,
  changes: Partial<Pick<BusinessRow, "name" | "verification_status" | "two_factor_required">>,
): Promise<void> {
  await db.updateTable("businesses").set(changes).where("id", "=", id).execute();
}

export async function listBusinesses(db: Executor): Promise<BusinessRow[]> {
  return db.selectFrom("businesses").selectAll().orderBy("created_at").execute();
}
