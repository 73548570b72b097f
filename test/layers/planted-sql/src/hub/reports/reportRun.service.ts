// Planted violations: a service that builds its own queries instead of calling a repository.
import { sql, type Kysely } from "kysely";
import type { PlantedTables } from "./plantedTables.ts";

export async function restart(db: Kysely<PlantedTables>, id: string): Promise<void> {
  const run = await db.selectFrom("report_runs").select("status").where("id", "=", id).executeTakeFirst();
  if (run) await db.updateTable("report_runs").set({ status: "Job Started" }).where("id", "=", id).execute();
  else await db.insertInto("report_runs").values({ id, status: "Job Started", created_at: 0 }).execute();
  await db.deleteFrom("report_runs").where("created_at", "<", 0).execute();
  await db.replaceInto("report_runs").values({ id, status: "Job Started", created_at: 0 }).execute();
  await db
    .mergeInto("report_runs as r")
    .using("report_runs as s", "r.id", "s.id")
    .whenMatched()
    .thenDelete()
    .execute();
  await sql`vacuum`.execute(db);
  await sql<number>`select 1`.execute(db);
}
