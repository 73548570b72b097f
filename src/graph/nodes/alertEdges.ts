import { alertContent } from "../../hub/alerts/alert.ts";
import type { AlertView, ChannelView } from "../../hub/alerts/notifications.port.ts";
import { graphTime } from "../graphPresenters.ts";
import { raw, success, type EdgeSpec, type GraphObject } from "../graphTypes.ts";
import { listOf } from "../listing.ts";
import { listParam, stringParam } from "../params.ts";

const CHANNEL_DEFAULTS = ["id", "kind", "name", "destination", "min_severity", "quiet_hours", "time_zone"] as const;
const ALERT_DEFAULTS = ["id", "kind", "severity", "title", "created_time", "deliveries"] as const;

function presentChannel(c: ChannelView): GraphObject {
  return {
    id: c.id,
    kind: c.kind,
    name: c.name,
    destination: c.destination,
    secret_hint: c.secretHint,
    min_severity: c.minSeverity,
    quiet_hours: c.quietHours,
    time_zone: c.timeZone,
    created_time: graphTime(c.createdAt),
  };
}

function presentAlert(a: AlertView): GraphObject {
  return {
    ...alertContent(a),
    source: a.source,
    created_time: graphTime(a.createdAt),
    deliveries: a.deliveries.map((d) => ({
      id: d.id,
      channel_id: d.channelId,
      status: d.status.toUpperCase(),
      held_reason: d.heldReason,
      attempts: d.attempts,
      last_error: d.lastError,
      next_attempt_time: graphTime(d.nextAttemptAt),
      delivered_time: graphTime(d.deliveredAt),
    })),
  };
}

/**
 * `/{business_id}/alert_channels` (Grantline's own edge), for the business's admins: GET lists the
 * channels (secrets masked), POST adds one (kind, name, url, to, phone_number_id, token, base_url,
 * template, template_language, min_severity, quiet_hours, time_zone; a webhook channel answers
 * with its `signing_secret`, shown that once), DELETE removes `channel_id`.
 */
export const alertChannels: EdgeSpec = {
  GET: async (call, node) => {
    const channels = await call.hub.notifications.listChannels(call.caller.ctx, node.id);
    return listOf(call, channels, (c) => ({ createdAt: c.createdAt, id: c.id }), presentChannel, CHANNEL_DEFAULTS);
  },
  POST: async (call, node) => {
    const p = call.params;
    const { channel, signingSecret } = await call.hub.notifications.addChannel(call.caller.ctx, node.id, {
      kind: stringParam(p, "kind", true),
      name: stringParam(p, "name"),
      url: stringParam(p, "url"),
      to: listParam(p, "to"),
      phoneNumberId: stringParam(p, "phone_number_id"),
      token: stringParam(p, "token"),
      baseUrl: stringParam(p, "base_url"),
      template: stringParam(p, "template"),
      templateLanguage: stringParam(p, "template_language"),
      minSeverity: stringParam(p, "min_severity"),
      quietHours: stringParam(p, "quiet_hours"),
      timeZone: stringParam(p, "time_zone"),
    });
    return raw(signingSecret ? { id: channel.id, signing_secret: signingSecret } : { id: channel.id });
  },
  DELETE: async (call, node) => {
    await call.hub.notifications.removeChannel(call.caller.ctx, node.id, stringParam(call.params, "channel_id", true));
    return success();
  },
};

/** `POST /{business_id}/alert_channel_tests` with `channel_id`: sends a test message now and answers how it went. */
export const alertChannelTests: EdgeSpec = {
  POST: async (call, node) => {
    const outcome = await call.hub.notifications.testChannel(call.caller.ctx, node.id, stringParam(call.params, "channel_id", true));
    return raw(outcome.ok ? { success: true, status: outcome.status } : { success: false, status: outcome.status, error: outcome.error });
  },
};

/** `GET /{business_id}/alerts`: the business's latest 500 alerts (security alerts, Autopilot's), paged, with delivery status per channel. */
export const businessAlerts: EdgeSpec = {
  GET: async (call, node) => {
    const alerts = await call.hub.notifications.listAlerts(call.caller.ctx, node.id, 500);
    return listOf(call, alerts, (a) => ({ createdAt: a.createdAt, id: a.id }), presentAlert, ALERT_DEFAULTS);
  },
};
