import type { Executor } from "../../store/database.ts";
import type { AdLabelsTable, AdObjectLabelsTable } from "../../store/schema.ts";
import { keysetConditions, type KeysetWindow } from "../../store/keyset.ts";

export type AdLabelRow = AdLabelsTable;
export type AdObjectLabelRow = AdObjectLabelsTable;

/** A label as an object carries it. */
export interface CarriedLabel extends AdLabelRow {
  object_id: string;
}

export async function insertLabel(db: Executor, row: AdLabelRow): Promise<void> {
  await db.insertInto("ad_labels").values(row).execute();
}

export async function findLabel(db: Executor, id: string): Promise<AdLabelRow | undefined> {
  return db.selectFrom("ad_labels").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The account's labels with these ids (others are left out). */
export async function labelsWithIds(db: Executor, accountId: string, ids: readonly string[]): Promise<AdLabelRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("ad_labels").selectAll().where("account_id", "=", accountId).where("id", "in", ids).execute();
}

/** The account's labels with these names (names are unique within an account). */
export async function labelsWithNames(db: Executor, accountId: string, names: readonly string[]): Promise<AdLabelRow[]> {
  if (names.length === 0) return [];
  return db.selectFrom("ad_labels").selectAll().where("account_id", "=", accountId).where("name", "in", names).execute();
}

/** A page window of the account's labels (newest first by keyset). */
export async function listLabels(db: Executor, accountId: string, window: KeysetWindow): Promise<AdLabelRow[]> {
  let query = db.selectFrom("ad_labels as l").selectAll("l").where("l.account_id", "=", accountId);
  for (const condition of keysetConditions("l", window)) query = query.where(condition);
  const order = window.newestFirst ? "desc" : "asc";
  return query.orderBy("l.created_at", order).orderBy("l.id", order).limit(window.limit).execute();
}

export async function renameLabel(db: Executor, id: string, name: string, now: number): Promise<void> {
  await db.updateTable("ad_labels").set({ name, updated_at: now }).where("id", "=", id).execute();
}

/** Deletes the label and takes it off every object that carried it. */
export async function deleteLabel(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("ad_object_labels").where("label_id", "=", id).execute();
  await db.deleteFrom("ad_labels").where("id", "=", id).execute();
}

/** The labels the objects carry, by name within each object. */
export async function labelsOfObjects(db: Executor, objectIds: readonly string[]): Promise<CarriedLabel[]> {
  const out: CarriedLabel[] = [];
  for (let i = 0; i < objectIds.length; i += 500) {
    const rows = await db
      .selectFrom("ad_object_labels as o")
      .innerJoin("ad_labels as l", "l.id", "o.label_id")
      .selectAll("l")
      .select("o.object_id")
      .where("o.object_id", "in", objectIds.slice(i, i + 500))
      .orderBy("o.object_id")
      .orderBy("l.name")
      .execute();
    out.push(...rows);
  }
  return out;
}

/** The objects carrying the label. */
export async function objectsCarrying(db: Executor, labelId: string): Promise<{ object_id: string; object_type: string }[]> {
  return db.selectFrom("ad_object_labels").select(["object_id", "object_type"]).where("label_id", "=", labelId).orderBy("object_id").execute();
}

/** Puts labels on an object; a label it already carries stays as it is. */
export async function attachLabels(db: Executor, rows: readonly AdObjectLabelRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto("ad_object_labels")
    .values([...rows])
    .onConflict((oc) => oc.columns(["object_id", "label_id"]).doNothing())
    .execute();
}

export async function detachLabels(db: Executor, objectId: string, labelIds: readonly string[]): Promise<void> {
  if (labelIds.length === 0) return;
  await db.deleteFrom("ad_object_labels").where("object_id", "=", objectId).where("label_id", "in", labelIds).execute();
}
