import { z } from "zod";
import type { Executor } from "../../store/database.ts";
import { inChunks } from "../../store/inChunks.ts";
import { jsonColumn, stringList } from "../../store/jsonColumn.ts";
import type { GraphReviewTargetsTable, ReviewCampaignsTable, ReviewItemsTable } from "../../store/schema.ts";
import type { StoredAction } from "../audit/audit.repository.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import type { FindingKind, FixAction } from "./findings.ts";

/** Storage of review campaigns and their items; the only module that touches their tables. */

export type ReviewCampaignRow = ReviewCampaignsTable;
export type ReviewItemRow = ReviewItemsTable;
export type GraphReviewTargetRow = GraphReviewTargetsTable;

/**
 * `review_items.advice_json`: the findings' fixes offered for the item. Kinds and actions are
 * checked as strings, so items written when a kind or action had another name still read.
 */
export const itemAdvice = jsonColumn(
  z.array(
    z.object({
      kind: z.custom<FindingKind>((value) => typeof value === "string"),
      fix: z.object({ action: z.custom<FixAction>((value) => typeof value === "string"), description: z.string(), params: z.record(z.string(), z.unknown()) }),
    }),
  ),
  "review_items.advice_json",
);
/** `review_items.result_tasks`: what a decided item's grant gives afterwards. */
export const itemResultTasks = stringList("review_items.result_tasks");
/** `review_items.removal_json`: the audit entry that ended an item's grant outside the campaign (its action checked as text, as for advice). */
export const itemRemoval = jsonColumn(
  z.object({
    audit_entry_id: z.string().nullable(),
    time: z.string().nullable(),
    action: z.custom<AuditAction>((value) => typeof value === "string").nullable(),
    actor: z.object({ type: z.string(), id: z.string().nullable(), name: z.string().nullable() }).nullable(),
  }),
  "review_items.removal_json",
);
/** `review_items.graph_check_json`: what a Graph API read back after the decision was applied through it. */
export const itemGraphCheck = jsonColumn(
  z.object({ action: z.string(), summary: z.string(), confirmed: z.boolean(), removal_check: z.object({ verified: z.boolean(), remaining: z.array(z.string()) }) }),
  "review_items.graph_check_json",
);

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

export async function findReviewCampaign(db: Executor, id: string): Promise<ReviewCampaignRow | undefined> {
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
  decision: { status: string; decided_by: string; decided_at: number; reason: string; result_tasks: string | null; graph_check_json?: string | null },
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

/** An item's grant as it is now: the tasks (app grants: scopes) it gives, JSON; absent from the map when it has ended. */
export type LiveGrants = Map<string, string>;

/** The key of an item's grant in `LiveGrants`: an app grant is live per asset (a share's end takes one asset out of it). */
export const liveKey = (kind: string, grantRef: string, assetId: string): string => (kind === "app_grant" ? `${kind}\u0000${grantRef}\u0000${assetId}` : `${kind}\u0000${grantRef}`);

/** Which of these items' grants still exist, with what they give now; one query per kind (in batches). */
export async function liveGrants(db: Executor, items: readonly Pick<ReviewItemRow, "kind" | "grant_ref" | "asset_id">[]): Promise<LiveGrants> {
  const live: LiveGrants = new Map();
  const refs = (kind: string) => [...new Set(items.filter((i) => i.kind === kind).map((i) => i.grant_ref))];
  for (const ids of inChunks(refs("owner_assignment"))) {
    for (const row of await db.selectFrom("assignments").select(["id", "tasks"]).where("id", "in", ids).execute()) live.set(liveKey("owner_assignment", row.id, ""), row.tasks);
  }
  for (const ids of inChunks(refs("partner_share"))) {
    const rows = await db.selectFrom("partner_shares").select(["id", "tasks"]).where("id", "in", ids).where("status", "=", "active").execute();
    for (const row of rows) live.set(liveKey("partner_share", row.id, ""), row.tasks);
  }
  for (const ids of inChunks(refs("app_grant"))) {
    const rows = await db
      .selectFrom("app_grants as g")
      .innerJoin("app_grant_assets as a", "a.grant_id", "g.id")
      .select(["g.id", "g.scopes", "a.asset_id"])
      .where("g.id", "in", ids)
      .where("g.revoked_at", "is", null)
      .execute();
    for (const row of rows) live.set(liveKey("app_grant", row.id, row.asset_id), row.scopes);
  }
  return live;
}

/** A successful audit entry that may record the end of a grant. */
export interface RemovalEntry {
  seq: number;
  at: number;
  actor_type: string;
  actor_id: string | null;
  business_id: string | null;
  action: AuditAction;
  target_id: string | null;
  before_json: string | null;
}

/** Successful entries with one of these actions on one of these targets since `since`, oldest first. */
export async function listRemovalEntries(db: Executor, targetIds: readonly string[], actions: readonly AuditAction[], since: number): Promise<RemovalEntry[]> {
  const out: RemovalEntry[] = [];
  for (const ids of inChunks([...new Set(targetIds)])) {
    const rows = await db
      .selectFrom("audit_entries")
      .select(["seq", "at", "actor_type", "actor_id", "business_id", "action", "target_id", "before_json"])
      .where("target_id", "in", ids)
      .where("at", ">=", since)
      .where("action", "in", [...actions])
      .where("outcome", "=", "success")
      .orderBy("seq")
      .$narrowType<StoredAction>()
      .execute();
    out.push(...rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) })));
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Closes an open item whose grant ended outside the campaign; false when it was decided meanwhile. */
export async function closeRemovedItem(
  db: Executor,
  id: string,
  closed: { decided_by: string; decided_at: number; reason: string; removal_json: string },
): Promise<boolean> {
  const result = await db
    .updateTable("review_items")
    .set({ ...closed, status: "already_removed", result_tasks: "[]" })
    .where("id", "=", id)
    .where("status", "=", "open")
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** The business's campaigns, newest first, with their item counts. */
export async function listReviewCampaigns(db: Executor, businessId: string): Promise<(ReviewCampaignRow & { item_count: number })[]> {
  const rows = await db
    .selectFrom("review_campaigns as c")
    .selectAll("c")
    .select((eb) => eb.selectFrom("review_items as i").select((e) => e.fn.countAll<number>().as("n")).whereRef("i.campaign_id", "=", "c.id").as("item_count"))
    .where("c.business_id", "=", businessId)
    .orderBy("c.created_at", "desc")
    .orderBy("c.id", "desc")
    .execute();
  return rows.map((r) => ({ ...r, item_count: Number(r.item_count ?? 0) }));
}

export async function insertGraphTarget(db: Executor, row: GraphReviewTargetRow): Promise<void> {
  await db.insertInto("graph_review_targets").values(row).execute();
}

export async function findGraphTarget(db: Executor, id: string): Promise<GraphReviewTargetRow | undefined> {
  return db.selectFrom("graph_review_targets").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The business's Graph-reviewed businesses, newest first. */
export async function listGraphTargets(db: Executor, businessId: string): Promise<GraphReviewTargetRow[]> {
  return db.selectFrom("graph_review_targets").selectAll().where("business_id", "=", businessId).orderBy("created_at", "desc").orderBy("id", "desc").execute();
}

/** The holder's target for this Graph API and business, if it holds one already. */
export async function findGraphTargetFor(db: Executor, businessId: string, graphUrl: string, graphBusinessId: string): Promise<GraphReviewTargetRow | undefined> {
  return db
    .selectFrom("graph_review_targets")
    .selectAll()
    .where("business_id", "=", businessId)
    .where("graph_url", "=", graphUrl)
    .where("graph_business_id", "=", graphBusinessId)
    .executeTakeFirst();
}

/** A new token (sealed) and name for a target held already. */
export async function updateGraphTarget(db: Executor, id: string, update: { token_sealed: string; graph_business_name: string }): Promise<void> {
  await db.updateTable("graph_review_targets").set(update).where("id", "=", id).execute();
}

/** Forgets a held business's token (its campaigns keep naming it) or, when no campaign names it, the business itself. */
export async function removeGraphTarget(db: Executor, id: string): Promise<"token_removed" | "removed"> {
  const used = await db.selectFrom("review_campaigns").select("id").where("graph_target_id", "=", id).executeTakeFirst();
  if (used) {
    await db.updateTable("graph_review_targets").set({ token_sealed: "" }).where("id", "=", id).execute();
    return "token_removed";
  }
  await db.deleteFrom("graph_review_targets").where("id", "=", id).execute();
  return "removed";
}

export async function nameGraphTarget(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable("graph_review_targets").set({ graph_business_name: name }).where("id", "=", id).execute();
}
