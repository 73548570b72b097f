import type { Executor } from "../../store/database.ts";
import { stringList } from "../../store/jsonColumn.ts";
import type { Page, PageRequest } from "../../store/paging.ts";
import type { WebhookConfigsTable, WebhookDeliveriesTable, WebhookSubscriptionsTable } from "../../store/schema.ts";

export type WebhookConfigRow = WebhookConfigsTable;
export type WebhookSubscriptionRow = WebhookSubscriptionsTable;
export type WebhookDeliveryRow = WebhookDeliveriesTable;
export type DeliveryStatus = "pending" | "delivering" | "delivered" | "failed";

/** `webhook_configs.fields`: the fields an app's callback hears. */
export const webhookConfigFields = stringList("webhook_configs.fields");

// ---- configs and secrets ----------------------------------------------------------------------

export async function findConfig(db: Executor, appId: string, object: string): Promise<WebhookConfigRow | undefined> {
  return db.selectFrom("webhook_configs").selectAll().where("app_id", "=", appId).where("object", "=", object).executeTakeFirst();
}

export async function listConfigs(db: Executor, appId: string): Promise<WebhookConfigRow[]> {
  return db.selectFrom("webhook_configs").selectAll().where("app_id", "=", appId).orderBy("object").execute();
}

export async function upsertConfig(db: Executor, row: WebhookConfigRow): Promise<void> {
  await db
    .insertInto("webhook_configs")
    .values(row)
    .onConflict((oc) => oc.columns(["app_id", "object"]).doUpdateSet({ callback_url: row.callback_url, fields: row.fields, updated_at: row.updated_at }))
    .execute();
}

export async function deleteConfig(db: Executor, appId: string, object: string): Promise<void> {
  await db.deleteFrom("webhook_configs").where("app_id", "=", appId).where("object", "=", object).execute();
}

export async function findSealedSecret(db: Executor, appId: string): Promise<string | undefined> {
  const row = await db.selectFrom("webhook_secrets").select("sealed_secret").where("app_id", "=", appId).executeTakeFirst();
  return row?.sealed_secret;
}

/** Stores the app's first secret; false when it already has one (then the stored one stands). */
export async function insertSealedSecret(db: Executor, appId: string, sealedSecret: string, at: number): Promise<boolean> {
  const result = await db
    .insertInto("webhook_secrets")
    .values({ app_id: appId, sealed_secret: sealedSecret, created_at: at })
    .onConflict((oc) => oc.column("app_id").doNothing())
    .returning("app_id")
    .executeTakeFirst();
  return result !== undefined;
}

// ---- subscriptions ----------------------------------------------------------------------------

export async function findSubscription(db: Executor, objectId: string, appId: string): Promise<WebhookSubscriptionRow | undefined> {
  return db
    .selectFrom("webhook_subscriptions")
    .selectAll()
    .where("object_id", "=", objectId)
    .where("app_id", "=", appId)
    .executeTakeFirst();
}

export async function insertSubscription(db: Executor, row: WebhookSubscriptionRow): Promise<void> {
  await db.insertInto("webhook_subscriptions").values(row).execute();
}

export async function deleteSubscription(db: Executor, objectId: string, appId: string): Promise<void> {
  await db.deleteFrom("webhook_subscriptions").where("object_id", "=", objectId).where("app_id", "=", appId).execute();
}

/** Apps subscribed to the object, with their app names. */
export async function listSubscriptionsOfObject(db: Executor, objectId: string): Promise<(WebhookSubscriptionRow & { app_name: string })[]> {
  return db
    .selectFrom("webhook_subscriptions")
    .innerJoin("apps", "apps.id", "webhook_subscriptions.app_id")
    .selectAll("webhook_subscriptions")
    .select("apps.name as app_name")
    .where("webhook_subscriptions.object_id", "=", objectId)
    .execute();
}

/** Subscriptions of the object whose app has a webhook config for the object type, with the config's fields. */
export async function listSubscribersWithConfig(
  db: Executor,
  objectId: string,
  object: string,
): Promise<{ app_id: string; subscribed_by: string | null; fields: string }[]> {
  return db
    .selectFrom("webhook_subscriptions")
    .innerJoin("webhook_configs", "webhook_configs.app_id", "webhook_subscriptions.app_id")
    .select(["webhook_subscriptions.app_id", "webhook_subscriptions.subscribed_by", "webhook_configs.fields"])
    .where("webhook_subscriptions.object_id", "=", objectId)
    .where("webhook_configs.object", "=", object)
    .orderBy("webhook_subscriptions.app_id")
    .execute();
}

// ---- business subscriptions -------------------------------------------------------------------

export async function findBusinessSubscription(db: Executor, businessId: string, appId: string) {
  return db.selectFrom("business_webhook_subscriptions").selectAll().where("business_id", "=", businessId).where("app_id", "=", appId).executeTakeFirst();
}

export async function insertBusinessSubscription(db: Executor, row: { business_id: string; app_id: string; subscribed_by: string | null; created_at: number }): Promise<void> {
  await db.insertInto("business_webhook_subscriptions").values(row).execute();
}

export async function deleteBusinessSubscription(db: Executor, businessId: string, appId: string): Promise<void> {
  await db.deleteFrom("business_webhook_subscriptions").where("business_id", "=", businessId).where("app_id", "=", appId).execute();
}

export async function listBusinessSubscriptions(db: Executor, businessId: string): Promise<{ app_id: string; app_name: string; created_at: number }[]> {
  return db
    .selectFrom("business_webhook_subscriptions")
    .innerJoin("apps", "apps.id", "business_webhook_subscriptions.app_id")
    .select(["business_webhook_subscriptions.app_id", "apps.name as app_name", "business_webhook_subscriptions.created_at"])
    .where("business_webhook_subscriptions.business_id", "=", businessId)
    .orderBy("business_webhook_subscriptions.created_at")
    .execute();
}

/** Apps subscribed to the business whose app has a business webhook config, with the config's fields. */
export async function listBusinessSubscribersWithConfig(db: Executor, businessId: string): Promise<{ app_id: string; subscribed_by: string | null; fields: string }[]> {
  return db
    .selectFrom("business_webhook_subscriptions")
    .innerJoin("webhook_configs", "webhook_configs.app_id", "business_webhook_subscriptions.app_id")
    .select(["business_webhook_subscriptions.app_id", "business_webhook_subscriptions.subscribed_by", "webhook_configs.fields"])
    .where("business_webhook_subscriptions.business_id", "=", businessId)
    .where("webhook_configs.object", "=", "business")
    .orderBy("business_webhook_subscriptions.app_id")
    .execute();
}

// ---- deliveries -------------------------------------------------------------------------------

export async function insertDeliveries(db: Executor, rows: WebhookDeliveryRow[]): Promise<void> {
  if (rows.length > 0) await db.insertInto("webhook_deliveries").values(rows).execute();
}

export async function findDelivery(db: Executor, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom("webhook_deliveries").selectAll().where("id", "=", id).executeTakeFirst();
}

/** One page of an app's deliveries, newest first by (created_at, id), optionally of some statuses. */
export async function pageDeliveries(
  db: Executor,
  appId: string,
  request: PageRequest,
  statuses?: DeliveryStatus[],
): Promise<Page<WebhookDeliveryRow>> {
  let query = db.selectFrom("webhook_deliveries").selectAll().where("app_id", "=", appId);
  if (statuses && statuses.length > 0) query = query.where("status", "in", statuses);
  const backwards = request.before !== undefined && request.after === undefined;
  const after = request.after;
  const before = request.before;
  if (after) {
    query = query.where((eb) =>
      eb.or([eb("created_at", "<", after.createdAt), eb.and([eb("created_at", "=", after.createdAt), eb("id", "<", after.id)])]),
    );
  }
  if (before) {
    query = query.where((eb) =>
      eb.or([eb("created_at", ">", before.createdAt), eb.and([eb("created_at", "=", before.createdAt), eb("id", ">", before.id)])]),
    );
  }
  const direction = backwards ? "asc" : "desc";
  const rows = await query.orderBy("created_at", direction).orderBy("id", direction).limit(request.limit + 1).execute();
  const more = rows.length > request.limit;
  const items = rows.slice(0, request.limit);
  if (backwards) items.reverse();
  const page: Page<WebhookDeliveryRow> = {
    items,
    hasNext: backwards ? true : more,
    hasPrevious: backwards ? more : after !== undefined,
  };
  if (items.length > 0) {
    page.first = { createdAt: items[0]!.created_at, id: items[0]!.id };
    page.last = { createdAt: items[items.length - 1]!.created_at, id: items[items.length - 1]!.id };
  }
  return page;
}

export async function countDeliveries(db: Executor, appId: string, statuses?: DeliveryStatus[]): Promise<number> {
  let query = db.selectFrom("webhook_deliveries").select((eb) => eb.fn.countAll<number>().as("n")).where("app_id", "=", appId);
  if (statuses && statuses.length > 0) query = query.where("status", "in", statuses);
  const row = await query.executeTakeFirst();
  return Number(row?.n ?? 0);
}
