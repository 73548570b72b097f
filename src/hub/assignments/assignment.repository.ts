import type { Executor } from "../../store/database.ts";
import { stringList } from "../../store/jsonColumn.ts";
import type { AssignmentsTable } from "../../store/schema.ts";

export type AssignmentRow = AssignmentsTable;

/** `assignments.tasks`: the tasks a principal holds on the asset. */
export const assignmentTasks = stringList("assignments.tasks");

export async function insertAssignment(db: Executor, row: AssignmentRow): Promise<void> {
  await db.insertInto("assignments").values(row).execute();
}

export async function findAssignment(
  db: Executor,
  assetId: string,
  principalId: string,
  businessId: string,
): Promise<AssignmentRow | undefined> {
  return db
    .selectFrom("assignments")
    .selectAll()
    .where("asset_id", "=", assetId)
    .where("principal_id", "=", principalId)
    .where("business_id", "=", businessId)
    .executeTakeFirst();
}

export async function updateAssignmentTasks(db: Executor, id: string, tasks: string): Promise<void> {
  await db.updateTable("assignments").set({ tasks }).where("id", "=", id).execute();
}

export async function deleteAssignment(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("assignments").where("id", "=", id).execute();
}

export async function listAssignmentsUnderShare(db: Executor, shareId: string): Promise<AssignmentRow[]> {
  return db.selectFrom("assignments").selectAll().where("share_id", "=", shareId).execute();
}

export async function listAssignmentsOfPrincipal(db: Executor, principalId: string, businessId?: string): Promise<AssignmentRow[]> {
  let query = db.selectFrom("assignments").selectAll().where("principal_id", "=", principalId);
  if (businessId) query = query.where("business_id", "=", businessId);
  return query.orderBy("created_at").execute();
}

export async function listAssignmentsOfAsset(db: Executor, assetId: string, businessId?: string): Promise<AssignmentRow[]> {
  let query = db.selectFrom("assignments").selectAll().where("asset_id", "=", assetId);
  if (businessId) query = query.where("business_id", "=", businessId);
  return query.orderBy("created_at").execute();
}
