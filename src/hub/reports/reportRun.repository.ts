import type { Insertable } from "kysely";
import type { Executor } from "../../store/database.ts";
import type { InsightsReportRunsTable } from "../../store/schema.ts";

export async function insertReportRun(db: Executor, row: Insertable<InsightsReportRunsTable>): Promise<void> {
  await db.insertInto("insights_report_runs").values(row).execute();
}

/** A run without its query and rows. */
export async function findReportRun(db: Executor, id: string) {
  return db
    .selectFrom("insights_report_runs")
    .select(["id", "account_id", "principal_id", "status", "created_at", "completed_at"])
    .where("id", "=", id)
    .executeTakeFirst();
}

/** A run's rows as stored (JSON); undefined when there is no such run. */
export async function findReportRunRowsJson(db: Executor, id: string): Promise<string | null | undefined> {
  return (await db.selectFrom("insights_report_runs").select("rows_json").where("id", "=", id).executeTakeFirst())?.rows_json;
}

/** The ad account of a campaign, ad set or ad. */
export async function findAccountOfAdObject(db: Executor, objectId: string): Promise<string | undefined> {
  const found = await db
    .selectFrom("campaigns")
    .select("account_id")
    .where("id", "=", objectId)
    .union(db.selectFrom("ad_sets").select("account_id").where("id", "=", objectId))
    .union(db.selectFrom("ads").select("account_id").where("id", "=", objectId))
    .executeTakeFirst();
  return found?.account_id;
}
