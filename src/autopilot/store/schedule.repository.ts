import type { AutopilotExecutor } from "./database.ts";
import type { AutopilotScheduleTable } from "./schema.ts";

export type ScheduleRow = AutopilotScheduleTable;
export type ScheduledJob = "scan" | "monitors";

/** A workspace the schedule serves (it has an active connection), and whether one of those was never scanned. */
export interface SchedulableWorkspace {
  id: string;
  unscanned: boolean;
}

/** Workspaces with at least one active connection; `unscanned` when one of them has no scan at all (not even a failed one). */
export async function listSchedulableWorkspaces(db: AutopilotExecutor): Promise<SchedulableWorkspace[]> {
  const rows = await db
    .selectFrom("autopilot_connections as c")
    .select((eb) => [
      "c.workspace_id",
      eb
        .exists(eb.selectFrom("autopilot_scans as s").select("s.id").whereRef("s.connection_id", "=", "c.id"))
        .as("scanned"),
    ])
    .where("c.status", "=", "active")
    .orderBy("c.workspace_id")
    .execute();
  const out = new Map<string, SchedulableWorkspace>();
  for (const row of rows) {
    const entry = out.get(row.workspace_id) ?? { id: row.workspace_id, unscanned: false };
    // SQLite answers EXISTS with 0/1, PostgreSQL with a boolean.
    if (!row.scanned) entry.unscanned = true;
    out.set(row.workspace_id, entry);
  }
  return [...out.values()];
}

/** Adds the job's row unless it exists (several instances may try at once). */
export async function ensureScheduleRow(db: AutopilotExecutor, workspaceId: string, job: ScheduledJob, nextDueAt: number): Promise<void> {
  await db
    .insertInto("autopilot_schedule")
    .values({ workspace_id: workspaceId, job, next_due_at: nextDueAt, lease_until: null, runs: 0, failures: 0, last_run_at: null, last_outcome_json: null })
    .onConflict((oc) => oc.columns(["workspace_id", "job"]).doNothing())
    .execute();
}

/** Makes the job due now if it was due later (a new connection waits for its first scan). */
export async function bringForward(db: AutopilotExecutor, workspaceId: string, job: ScheduledJob, now: number): Promise<void> {
  await db.updateTable("autopilot_schedule").set({ next_due_at: now }).where("workspace_id", "=", workspaceId).where("job", "=", job).where("next_due_at", ">", now).execute();
}

/** Every job's row (one read a tick: which rows are missing, which are due). */
export async function listAllScheduleRows(db: AutopilotExecutor): Promise<ScheduleRow[]> {
  return db.selectFrom("autopilot_schedule").selectAll().orderBy("next_due_at").orderBy("workspace_id").orderBy("job").execute();
}

/**
 * Takes a due job for one run: a single conditional UPDATE, so of several instances racing for it
 * exactly one sees it change. Returns the run's number (to finish it with), or undefined if another
 * instance took it first or it is no longer due.
 */
export async function claimJob(db: AutopilotExecutor, workspaceId: string, job: ScheduledJob, now: number, leaseUntil: number): Promise<number | undefined> {
  const claimed = await db
    .updateTable("autopilot_schedule")
    .set((eb) => ({ lease_until: leaseUntil, runs: eb("runs", "+", 1) }))
    .where("workspace_id", "=", workspaceId)
    .where("job", "=", job)
    .where("next_due_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
    .returning("runs")
    .executeTakeFirst();
  return claimed === undefined ? undefined : Number(claimed.runs);
}

/**
 * Records a run's end and when the job is next due, only if the row is still this run's (an
 * instance whose lease ran out and was taken over must not overwrite the newer run). Returns whether it did.
 */
export async function finishJob(
  db: AutopilotExecutor,
  workspaceId: string,
  job: ScheduledJob,
  run: number,
  values: { next_due_at: number; failures: number; last_run_at: number; last_outcome_json: string },
): Promise<boolean> {
  const result = await db
    .updateTable("autopilot_schedule")
    .set({ ...values, lease_until: null })
    .where("workspace_id", "=", workspaceId)
    .where("job", "=", job)
    .where("runs", "=", run)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listScheduleRows(db: AutopilotExecutor, workspaceId: string): Promise<ScheduleRow[]> {
  return db.selectFrom("autopilot_schedule").selectAll().where("workspace_id", "=", workspaceId).orderBy("job").execute();
}
