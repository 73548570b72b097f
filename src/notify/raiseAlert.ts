import type { Alert } from "../hub/alerts/alert.ts";
import type { NotificationsPort, RaiseOutcome } from "../hub/alerts/notifications.port.ts";

export type { Alert, AlertField, Severity } from "../hub/alerts/alert.ts";

/**
 * The one entry point for sending an alert to a business's channels (Slack, email, WhatsApp,
 * signed webhook). The hub's security alerts use it, and so does Autopilot for spend spikes,
 * disapproved ads, failing URLs and expiring tokens:
 *
 *   await raiseAlert(hub, { businessId, kind: "spend_spike", severity: "warning", title, body,
 *     fields: [{ name: "Spend today", value: "$412" }], link, dedupKey: `spend_spike:${accountId}:${day}` });
 *
 * Deduplication (same dedupKey within GRANTLINE_ALERTS_DEDUP_MINUTES is counted, not resent), the
 * hourly limits, quiet hours (non-critical alerts wait and arrive as a digest), retries and the
 * delivery log all apply. Pass `trx` to commit the alert with the caller's own transaction.
 */
export function raiseAlert(hub: { notifications: NotificationsPort }, alert: Alert, trx?: Parameters<NotificationsPort["raise"]>[1]): Promise<RaiseOutcome> {
  return hub.notifications.raise(alert, trx);
}
