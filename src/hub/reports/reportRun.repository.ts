import type { Insertable } from "kysely";
import { z } from "zod";
import type { Executor } from "../../store/database.ts";
import type { InsightsReportRunsTable } from "../../store/schema.ts";
import { jsonColumn } from "../../store/jsonColumn.ts";
import type { InsightsQuery, InsightsRow } from "../ads/insights.service.ts";

/** `insights_report_runs.query_json`: the query a run answered; kept for the record, not read back. */
export const reportQuery = jsonColumn(
  z.custom<InsightsQuery>((value) => typeof value === "object" && value !== null && typeof (value as { objectId?: unknown }).objectId === "string"),
  "insights_report_runs.query_json",
);

/**
 * `insights_report_runs.rows_json`: a run's rows, written by the hub itself. Only the list is
 * checked, not each row: a run holds up to tens of thousands of rows, and checking every row took
 * two to three times as long as parsing them (20,000 rows, 13 MB: 70 ms to parse, 250 ms checked).
 */
export const reportRows = jsonColumn(z.array(z.custom<InsightsRow>()), "insights_report_runs.rows_json");

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
