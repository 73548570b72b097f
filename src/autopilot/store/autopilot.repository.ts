import type { AutopilotExecutor } from "./database.ts";
import type {
  AutopilotActionsTable,
  AutopilotAlertsTable,
  AutopilotConnectionsTable,
  AutopilotInsightsTable,
  AutopilotLinkChecksTable,
  AutopilotScansTable,
  AutopilotWorkspacesTable,
} from "./schema.ts";

export type WorkspaceRow = AutopilotWorkspacesTable;
export type ConnectionRow = AutopilotConnectionsTable;
export type ScanRow = AutopilotScansTable;
export type InsightRow = AutopilotInsightsTable;
export type ActionRow = AutopilotActionsTable;
export type AlertRow = AutopilotAlertsTable;
export type LinkCheckRow = AutopilotLinkChecksTable;

export async function insertWorkspace(db: AutopilotExecutor, row: WorkspaceRow): Promise<void> {
  await db.insertInto("autopilot_workspaces").values(row).execute();
}

export async function findWorkspace(db: AutopilotExecutor, idOrName: string): Promise<WorkspaceRow | undefined> {
  return db
    .selectFrom("autopilot_workspaces")
    .selectAll()
    .where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)]))
    .executeTakeFirst();
}

export async function updateWorkspace(db: AutopilotExecutor, id: string, values: Partial<WorkspaceRow>): Promise<void> {
  await db.updateTable("autopilot_workspaces").set(values).where("id", "=", id).execute();
}

export async function insertConnection(db: AutopilotExecutor, row: ConnectionRow): Promise<void> {
  await db.insertInto("autopilot_connections").values(row).execute();
}

export async function findConnection(db: AutopilotExecutor, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom("autopilot_connections").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findConnectionByAccount(db: AutopilotExecutor, workspaceId: string, accountId: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom("autopilot_connections").selectAll().where("workspace_id", "=", workspaceId).where("ad_account_id", "=", accountId).executeTakeFirst();
}

export async function listConnections(db: AutopilotExecutor, workspaceId: string): Promise<ConnectionRow[]> {
  return db.selectFrom("autopilot_connections").selectAll().where("workspace_id", "=", workspaceId).orderBy("created_at").orderBy("id").execute();
}

export async function updateConnection(db: AutopilotExecutor, id: string, values: Partial<ConnectionRow>): Promise<void> {
  await db.updateTable("autopilot_connections").set(values).where("id", "=", id).execute();
}

export async function insertScan(db: AutopilotExecutor, row: ScanRow): Promise<void> {
  await db.insertInto("autopilot_scans").values(row).execute();
}

export async function updateScan(db: AutopilotExecutor, id: string, values: Partial<ScanRow>): Promise<void> {
  await db.updateTable("autopilot_scans").set(values).where("id", "=", id).execute();
}

export async function findScan(db: AutopilotExecutor, id: string): Promise<ScanRow | undefined> {
  return db.selectFrom("autopilot_scans").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function latestCompletedScan(db: AutopilotExecutor, connectionId: string): Promise<ScanRow | undefined> {
  return db
    .selectFrom("autopilot_scans")
    .selectAll()
    .where("connection_id", "=", connectionId)
    .where("status", "=", "completed")
    .orderBy("finished_at", "desc")
    .orderBy("id", "desc")
    .executeTakeFirst();
}

/** The workspace's most recently finished scan, by any connection and however it was started (schedule, a person, the CLI). */
export async function latestFinishedScanOfWorkspace(db: AutopilotExecutor, workspaceId: string): Promise<Pick<ScanRow, "status" | "rows" | "finished_at" | "error"> | undefined> {
  return db
    .selectFrom("autopilot_scans as s")
    .innerJoin("autopilot_connections as c", "c.id", "s.connection_id")
    .select(["s.status", "s.rows", "s.finished_at", "s.error"])
    .where("c.workspace_id", "=", workspaceId)
    .where("s.finished_at", "is not", null)
    .orderBy("s.finished_at", "desc")
    .orderBy("s.id", "desc")
    .executeTakeFirst();
}

/** Writes a batch of scanned rows (in chunks small enough for either dialect's parameter limit). */
export async function insertInsights(db: AutopilotExecutor, rows: InsightRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    await db.insertInto("autopilot_insights").values(rows.slice(i, i + 500)).execute();
  }
}

export async function listInsights(db: AutopilotExecutor, scanId: string): Promise<InsightRow[]> {
  const rows = await db.selectFrom("autopilot_insights").selectAll().where("scan_id", "=", scanId).orderBy("date").orderBy("ad_id").execute();
  return rows.map((r) => ({
    ...r,
    impressions: Number(r.impressions),
    clicks: Number(r.clicks),
    spend: Number(r.spend),
    conversions: Number(r.conversions),
    revenue: Number(r.revenue),
  }));
}

/** Older scans of the connection give way to the new one: their rows are dropped, their status says so. */
export async function supersedeScans(db: AutopilotExecutor, connectionId: string, keepScanId: string): Promise<void> {
  const old = db.selectFrom("autopilot_scans").select("id").where("connection_id", "=", connectionId).where("id", "!=", keepScanId);
  await db.deleteFrom("autopilot_insights").where("scan_id", "in", old).execute();
  await db
    .updateTable("autopilot_scans")
    .set({ status: "superseded", objects_json: null })
    .where("connection_id", "=", connectionId)
    .where("id", "!=", keepScanId)
    .where("status", "=", "completed")
    .execute();
}

export async function insertAction(db: AutopilotExecutor, row: ActionRow): Promise<void> {
  await db.insertInto("autopilot_actions").values(row).execute();
}

export async function findAction(db: AutopilotExecutor, id: string): Promise<ActionRow | undefined> {
  return db.selectFrom("autopilot_actions").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findActionByKey(db: AutopilotExecutor, key: string): Promise<ActionRow | undefined> {
  return db.selectFrom("autopilot_actions").selectAll().where("idempotency_key", "=", key).executeTakeFirst();
}

export async function updateAction(db: AutopilotExecutor, id: string, values: Partial<ActionRow>): Promise<void> {
  await db.updateTable("autopilot_actions").set(values).where("id", "=", id).execute();
}

/**
 * Moves an action from one state to another only if it is still in the expected state; false when
 * someone else moved it first (two approvals, two runners), so a write happens once.
 */
export async function claimAction(db: AutopilotExecutor, id: string, from: string[], to: string, values: Partial<ActionRow> = {}): Promise<boolean> {
  const result = await db.updateTable("autopilot_actions").set({ ...values, state: to }).where("id", "=", id).where("state", "in", from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function listActions(db: AutopilotExecutor, workspaceId: string, options: { states?: string[]; limit?: number } = {}): Promise<ActionRow[]> {
  let query = db.selectFrom("autopilot_actions").selectAll().where("workspace_id", "=", workspaceId);
  if (options.states) query = query.where("state", "in", options.states);
  return query
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(options.limit ?? 100)
    .execute();
}

/** The workspace's actions created in [from, to), oldest first. */
export async function actionsOfWorkspaceBetween(db: AutopilotExecutor, workspaceId: string, from: number, to: number): Promise<ActionRow[]> {
  return db.selectFrom("autopilot_actions").selectAll().where("workspace_id", "=", workspaceId).where("created_at", ">=", from).where("created_at", "<", to).orderBy("created_at").orderBy("id").execute();
}

export async function actionsOnConnectionSince(db: AutopilotExecutor, connectionId: string, since: number): Promise<ActionRow[]> {
  return db.selectFrom("autopilot_actions").selectAll().where("connection_id", "=", connectionId).where("created_at", ">=", since).orderBy("created_at").execute();
}

export async function insertAlert(db: AutopilotExecutor, row: AlertRow): Promise<void> {
  await db.insertInto("autopilot_alerts").values(row).execute();
}

export async function updateAlert(db: AutopilotExecutor, id: string, values: Partial<AlertRow>): Promise<void> {
  await db.updateTable("autopilot_alerts").set(values).where("id", "=", id).execute();
}

export async function findAlertSince(db: AutopilotExecutor, workspaceId: string, dedupKey: string, since: number): Promise<AlertRow | undefined> {
  return db
    .selectFrom("autopilot_alerts")
    .selectAll()
    .where("workspace_id", "=", workspaceId)
    .where("dedup_key", "=", dedupKey)
    .where("created_at", ">=", since)
    .executeTakeFirst();
}

export async function listAlerts(db: AutopilotExecutor, workspaceId: string, limit = 100): Promise<AlertRow[]> {
  return db.selectFrom("autopilot_alerts").selectAll().where("workspace_id", "=", workspaceId).orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
}

/** Records a landing-page check and forgets the connection's checks older than `keepSince`. */
export async function insertLinkCheck(db: AutopilotExecutor, row: LinkCheckRow, keepSince: number): Promise<void> {
  await db.insertInto("autopilot_link_checks").values(row).execute();
  await db.deleteFrom("autopilot_link_checks").where("connection_id", "=", row.connection_id).where("checked_at", "<", keepSince).execute();
}

export async function linkChecksSince(db: AutopilotExecutor, connectionId: string, since: number): Promise<LinkCheckRow[]> {
  const rows = await db.selectFrom("autopilot_link_checks").selectAll().where("connection_id", "=", connectionId).where("checked_at", ">=", since).orderBy("checked_at").execute();
  return rows.map((r) => ({ ...r, checked_at: Number(r.checked_at) }));
}
