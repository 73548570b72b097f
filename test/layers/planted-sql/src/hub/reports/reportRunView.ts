/*
 * Allowed: SQL named in comments only. A run is read with findRun (db.selectFrom("report_runs")),
 * never with a sql`select …` template here.
 */

// Nor is this a call: db.insertInto("report_runs").
export const viewOf = (run: { status: string }): string => run.status;
