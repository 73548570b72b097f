import type { MessageAlert, Severity } from "../hub/alerts/alert.ts";
import type { ChannelKind, ChannelOutcome } from "../hub/alerts/notifications.port.ts";

/**
 * What one delivery sends: a single alert, or a digest of the alerts held back during quiet hours
 * or by the rate limit.
 */
export interface NotificationMessage {
  /** The delivery's id: receivers can use it to drop a retried duplicate. */
  deliveryId: string;
  businessId: string;
  businessName: string;
  alerts: MessageAlert[];
  digest: { reason: string } | null;
  sentAt: number;
}

/** A channel's stored settings, with its secret opened for this send only. */
export interface ChannelTarget {
  config: Record<string, unknown>;
  secret: string | null;
}

/** A way of reaching people: renders a message for its service and sends it. */
export interface Channel {
  readonly kind: ChannelKind;
  send(message: NotificationMessage, target: ChannelTarget): Promise<ChannelOutcome>;
}

/** The message's headline: the alert's title, or "N alerts" for a digest. */
export function headline(message: NotificationMessage): string {
  const [first] = message.alerts;
  if (!message.digest && first) return first.title;
  return `${message.alerts.length} alert${message.alerts.length === 1 ? "" : "s"} for ${message.businessName} (${message.digest?.reason ?? "digest"})`;
}

/** The highest severity in the message. */
export function topSeverity(message: NotificationMessage): Severity {
  const order: Severity[] = ["info", "warning", "critical"];
  return message.alerts.reduce<Severity>((top, a) => (order.indexOf(a.severity) > order.indexOf(top) ? a.severity : top), "info");
}

/** Plain-text rendering shared by email and WhatsApp. */
export function plainText(message: NotificationMessage): string {
  const lines: string[] = [];
  if (message.digest) lines.push(`${headline(message)}:`, "");
  for (const alert of message.alerts) {
    lines.push(`[${alert.severity.toUpperCase()}] ${alert.title}`);
    if (alert.body) lines.push(alert.body);
    for (const field of alert.fields) lines.push(`${field.name}: ${field.value}`);
    if (alert.evidence.length > 0) lines.push(`Audit entries: ${alert.evidence.map((s) => `#${s}`).join(", ")}`);
    if (alert.repeats > 0) lines.push(`Repeated ${alert.repeats} more time(s).`);
    if (alert.link) lines.push(alert.link);
    lines.push("");
  }
  lines.push(`${message.businessName} (Business ID ${message.businessId}) · ${new Date(message.sentAt).toISOString()}`);
  return lines.join("\n");
}
