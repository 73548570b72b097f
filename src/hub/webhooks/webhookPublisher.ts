import { newId } from "../../ids.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import type { AccessEngine } from "../access/accessEngine.ts";
import { subscriberHearsAdAccount, subscriberHearsBusiness } from "../access/serviceAccess.ts";
import type { CommandTx } from "../hubCommand.ts";
import { insertDeliveries, listBusinessSubscribersWithConfig, listSubscribersWithConfig, webhookConfigFields, type WebhookDeliveryRow } from "./webhook.repository.ts";
import { checkedValue, isWebhookField, webhookBody, type BusinessWebhookEvent, type WebhookEvent, type WebhookField, type WebhookObject } from "./webhookFields.ts";

/**
 * Turns a change into outbox rows, one per app that should hear of it. It needs only the engine, so
 * any service can hold one and publish inside its own command.
 */
export class WebhookPublisher {
  constructor(private readonly deps: { engine: AccessEngine }) {}

  /**
   * Queues the event for every app subscribed to the ad account whose webhook config includes the
   * field, in the caller's transaction: if that transaction rolls back, nothing is ever sent. An
   * app hears only what the person or system user who subscribed it may see (see mayHear). Returns
   * how many deliveries were queued.
   */
  async publish(tx: Pick<CommandTx, "trx" | "now">, event: WebhookEvent): Promise<number> {
    if (!isWebhookField(event.field)) throw new Error(`Unknown webhook field ${String(event.field)}`);
    const objectId = assetIdFromGraph(event.objectId);
    const value = checkedValue(event.field, event.value);
    const subscribers = await listSubscribersWithConfig(tx.trx, objectId, "ad_account");
    const hearing = subscribers.filter((s) => webhookConfigFields.decode(s.fields).includes(event.field)).filter((s) => this.mayHear(s.subscribed_by, objectId, event));
    return queue(tx, "ad_account", objectId, event.field, value, hearing.map((s) => s.app_id));
  }

  /**
   * Queues a business event for every app subscribed to the business (`/{business_id}/subscribed_apps`)
   * whose business webhook config includes the field, in the caller's transaction. Only apps whose
   * subscriber is still an admin of the business (or the operator) hear it.
   */
  async publishToBusiness(tx: Pick<CommandTx, "trx" | "now">, event: BusinessWebhookEvent): Promise<number> {
    const value = checkedValue(event.field, event.value);
    const subscribers = await listBusinessSubscribersWithConfig(tx.trx, event.businessId);
    const hearing = subscribers
      .filter((s) => webhookConfigFields.decode(s.fields).includes(event.field))
      .filter((s) => subscriberHearsBusiness(this.deps.engine, s.subscribed_by, event.businessId));
    return queue(tx, "business", event.businessId, event.field, value, hearing.map((s) => s.app_id));
  }

  /**
   * Whoever subscribed the app must still see the ad account. Partner changes follow the account's
   * `agencies` edge: the owner's managers hear of every partner, a partner only of its own share.
   * Apps the operator subscribed (no principal) hear everything. The engine answers as of before
   * the caller's change, so a partner still hears that its own share was removed.
   */
  private mayHear(principalId: string | null, objectId: string, event: WebhookEvent): boolean {
    const aboutPartner = event.field === "partner_access" || event.field === "partner_pending_change" ? event.value.partner_business_id : undefined;
    return subscriberHearsAdAccount(this.deps.engine, principalId, objectId, aboutPartner);
  }
}

/** One outbox row per app, all with the same body. */
async function queue(
  tx: Pick<CommandTx, "trx" | "now">,
  object: WebhookObject,
  objectId: string,
  field: WebhookField,
  value: Record<string, unknown>,
  appIds: string[],
): Promise<number> {
  const body = webhookBody(object, objectId, tx.now, field, value);
  const rows: WebhookDeliveryRow[] = appIds.map((appId) => ({
    id: newId(),
    app_id: appId,
    object,
    object_id: objectId,
    field,
    payload: body,
    status: "pending",
    attempts: 0,
    next_attempt_at: tx.now,
    lease_until: null,
    last_attempt_at: null,
    last_http_status: null,
    last_error: null,
    delivered_at: null,
    created_at: tx.now,
  }));
  await insertDeliveries(tx.trx, rows);
  return rows.length;
}
