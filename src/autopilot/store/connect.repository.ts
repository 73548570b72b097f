import type { AutopilotExecutor } from "./database.ts";
import type { AutopilotOAuthClientsTable, AutopilotOAuthFlowsTable } from "./schema.ts";

export type OAuthClientRow = AutopilotOAuthClientsTable;
export type OAuthFlowRow = AutopilotOAuthFlowsTable;

export async function insertOAuthClient(db: AutopilotExecutor, row: OAuthClientRow): Promise<void> {
  await db.insertInto("autopilot_oauth_clients").values(row).execute();
}

/** The registration in use: the latest one. */
export async function latestOAuthClient(db: AutopilotExecutor): Promise<OAuthClientRow | undefined> {
  return db.selectFrom("autopilot_oauth_clients").selectAll().orderBy("created_at", "desc").orderBy("id", "desc").executeTakeFirst();
}

export async function findOAuthClient(db: AutopilotExecutor, id: string): Promise<OAuthClientRow | undefined> {
  return db.selectFrom("autopilot_oauth_clients").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertOAuthFlow(db: AutopilotExecutor, row: OAuthFlowRow): Promise<void> {
  await db.insertInto("autopilot_oauth_flows").values(row).execute();
}

export async function findOAuthFlow(db: AutopilotExecutor, stateHash: string): Promise<OAuthFlowRow | undefined> {
  return db.selectFrom("autopilot_oauth_flows").selectAll().where("state_hash", "=", stateHash).executeTakeFirst();
}

/** Marks the flow used; false when another callback used it first (a state is good once). */
export async function claimOAuthFlow(db: AutopilotExecutor, stateHash: string, now: number): Promise<boolean> {
  const result = await db.updateTable("autopilot_oauth_flows").set({ finished_at: now }).where("state_hash", "=", stateHash).where("finished_at", "is", null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Flows older than `before` are of no use any more. */
export async function deleteOAuthFlowsBefore(db: AutopilotExecutor, before: number): Promise<void> {
  await db.deleteFrom("autopilot_oauth_flows").where("expires_at", "<", before).execute();
}

/** The workspaces run for one advertiser business (the console shows them on the business's Autopilot page). */
export async function listWorkspacesOfBusiness(db: AutopilotExecutor, businessId: string): Promise<{ id: string }[]> {
  return db.selectFrom("autopilot_workspaces").select("id").where("business_id", "=", businessId).orderBy("created_at").orderBy("id").execute();
}
