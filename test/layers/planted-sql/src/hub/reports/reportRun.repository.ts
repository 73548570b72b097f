// Allowed: a repository runs SQL.
import { sql, type Kysely } from "kysely";
import type { PlantedTables } from "./plantedTables.ts";

export async function findRun(db: Kysely<PlantedTables>, id: string): Promise<{ status: string } | undefined> {
  return db.selectFrom("report_runs").select("status").where("id", "=", id).where(sql<boolean>`1 = 1`).executeTakeFirst();
}
