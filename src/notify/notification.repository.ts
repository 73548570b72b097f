import { z } from "zod";
import type { Executor } from "../store/database.ts";
import { jsonColumn, jsonObject } from "../store/jsonColumn.ts";
import type { NotificationAlertsTable, NotificationChannelsTable, NotificationDeliveriesTable } from "../store/schema.ts";

export type ChannelRow = NotificationChannelsTable;
export type AlertRow = NotificationAlertsTable;
export type DeliveryRow = NotificationDeliveriesTable;

/** `notification_channels.config_json`: a channel's settings that are not secret (its secret is sealed apart). */
export const channelConfig = jsonObject("notification_channels.config_json");
/** `notification_alerts.fields_json` and `evidence_json`: an alert's name–value fields and the audit entries behind it. */
export const alertFields = jsonColumn(z.array(z.object({ name: z.string(), value: z.string() })), "notification_alerts.fields_json");
export const alertEvidence = jsonColumn(z.array(z.number()), "notification_alerts.evidence_json");

// ---- channels ---------------------------------------------------------------------------------

export async function insertChannel(db: Executor, row: ChannelRow): Promise<void> {
  await db.insertInto("notification_channels").values(row).execute();
}

export async function findChannel(db: Executor, id: string): Promise<ChannelRow | undefined> {
  return db.selectFrom("notification_channels").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function listChannels(db: Executor, businessId: string): Promise<ChannelRow[]> {
  return db.selectFrom("notification_channels").selectAll().where("business_id", "=", businessId).orderBy("created_at").orderBy("id").execute();
}

export async function deleteChannel(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("notification_channels").where("id", "=", id).execute();
}

// ---- alerts and deduplication -------------------------------------------------------------------

export async function insertAlert(db: Executor, row: AlertRow): Promise<void> {
  await db.insertInto("notification_alerts").values(row).execute();
}

export async function findAlerts(db: Executor, ids: string[]): Promise<AlertRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom("notification_alerts").selectAll().where("id", "in", ids).orderBy("created_at").orderBy("id").execute();
}

export async function listAlerts(db: Executor, businessId: string, limit: number): Promise<AlertRow[]> {
  return db
    .selectFrom("notification_alerts")
    .selectAll()
    .where("business_id", "=", businessId)
    .orderBy("created_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
}

/**
 * Opens a dedup window for (business, key) with this alert, atomically: a new key inserts; a key
 * whose window has run out is taken over by one conditional UPDATE. Returns false when a window is
 * still open (the caller then counts a repeat instead of sending).
 */
export async function openDedupWindow(db: Executor, businessId: string, key: string, alertId: string, now: number, windowMs: number): Promise<boolean> {
  const inserted = await db
    .insertInto("notification_dedup")
    .values({ business_id: businessId, dedup_key: key, alert_id: alertId, window_started_at: now, suppressed: 0, last_seen_at: now })
    .onConflict((oc) => oc.columns(["business_id", "dedup_key"]).doNothing())
    .returning("alert_id")
    .executeTakeFirst();
  if (inserted) return true;
  const renewed = await db
    .updateTable("notification_dedup")
    .set({ alert_id: alertId, window_started_at: now, suppressed: 0, last_seen_at: now })
    .where("business_id", "=", businessId)
    .where("dedup_key", "=", key)
    .where("window_started_at", "<=", now - windowMs)
    .executeTakeFirst();
  return Number(renewed.numUpdatedRows) === 1;
}

/** Counts a repeat against the open window; returns the alert that opened it. */
export async function countRepeat(db: Executor, businessId: string, key: string, now: number): Promise<string | undefined> {
  const row = await db
    .updateTable("notification_dedup")
    .set((eb) => ({ suppressed: eb("suppressed", "+", 1), last_seen_at: now }))
    .where("business_id", "=", businessId)
    .where("dedup_key", "=", key)
    .returning("alert_id")
    .executeTakeFirst();
  return row?.alert_id;
}

/** Repeats swallowed per alert, for alerts that still own their window. */
export async function repeatsOf(db: Executor, alertIds: string[]): Promise<Map<string, number>> {
  if (alertIds.length === 0) return new Map();
  const rows = await db.selectFrom("notification_dedup").select(["alert_id", "suppressed"]).where("alert_id", "in", alertIds).execute();
  return new Map(rows.map((r) => [r.alert_id, r.suppressed]));
}

// ---- deliveries ---------------------------------------------------------------------------------

export async function insertDeliveries(db: Executor, rows: DeliveryRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto("notification_deliveries").values(rows).execute();
}

export async function findDelivery(db: Executor, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom("notification_deliveries").selectAll().where("id", "=", id).executeTakeFirst();
}

/** Messages sent or on their way (not held back) since `since`, for a channel or a whole business; with the oldest's time. */
export async function countRecentSends(
  db: Executor,
  scope: { channelId: string } | { businessId: string },
  since: number,
): Promise<{ count: number; oldest: number | null }> {
  let query = db
    .selectFrom("notification_deliveries")
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("created_at").as("oldest")])
    .where("created_at", ">", since)
    .where("status", "in", ["pending", "delivering", "delivered", "failed"])
    // Alerts that went out inside a digest were counted as the digest.
    .where("digest_id", "is", null);
  query = "channelId" in scope ? query.where("channel_id", "=", scope.channelId) : query.where("business_id", "=", scope.businessId);
  const row = await query.executeTakeFirst();
  return { count: Number(row?.n ?? 0), oldest: row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest) };
}

export async function listDeliveriesOfAlerts(db: Executor, alertIds: string[]): Promise<DeliveryRow[]> {
  if (alertIds.length === 0) return [];
  return db.selectFrom("notification_deliveries").selectAll().where("alert_id", "in", alertIds).orderBy("created_at").orderBy("id").execute();
}

export async function listDigestMembers(db: Executor, digestId: string): Promise<DeliveryRow[]> {
  return db.selectFrom("notification_deliveries").selectAll().where("digest_id", "=", digestId).orderBy("created_at").orderBy("id").execute();
}

/** Channels with held messages whose wait is over. */
export async function channelsWithDueHeld(db: Executor, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom("notification_deliveries")
    .select("channel_id")
    .distinct()
    .where("status", "=", "held")
    .where("next_attempt_at", "<=", now)
    .limit(limit)
    .execute();
  return rows.map((r) => r.channel_id);
}

/**
 * Moves a channel's due held messages into the digest `digestId` with one conditional UPDATE, so of
 * two instances releasing the same channel only one gets the rows. Returns the rows it took.
 */
export async function takeDueHeld(
  db: Executor,
  channelId: string,
  digestId: string,
  now: number,
): Promise<{ id: string; alert_id: string | null; business_id: string; held_reason: string | null }[]> {
  return db
    .updateTable("notification_deliveries")
    .set({ status: "digested", digest_id: digestId })
    .where("channel_id", "=", channelId)
    .where("status", "=", "held")
    .where("next_attempt_at", "<=", now)
    .returning(["id", "alert_id", "business_id", "held_reason"])
    .execute();
}

/** Members of a digest follow its outcome, so each alert's own status tells whether it reached the channel. */
export async function settleDigestMembers(db: Executor, digestId: string, status: "delivered" | "failed", at: number, error: string | null): Promise<void> {
  await db
    .updateTable("notification_deliveries")
    .set({ status, delivered_at: status === "delivered" ? at : null, last_error: error })
    .where("digest_id", "=", digestId)
    .where("status", "=", "digested")
    .execute();
}
