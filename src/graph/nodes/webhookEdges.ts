import { errors } from "../../errors.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import type { WebhookConfigView, WebhookDeliveryView } from "../../hub/webhooks/webhook.service.ts";
import { requireAsset } from "../../hub/access/callerAccess.ts";
import { graphTime } from "../graphPresenters.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphNode, type GraphObject, type NodeResolver, type NodeSpec } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { pageWith } from "../../store/paging.ts";
import { listParam, stringParam } from "../params.ts";

/** The Graph version Grantline speaks, as Meta reports it for each subscribed field. */
const FIELD_VERSION = "v24.0";

/** Apps are not in the access index; a bare id that names one resolves to an `app` node. */
export const resolveApp: NodeResolver = async (hub, id) => ((await hub.webhooks.findApp(id)) ? { type: "app", id } : undefined);

function presentConfig(config: WebhookConfigView): GraphObject {
  return {
    object: config.object,
    callback_url: config.callbackUrl,
    active: true,
    fields: config.fields.map((name) => ({ name, version: FIELD_VERSION })),
  };
}

function presentDelivery(delivery: WebhookDeliveryView): GraphObject {
  return {
    id: delivery.id,
    object: delivery.object,
    object_id: delivery.objectId,
    field: delivery.field,
    status: delivery.status.toUpperCase(),
    attempts: delivery.attempts,
    last_http_status: delivery.lastHttpStatus,
    last_error: delivery.lastError,
    created_time: graphTime(delivery.createdAt),
    last_attempt_time: graphTime(delivery.lastAttemptAt),
    next_attempt_time: graphTime(delivery.nextAttemptAt),
    delivered_time: graphTime(delivery.deliveredAt),
    payload: JSON.parse(delivery.payload) as unknown,
  };
}

/**
 * `/{app_id}/subscriptions`, Meta's app webhook config. POST (object, callback_url, verify_token,
 * fields) verifies the callback with the hub.challenge handshake first and adds the fields to the
 * object's subscription. Grantline deviation: the first POST of an app also answers with
 * `signing_secret`, the key of the deliveries' `X-Hub-Signature-256`, shown that one time only.
 */
const subscriptions: EdgeSpec = {
  GET: async (call, node) => {
    const configs = await call.hub.webhooks.listConfigs(call.caller.ctx, node.id);
    return listOf(call, configs, (c) => ({ createdAt: c.createdAt, id: c.object }), presentConfig, ["object", "callback_url", "active", "fields"]);
  },
  POST: async (call, node) => {
    const { signingSecret } = await call.hub.webhooks.configure(call.caller.ctx, node.id, {
      object: stringParam(call.params, "object", true),
      callbackUrl: stringParam(call.params, "callback_url", true),
      verifyToken: stringParam(call.params, "verify_token", true),
      fields: listParam(call.params, "fields", true),
    });
    return raw(signingSecret ? { success: true, signing_secret: signingSecret } : { success: true });
  },
  DELETE: async (call, node) => {
    await call.hub.webhooks.removeConfig(call.caller.ctx, node.id, {
      object: stringParam(call.params, "object"),
      fields: listParam(call.params, "fields"),
    });
    return success();
  },
};

const DELIVERY_DEFAULTS = ["id", "field", "status", "attempts", "last_http_status", "last_error", "created_time"] as const;

/**
 * `/{app_id}/webhook_deliveries` (Grantline's own edge): the app's delivery log, newest first, for
 * admins of the app's business. Each row has status (PENDING, DELIVERING, DELIVERED, FAILED),
 * attempts, last_http_status, last_error, its times and the payload as sent; `status` filters.
 */
const webhookDeliveries: EdgeSpec = {
  GET: async (call, node) => {
    const { page, total } = await call.hub.webhooks.listDeliveries(call.caller.ctx, node.id, call.paging, listParam(call.params, "status"));
    return { kind: "list", page: pageWith(page, page.items.map(presentDelivery)), defaults: DELIVERY_DEFAULTS, total };
  },
};

/** An app as a Graph node: its id and name, readable by any caller (as on Meta), with its webhook edges. */
export const appNode: NodeSpec = {
  defaults: ["id", "name"],
  read: async (call, node) => {
    const app = await call.hub.webhooks.findApp(node.id);
    if (!app) throw errors.notFound(`Object with ID '${node.id}'`);
    return { id: app.id, name: app.name };
  },
  edges: { subscriptions, webhook_deliveries: webhookDeliveries },
};

/** The app a subscribed_apps call is about: `app_id`, else the app the access token was issued through. */
function appOf(call: GraphCall): string {
  const appId = stringParam(call.params, "app_id") ?? call.caller.token.appId;
  if (!appId) throw errors.invalidParameter("The parameter app_id is required when the access token was not issued through an app.");
  return appId;
}

function requireAccount(call: GraphCall, node: GraphNode): void {
  requireAsset(call.hub, call.caller.ctx, "view_asset", node.id, adAccountGraphId(node.id));
}

/** `/act_<id>/subscribed_apps`: apps that receive the ad account's webhooks. */
export const subscribedApps: EdgeSpec = {
  GET: async (call, node) => {
    requireAccount(call, node);
    const apps = await call.hub.webhooks.listSubscribedApps(call.caller.ctx, node.id);
    return listOf(call, apps, (a) => ({ createdAt: a.createdAt, id: a.appId }), (a) => ({ id: a.appId, name: a.name }), ["id", "name"]);
  },
  POST: async (call, node) => {
    requireAccount(call, node);
    await call.hub.webhooks.subscribe(call.caller.ctx, { objectId: node.id, appId: appOf(call) });
    return success();
  },
  DELETE: async (call, node) => {
    requireAccount(call, node);
    await call.hub.webhooks.unsubscribe(call.caller.ctx, { objectId: node.id, appId: appOf(call) });
    return success();
  },
};

/**
 * `/{business_id}/subscribed_apps` (Grantline's own edge, shaped like the ad account's): apps that
 * receive the business's webhooks (`system_user_token_expiry`), for the business's admins.
 */
export const businessSubscribedApps: EdgeSpec = {
  GET: async (call, node) => {
    const apps = await call.hub.webhooks.listBusinessSubscribedApps(call.caller.ctx, node.id);
    return listOf(call, apps, (a) => ({ createdAt: a.createdAt, id: a.appId }), (a) => ({ id: a.appId, name: a.name }), ["id", "name"]);
  },
  POST: async (call, node) => {
    await call.hub.webhooks.subscribeBusiness(call.caller.ctx, { businessId: node.id, appId: appOf(call) });
    return success();
  },
  DELETE: async (call, node) => {
    await call.hub.webhooks.unsubscribeBusiness(call.caller.ctx, { businessId: node.id, appId: appOf(call) });
    return success();
  },
};
