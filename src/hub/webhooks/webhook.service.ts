import { z } from "zod";
import type { SecretBox } from "../../crypto/secretBox.ts";
import { errors } from "../../errors.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import { OutboundHttp } from "../../net/outbound.ts";
import type { Executor } from "../../store/database.ts";
import type { Page, PageRequest } from "../../store/paging.ts";
import * as outbox from "../../store/leasedOutbox.repository.ts";
import { authorizeAsset, authorizeBusinessAdmin, subjectOf } from "../access/authorize.ts";
import { authorizeActingForApp, authorizeSubscribing, authorizeUnsubscribing } from "../access/serviceAccess.ts";
import { findApp, type AppRow } from "../apps/appGrant.repository.ts";
import { findAsset, type AssetRow } from "../assets/asset.repository.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type CommandTx, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import * as repo from "./webhook.repository.ts";
import type { DeliveryStatus, WebhookConfigRow, WebhookDeliveryRow } from "./webhook.repository.ts";
import { addressRefusal, verifyCallback, type CallbackOutcome } from "./webhookCallback.client.ts";
import { isFieldOf, isWebhookField, OBJECT_FIELDS, WEBHOOK_OBJECTS, type BusinessWebhookEvent, type WebhookEvent, type WebhookField, type WebhookObject } from "./webhookFields.ts";
import { WebhookPublisher } from "./webhookPublisher.ts";
import { newSigningSecret } from "./webhookSignature.ts";

export interface WebhookServiceOptions {
  /** How long a callback URL has to answer the verification handshake. Default 10 s. */
  verifyTimeoutMs?: number;
  /** Calls callback URLs (handshake and deliveries); default: internal addresses refused. */
  outbound?: OutboundHttp;
}

export interface WebhookConfigView {
  appId: string;
  object: WebhookObject;
  callbackUrl: string;
  fields: WebhookField[];
  createdAt: number;
  updatedAt: number;
}

export interface SubscribedAppView {
  appId: string;
  name: string;
  createdAt: number;
}

export interface WebhookDeliveryView {
  id: string;
  appId: string;
  object: string;
  objectId: string;
  field: string;
  status: DeliveryStatus;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  createdAt: number;
  lastAttemptAt: number | null;
  /** When the next attempt is due, while the delivery is pending. */
  nextAttemptAt: number | null;
  deliveredAt: number | null;
  /** The body exactly as sent. */
  payload: string;
}

/** A delivery a dispatcher holds for one attempt, with where and how to send it (or why it cannot). */
export interface ClaimedDelivery {
  id: string;
  appId: string;
  attempt: number;
  body: string;
  target: { callbackUrl: string; signingSecret: string } | { problem: string };
}

export interface AppView {
  id: string;
  name: string;
  businessId: string;
}

const DELIVERY_STATUSES: DeliveryStatus[] = ["pending", "delivering", "delivered", "failed"];
const MAX_URL_LENGTH = 2048;
const MAX_VERIFY_TOKEN_LENGTH = 512;

/** The associated data a signing secret is sealed under, so it opens only on its own app's row. */
const secretContext = (appId: string) => `webhook_secret:${appId}`;

/**
 * Graph webhooks: an app's callback config (verified by Meta's handshake before anything is saved),
 * the ad accounts it is subscribed to, the outbox that publishing fills, and the state changes a
 * dispatcher makes as it delivers.
 *
 * Deviation from Meta: Meta signs deliveries with the app secret, which Grantline stores only as a
 * hash. Each app instead gets a signing secret when its first webhook config is created; the secret
 * is returned once in that response and stored sealed (AES-256-GCM) so deliveries can be signed.
 * The verify token is used for the handshake only and is not stored.
 */
export class WebhookService {
  private readonly publisher: WebhookPublisher;
  private readonly verifyTimeoutMs: number;
  /** How callback URLs are called, by the handshake here and by the dispatcher's deliveries. */
  readonly outbound: OutboundHttp;

  constructor(
    private readonly deps: HubDeps,
    private readonly secrets: () => SecretBox,
    options: WebhookServiceOptions = {},
  ) {
    this.publisher = new WebhookPublisher(deps);
    this.verifyTimeoutMs = options.verifyTimeoutMs ?? 10_000;
    this.outbound = options.outbound ?? new OutboundHttp();
  }

  /** The hub's clock, for the dispatcher. */
  now(): number {
    return this.deps.now();
  }

  /** Deliveries still to be sent, and when the oldest was created: the operator's outbox depth and age. */
  deliveryBacklog(): Promise<{ rows: number; oldestCreatedAt: number | null }> {
    return outbox.outboxBacklog(this.deps.db, "webhook_deliveries");
  }

  async findApp(appId: string): Promise<AppView | undefined> {
    const app = await findApp(this.deps.db, appId);
    return app ? { id: app.id, name: app.name, businessId: app.business_id } : undefined;
  }

  // ---- the app's webhook config (`/{app_id}/subscriptions`) --------------------------------------

  /**
   * Creates or updates the app's webhook for an object type: the callback URL must first pass the
   * handshake; the fields are added to those already subscribed. Returns the signing secret when
   * this created it (the only time it is shown), else null.
   */
  async configure(
    ctx: RequestContext,
    appId: string,
    input: { object: unknown; callbackUrl: unknown; verifyToken: unknown; fields: unknown },
  ): Promise<{ signingSecret: string | null }> {
    const attempt: AuditAttempt = { action: "webhook.configure", targetType: "app", targetId: appId };
    // Checked before the handshake, so nobody but the app's admins can make the hub call a URL; the
    // handshake runs outside any transaction, so a slow endpoint holds no locks.
    const checked = await runCommand(this.deps, ctx, attempt, (tx) => this.checkConfigInput(tx.trx, ctx, appId, input));
    // An internal address is refused before any request is made, so the answer cannot tell what
    // (if anything) listens there.
    const refusal = await addressRefusal(this.outbound, checked.callbackUrl, "callback_url");
    const problem = refusal ? null : await verifyCallback(this.outbound, checked.callbackUrl, checked.verifyToken, this.verifyTimeoutMs);
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const { app, object, callbackUrl, fields } = await this.checkConfigInput(tx.trx, ctx, appId, input);
      if (refusal) throw refusal;
      if (problem) throw errors.webhookVerificationFailed(problem);
      const existing = await repo.findConfig(tx.trx, app.id, object);
      const before = existing ? presentConfig(existing) : undefined;
      const merged = OBJECT_FIELDS[object].filter((f) => fields.includes(f) || (before?.fields.includes(f) ?? false));
      await repo.upsertConfig(tx.trx, {
        app_id: app.id,
        object,
        callback_url: callbackUrl,
        fields: repo.webhookConfigFields.encode(merged),
        created_at: existing?.created_at ?? tx.now,
        updated_at: tx.now,
      });
      let signingSecret: string | null = null;
      if ((await repo.findSealedSecret(tx.trx, app.id)) === undefined) {
        const secret = newSigningSecret();
        if (await repo.insertSealedSecret(tx.trx, app.id, this.secrets().seal(secret, secretContext(app.id)), tx.now)) signingSecret = secret;
      }
      await tx.audit({
        action: "webhook.configure",
        businessId: app.business_id,
        targetType: "app",
        targetId: app.id,
        before: before ? { object, callbackUrl: before.callbackUrl, fields: before.fields } : null,
        after: { object, callbackUrl, fields: merged, signingSecretCreated: signingSecret !== null },
      });
      return { signingSecret };
    });
  }

  async listConfigs(ctx: RequestContext, appId: string): Promise<WebhookConfigView[]> {
    const app = await this.requireApp(this.deps.db, appId);
    authorizeBusinessAdmin(this.deps.engine, ctx, app.business_id, "reading the app's webhooks");
    return (await repo.listConfigs(this.deps.db, app.id)).map(presentConfig);
  }

  /** `DELETE /{app_id}/subscriptions`: some fields of an object, a whole object, or (no object) every webhook of the app. */
  async removeConfig(ctx: RequestContext, appId: string, input: { object?: string | undefined; fields?: string[] | undefined }): Promise<void> {
    await runCommand(this.deps, ctx, { action: "webhook.remove", targetType: "app", targetId: appId }, async (tx) => {
      const app = await this.requireApp(tx.trx, appId);
      authorizeBusinessAdmin(this.deps.engine, ctx, app.business_id, "changing the app's webhooks");
      const object = input.object === undefined ? undefined : parseObject(input.object);
      if (input.fields && !object) throw errors.invalidParameter("Pass object together with fields.");
      const fields = input.fields && object ? parseFields(input.fields, object) : undefined;
      const configs = (await repo.listConfigs(tx.trx, app.id)).filter((c) => object === undefined || c.object === object);
      for (const config of configs) {
        const current = presentConfig(config).fields;
        const kept = fields ? current.filter((f) => !fields.includes(f)) : [];
        if (kept.length === 0) await repo.deleteConfig(tx.trx, app.id, config.object);
        else await repo.upsertConfig(tx.trx, { ...config, fields: repo.webhookConfigFields.encode(kept), updated_at: tx.now });
        await tx.audit({
          action: "webhook.remove",
          businessId: app.business_id,
          targetType: "app",
          targetId: app.id,
          before: { object: config.object, fields: current },
          after: kept.length === 0 ? null : { object: config.object, fields: kept },
        });
      }
    });
  }

  // ---- ad account subscriptions (`/act_<id>/subscribed_apps`) ------------------------------------

  /**
   * Subscribes an app to an ad account's events. The caller acts for the app (its token was issued
   * through it) or is an admin of the app's business, and can see the ad account.
   */
  async subscribe(ctx: RequestContext, input: { objectId: string; appId: string }): Promise<void> {
    const assetId = assetIdFromGraph(input.objectId);
    await runCommand(this.deps, ctx, { action: "webhook.subscribe", targetType: "ad_account", targetId: assetId }, async (tx) => {
      const app = await this.requireApp(tx.trx, input.appId);
      const account = await this.requireAdAccount(tx.trx, input.objectId);
      authorizeSubscribing(this.deps.engine, ctx, app, account.id);
      if (await repo.findSubscription(tx.trx, account.id, app.id)) return;
      await repo.insertSubscription(tx.trx, {
        object_id: account.id,
        app_id: app.id,
        subscribed_by: subjectOf(ctx)?.principalId ?? null,
        created_at: tx.now,
      });
      await tx.audit({ action: "webhook.subscribe", businessId: account.owner_business_id, targetType: "ad_account", targetId: account.id, after: { app: app.id } });
    });
  }

  /** Unsubscribes an app: as for subscribing, or as someone who manages the ad account's settings. */
  async unsubscribe(ctx: RequestContext, input: { objectId: string; appId: string }): Promise<void> {
    const assetId = assetIdFromGraph(input.objectId);
    await runCommand(this.deps, ctx, { action: "webhook.unsubscribe", targetType: "ad_account", targetId: assetId }, async (tx) => {
      const app = await this.requireApp(tx.trx, input.appId);
      const account = await this.requireAdAccount(tx.trx, input.objectId);
      authorizeUnsubscribing(this.deps.engine, ctx, app, account.id);
      if (!(await repo.findSubscription(tx.trx, account.id, app.id))) return;
      await repo.deleteSubscription(tx.trx, account.id, app.id);
      await tx.audit({ action: "webhook.unsubscribe", businessId: account.owner_business_id, targetType: "ad_account", targetId: account.id, before: { app: app.id } });
    });
  }

  async listSubscribedApps(ctx: RequestContext, objectId: string): Promise<SubscribedAppView[]> {
    const account = await this.requireAdAccount(this.deps.db, objectId);
    authorizeAsset(this.deps.engine, ctx, "view_asset", account.id);
    const rows = await repo.listSubscriptionsOfObject(this.deps.db, account.id);
    return rows.map((r) => ({ appId: r.app_id, name: r.app_name, createdAt: r.created_at }));
  }

  // ---- business subscriptions (`/{business_id}/subscribed_apps`) ---------------------------------

  /**
   * Subscribes an app to a business's events (system user token expiry). The caller acts for the app
   * (or is an admin of the app's business) and is an admin of the business.
   */
  async subscribeBusiness(ctx: RequestContext, input: { businessId: string; appId: string }): Promise<void> {
    await runCommand(this.deps, ctx, { action: "webhook.subscribe", businessId: input.businessId, targetType: "business", targetId: input.businessId }, async (tx) => {
      const app = await this.requireApp(tx.trx, input.appId);
      const business = await this.requireBusiness(tx.trx, input.businessId);
      authorizeActingForApp(this.deps.engine, ctx, app, "subscribing the app to businesses");
      authorizeBusinessAdmin(this.deps.engine, ctx, business.id, "subscribing apps to the business's events");
      if (await repo.findBusinessSubscription(tx.trx, business.id, app.id)) return;
      await repo.insertBusinessSubscription(tx.trx, { business_id: business.id, app_id: app.id, subscribed_by: subjectOf(ctx)?.principalId ?? null, created_at: tx.now });
      await tx.audit({ action: "webhook.subscribe", businessId: business.id, targetType: "business", targetId: business.id, after: { app: app.id } });
    });
  }

  /** Unsubscribes an app from a business's events; for the business's admins. */
  async unsubscribeBusiness(ctx: RequestContext, input: { businessId: string; appId: string }): Promise<void> {
    await runCommand(this.deps, ctx, { action: "webhook.unsubscribe", businessId: input.businessId, targetType: "business", targetId: input.businessId }, async (tx) => {
      const app = await this.requireApp(tx.trx, input.appId);
      const business = await this.requireBusiness(tx.trx, input.businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, business.id, "unsubscribing apps from the business's events");
      if (!(await repo.findBusinessSubscription(tx.trx, business.id, app.id))) return;
      await repo.deleteBusinessSubscription(tx.trx, business.id, app.id);
      await tx.audit({ action: "webhook.unsubscribe", businessId: business.id, targetType: "business", targetId: business.id, before: { app: app.id } });
    });
  }

  async listBusinessSubscribedApps(ctx: RequestContext, businessId: string): Promise<SubscribedAppView[]> {
    const business = await this.requireBusiness(this.deps.db, businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, business.id, "seeing the apps subscribed to the business's events");
    const rows = await repo.listBusinessSubscriptions(this.deps.db, business.id);
    return rows.map((r) => ({ appId: r.app_id, name: r.app_name, createdAt: r.created_at }));
  }

  // ---- publishing and the delivery log ------------------------------------------------------------

  /** Queues an event inside the caller's transaction; see WebhookPublisher.publish. */
  async publish(tx: Pick<CommandTx, "trx" | "now">, event: WebhookEvent): Promise<number> {
    return this.publisher.publish(tx, event);
  }

  /** Queues a business event inside the caller's transaction; see WebhookPublisher.publishToBusiness. */
  async publishToBusiness(tx: Pick<CommandTx, "trx" | "now">, event: BusinessWebhookEvent): Promise<number> {
    return this.publisher.publishToBusiness(tx, event);
  }

  /** `GET /{app_id}/webhook_deliveries`: the app's deliveries, newest first, for the app's admins. */
  async listDeliveries(
    ctx: RequestContext,
    appId: string,
    page: PageRequest,
    statuses?: string[],
  ): Promise<{ page: Page<WebhookDeliveryView>; total: () => Promise<number> }> {
    const app = await this.requireApp(this.deps.db, appId);
    authorizeBusinessAdmin(this.deps.engine, ctx, app.business_id, "reading the app's webhook deliveries");
    const wanted = statuses?.map((s) => s.toLowerCase());
    const unknown = wanted?.filter((s) => !(DELIVERY_STATUSES as string[]).includes(s)) ?? [];
    if (unknown.length > 0) throw errors.invalidParameter(`Unknown delivery status ${unknown.join(", ")}. Valid: ${DELIVERY_STATUSES.join(", ")}.`);
    const filter = wanted as DeliveryStatus[] | undefined;
    const rows = await repo.pageDeliveries(this.deps.db, app.id, page, filter);
    return { page: { ...rows, items: rows.items.map(presentDelivery) }, total: () => repo.countDeliveries(this.deps.db, app.id, filter) };
  }

  // ---- for the dispatcher ------------------------------------------------------------------------

  /**
   * Claims up to `limit` due deliveries for one attempt each, leased until `now + leaseMs`. Rows
   * another dispatcher claimed first are skipped, so no delivery is sent twice at once.
   */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const db = this.deps.db;
    const claimed: ClaimedDelivery[] = [];
    for (const { id, attempt } of await outbox.claimDue(db, "webhook_deliveries", now, limit, leaseMs)) {
      const row = await repo.findDelivery(db, id);
      if (!row) continue;
      claimed.push({ id, appId: row.app_id, attempt, body: row.payload, target: await this.targetOf(row) });
    }
    return claimed;
  }

  /** Records an attempt: delivered on 2xx, else retried after a backoff, or failed after the last attempt. */
  async finishAttempt(claim: ClaimedDelivery, outcome: CallbackOutcome, now: number): Promise<DeliveryStatus | undefined> {
    const changes = outbox.attemptChanges(claim.attempt, outcome, now);
    // False when this attempt's lease ran out and another dispatcher took the row over; its outcome stands.
    const recorded = await outbox.finishAttempt(this.deps.db, "webhook_deliveries", claim, changes);
    return recorded ? (changes.status as DeliveryStatus) : undefined;
  }

  // ---- internals ---------------------------------------------------------------------------------

  private async targetOf(row: WebhookDeliveryRow): Promise<ClaimedDelivery["target"]> {
    const config = await repo.findConfig(this.deps.db, row.app_id, row.object);
    if (!config) return { problem: `The app has no ${row.object} webhook configured.` };
    const sealed = await repo.findSealedSecret(this.deps.db, row.app_id);
    if (sealed === undefined) return { problem: "The app has no webhook signing secret." };
    try {
      return { callbackUrl: config.callback_url, signingSecret: this.secrets().open(sealed, secretContext(row.app_id)) };
    } catch {
      return { problem: "The signing secret cannot be opened with this instance's secret key (GRANTLINE_SECRET_KEY differs from the one that sealed it)." };
    }
  }

  private async checkConfigInput(
    trx: Executor,
    ctx: RequestContext,
    appId: string,
    input: { object: unknown; callbackUrl: unknown; verifyToken: unknown; fields: unknown },
  ): Promise<{ app: AppRow; object: WebhookObject; callbackUrl: string; verifyToken: string; fields: WebhookField[] }> {
    const app = await this.requireApp(trx, appId);
    authorizeBusinessAdmin(this.deps.engine, ctx, app.business_id, "configuring the app's webhooks");
    const object = parseObject(input.object);
    const callbackUrl = parseCallbackUrl(input.callbackUrl);
    const verifyToken = z.string().min(1).max(MAX_VERIFY_TOKEN_LENGTH).safeParse(input.verifyToken);
    if (!verifyToken.success) throw errors.invalidParameter(`verify_token is required (1 to ${MAX_VERIFY_TOKEN_LENGTH} characters).`);
    const fields = parseFields(input.fields, object);
    if (fields.length === 0) throw errors.invalidParameter(`Pass at least one field to subscribe to: ${OBJECT_FIELDS[object].join(", ")}.`);
    return { app, object, callbackUrl, verifyToken: verifyToken.data, fields };
  }

  private async requireApp(trx: Executor, appId: string): Promise<AppRow> {
    const app = await findApp(trx, appId);
    if (!app) throw errors.invalidParameter(`No app has the ID ${appId}.`);
    return app;
  }

  private async requireBusiness(trx: Executor, businessId: string) {
    const business = await findBusiness(trx, businessId);
    if (!business) throw errors.unknownBusiness(businessId);
    return business;
  }

  private async requireAdAccount(trx: Executor, objectId: string): Promise<AssetRow> {
    const asset = await findAsset(trx, assetIdFromGraph(objectId));
    if (!asset || asset.type !== "ad_account") throw errors.unknownAsset(objectId);
    return asset;
  }
}

function parseObject(value: unknown): WebhookObject {
  if (typeof value !== "string" || !(WEBHOOK_OBJECTS as readonly string[]).includes(value)) {
    throw errors.invalidParameter(`object must be one of ${WEBHOOK_OBJECTS.join(", ")}.`);
  }
  return value as WebhookObject;
}

function parseFields(value: unknown, object: WebhookObject): WebhookField[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw errors.invalidParameter("fields must be a list of field names.");
  const unknown = (value as string[]).filter((f) => !isFieldOf(object, f));
  if (unknown.length > 0) {
    throw errors.invalidParameter(`Unknown field ${unknown.join(", ")} for ${object}. Valid fields: ${OBJECT_FIELDS[object].join(", ")}.`);
  }
  return [...new Set(value as WebhookField[])];
}

/** http or https, no credentials in the URL. Whether its host may be called is checkAddress's question. */
function parseCallbackUrl(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_URL_LENGTH) {
    throw errors.invalidParameter(`callback_url is required (an http or https URL of at most ${MAX_URL_LENGTH} characters).`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw errors.invalidParameter("callback_url must be an absolute http or https URL.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw errors.invalidParameter("callback_url must be an http or https URL.");
  if (url.username || url.password) throw errors.invalidParameter("callback_url must not carry a user name or password.");
  url.hash = "";
  return url.toString();
}

function presentConfig(row: WebhookConfigRow): WebhookConfigView {
  return {
    appId: row.app_id,
    object: row.object as WebhookObject,
    callbackUrl: row.callback_url,
    fields: repo.webhookConfigFields.decode(row.fields).filter(isWebhookField),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function presentDelivery(row: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: row.id,
    appId: row.app_id,
    object: row.object,
    objectId: row.object_id,
    field: row.field,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    lastHttpStatus: row.last_http_status,
    lastError: row.last_error,
    createdAt: row.created_at,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.status === "pending" ? row.next_attempt_at : null,
    deliveredAt: row.delivered_at,
    payload: row.payload,
  };
}
