import type { RequestContext } from "../context.ts";
import type { Executor } from "../../store/database.ts";
import type { Alert, MessageAlert, Severity } from "./alert.ts";

/**
 * What the hub, the Graph surface, the server's metrics and Autopilot ask of the notifier (src/notify),
 * which the composition root builds beside the hub: raising an alert, and a business's channels and
 * recent alerts. Delivering them (the outbox the dispatcher works through) is the notifier's own.
 */
export interface NotificationsPort {
  /**
   * Raises an alert for a business: stored, deduplicated, and queued for each of its channels that
   * takes its severity. With `trx`, the alert commits (or not) with the caller's own writes.
   */
  raise(alert: Alert, trx?: Executor): Promise<RaiseOutcome>;
  addChannel(ctx: RequestContext, businessId: string, input: ChannelInput): Promise<{ channel: ChannelView; signingSecret: string | null }>;
  listChannels(ctx: RequestContext, businessId: string): Promise<ChannelView[]>;
  removeChannel(ctx: RequestContext, businessId: string, channelId: string): Promise<void>;
  /** Sends a test message through the channel now and says how it went. */
  testChannel(ctx: RequestContext, businessId: string, channelId: string): Promise<ChannelOutcome>;
  /** The business's recent alerts, newest first, with each channel's delivery status. */
  listAlerts(ctx: RequestContext, businessId: string, limit?: number): Promise<AlertView[]>;
  /** Alert deliveries still to be sent, and when the oldest was created: the operator's outbox depth and age. */
  deliveryBacklog(): Promise<{ rows: number; oldestCreatedAt: number | null }>;
}

export const CHANNEL_KINDS = ["slack", "email", "whatsapp", "webhook"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export type NotificationStatus = "pending" | "held" | "delivering" | "delivered" | "failed" | "digested";

/** What an admin gives when adding a channel (CLI flags or Graph parameters). */
export interface ChannelInput {
  kind?: unknown;
  name?: unknown;
  /** Slack: the incoming-webhook URL. Webhook: the receiver's URL. */
  url?: unknown;
  /** Email: addresses (list or comma-separated). WhatsApp: the recipient's number. */
  to?: unknown;
  phoneNumberId?: unknown;
  /** WhatsApp: the Cloud API access token. */
  token?: unknown;
  baseUrl?: unknown;
  template?: unknown;
  templateLanguage?: unknown;
  minSeverity?: unknown;
  /** "22:00-07:00", or empty for none. */
  quietHours?: unknown;
  timeZone?: unknown;
}

export type ChannelOutcome = { ok: true; status: number | null } | { ok: false; status: number | null; error: string };

export interface ChannelView {
  id: string;
  businessId: string;
  kind: ChannelKind;
  name: string;
  /** Where messages go, without secrets: recipients, the WhatsApp number, the webhook's host. */
  destination: string;
  /** A few characters of the secret (Slack URL, WhatsApp token, signing secret), never the whole. */
  secretHint: string | null;
  minSeverity: Severity;
  quietHours: string | null;
  timeZone: string;
  createdAt: number;
}

export interface AlertDeliveryView {
  id: string;
  channelId: string;
  status: NotificationStatus;
  heldReason: string | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: number | null;
  deliveredAt: number | null;
}

/** A raised alert as the Graph and the CLI list it: what channels render, whose it is, and where it went. */
export interface AlertView extends MessageAlert {
  businessId: string;
  source: string;
  deliveries: AlertDeliveryView[];
}

/** What raising an alert did. */
export interface RaiseOutcome {
  /** The new alert, or the one whose dedup window swallowed this repeat. */
  alertId: string | undefined;
  deduplicated: boolean;
  /** Deliveries queued to send now, and held (quiet hours or rate limit) for a later digest. */
  queued: number;
  held: number;
}
