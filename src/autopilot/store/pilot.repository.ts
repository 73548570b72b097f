import type { AutopilotExecutor } from "./database.ts";
import type { AutopilotPilotBaselineTable, AutopilotPilotsTable } from "./schema.ts";

export type PilotRow = AutopilotPilotsTable;
export type PilotBaselineRow = AutopilotPilotBaselineTable;

/** A pilot and its baseline days, written together. */
export async function insertPilot(db: AutopilotExecutor, row: PilotRow, baseline: PilotBaselineRow[]): Promise<void> {
  await db.insertInto("autopilot_pilots").values(row).execute();
  for (let i = 0; i < baseline.length; i += 500) {
    await db.insertInto("autopilot_pilot_baseline").values(baseline.slice(i, i + 500)).execute();
  }
}

/**
 * Holds the workspace's row until the transaction ends, so that two pilots starting at once are
 * checked one after the other (PostgreSQL's row lock; SQLite runs one transaction at a time anyway).
 */
export async function lockWorkspaceForPilots(trx: AutopilotExecutor, workspaceId: string): Promise<void> {
  await trx.updateTable("autopilot_workspaces").set((eb) => ({ id: eb.ref("id") })).where("id", "=", workspaceId).execute();
}

const numbers = (r: PilotRow): PilotRow => ({ ...r, days: Number(r.days), created_at: Number(r.created_at), stopped_at: r.stopped_at === null ? null : Number(r.stopped_at) });

export async function findPilot(db: AutopilotExecutor, workspaceId: string, id: string): Promise<PilotRow | undefined> {
  const row = await db.selectFrom("autopilot_pilots").selectAll().where("workspace_id", "=", workspaceId).where("id", "=", id).executeTakeFirst();
  return row && numbers(row);
}

/** The workspace's pilots, newest first. */
export async function listPilots(db: AutopilotExecutor, workspaceId: string): Promise<PilotRow[]> {
  const rows = await db.selectFrom("autopilot_pilots").selectAll().where("workspace_id", "=", workspaceId).orderBy("created_at", "desc").orderBy("id", "desc").execute();
  return rows.map(numbers);
}

/** Ends a running pilot; false when it was no longer running. */
export async function stopPilot(db: AutopilotExecutor, id: string, at: number): Promise<boolean> {
  const result = await db.updateTable("autopilot_pilots").set({ status: "stopped", stopped_at: at }).where("id", "=", id).where("status", "=", "running").executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listBaseline(db: AutopilotExecutor, pilotId: string): Promise<PilotBaselineRow[]> {
  const rows = await db.selectFrom("autopilot_pilot_baseline").selectAll().where("pilot_id", "=", pilotId).orderBy("date").orderBy("ad_account_id").execute();
  return rows.map((r) => ({ ...r, spend: Number(r.spend), conversions: Number(r.conversions), revenue: Number(r.revenue) }));
}
