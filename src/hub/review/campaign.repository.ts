import type { Executor } from "../../store/database.ts";
import type { ReviewCampaignsTable, ReviewItemsTable } from "../../store/schema.ts";

/** Storage of review campaigns and their items; the only module that touches their tables. */

export type ReviewCampaignRow = ReviewCampaignsTable;
export type ReviewItemRow = ReviewItemsTable;

/** Inserts the campaign; false when a campaign of the business already holds its schedule key. */
export async function insertCampaign(db: Executor, row: ReviewCampaignRow): Promise<boolean> {
  if (row.schedule_key === null) {
    await db.insertInto("review_campaigns").values(row).execute();
    return true;
  }
  const inserted = await db
    .insertInto("review_campaigns")
    .values(row)
    .onConflict((oc) => oc.columns(["business_id", "schedule_key"]).doNothing())
    .returning("id")
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function insertItems(db: Executor, rows: ReviewItemRow[]): Promise<void> {
  // Batches keep PostgreSQL's bind-parameter limit out of reach for large businesses.
  for (let i = 0; i < rows.length; i += 500) {
    await db.insertInto("review_items").values(rows.slice(i, i + 500)).execute();
  }
}

export async function findCampaign(db: Executor, id: string): Promise<ReviewCampaignRow | undefined> {
  return db.selectFrom("review_campaigns").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function findItem(db: Executor, id: string): Promise<ReviewItemRow | undefined> {
  return db.selectFrom("review_items").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listItems(db: Executor, campaignId: string, status?: string): Promise<ReviewItemRow[]> {
  let query = db.selectFrom("review_items").selectAll().where("campaign_id", "=", campaignId);
  if (status) query = query.where("status", "=", status);
  return query.orderBy("seq").execute();
}

/** Marks an open item decided; false when someone else decided it first. */
export async function decideItem(
  db: Executor,
  id: string,
  decision: { status: string; decided_by: string; decided_at: number; reason: string; result_tasks: string | null },
): Promise<boolean> {
  const result = await db.updateTable("review_items").set(decision).where("id", "=", id).where("status", "=", "open").executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function closeCampaign(db: Executor, id: string, closedBy: string, closedAt: number): Promise<boolean> {
  const result = await db
    .updateTable("review_campaigns")
    .set({ status: "closed", closed_by: closedBy, closed_at: closedAt })
    .where("id", "=", id)
    .where("status", "=", "open")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Open campaigns with open items whose last reminder is older than `before` (or never sent). */
export async function listRemindable(db: Executor, before: number): Promise<ReviewCampaignRow[]> {
  return db
    .selectFrom("review_campaigns as c")
    .selectAll("c")
    .where("c.status", "=", "open")
    .where((eb) => eb.or([eb("c.reminded_at", "is", null), eb("c.reminded_at", "<=", before)]))
    .where((eb) => eb.exists(eb.selectFrom("review_items as i").select("i.id").whereRef("i.campaign_id", "=", "c.id").where("i.status", "=", "open")))
    .orderBy("c.created_at")
    .execute();
}

/** Claims the campaign's next reminder; false when another instance (or run) already sent it. */
export async function claimReminder(db: Executor, campaignId: string, before: number, at: number): Promise<boolean> {
  const result = await db
    .updateTable("review_campaigns")
    .set({ reminded_at: at })
    .where("id", "=", campaignId)
    .where((eb) => eb.or([eb("reminded_at", "is", null), eb("reminded_at", "<=", before)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Each business owning assets, with when its last scheduled campaign started (null: never). */
export async function listScheduleCandidates(db: Executor): Promise<{ business_id: string; last_at: number | null }[]> {
  const owners = await db.selectFrom("assets").select("owner_business_id").distinct().orderBy("owner_business_id").execute();
  const last = await db
    .selectFrom("review_campaigns")
    .select(["business_id", (eb) => eb.fn.max("created_at").as("last_at")])
    .where("schedule", "is not", null)
    .groupBy("business_id")
    .execute();
  const lastBy = new Map(last.map((r) => [r.business_id, Number(r.last_at)]));
  return owners.map((o) => ({ business_id: o.owner_business_id, last_at: lastBy.get(o.owner_business_id) ?? null }));
}

/** The business's people with the ADMIN role: the campaign's reviewers. */
export async function listAdmins(db: Executor, businessId: string): Promise<{ id: string; name: string; email: string }[]> {
  return db
    .selectFrom("business_members as m")
    .innerJoin("people as p", "p.id", "m.person_id")
    .select(["p.id", "p.name", "p.email"])
    .where("m.business_id", "=", businessId)
    .where("m.role", "=", "ADMIN")
    .orderBy("p.id")
    .execute();
}

/** Whether the grant an item snapshotted still exists, so a revoke of something already gone is only recorded. */
export async function grantIsLive(db: Executor, kind: string, grantRef: string): Promise<boolean> {
  if (kind === "owner_assignment") {
    return (await db.selectFrom("assignments").select("id").where("id", "=", grantRef).executeTakeFirst()) !== undefined;
  }
  if (kind === "partner_share") {
    const row = await db.selectFrom("partner_shares").select("status").where("id", "=", grantRef).executeTakeFirst();
    return row?.status === "active";
  }
  const row = await db.selectFrom("app_grants").select("revoked_at").where("id", "=", grantRef).executeTakeFirst();
  return row !== undefined && row.revoked_at === null;
}
