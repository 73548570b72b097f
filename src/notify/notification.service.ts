import type { SecretBox } from "../crypto/secretBox.ts";
import { errors } from "../errors.ts";
import { authorizeBusinessAdmin, subjectOf } from "../hub/access/authorize.ts";
import { findBusiness } from "../hub/businesses/business.repository.ts";
import { addressRefusal } from "../hub/webhooks/webhookCallback.client.ts";
import type { RequestContext } from "../hub/context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hub/hubCommand.ts";
import * as outbox from "../store/leasedOutbox.repository.ts";
import { newId } from "../ids.ts";
import type { Mailer } from "../mail/mailer.ts";
import { OutboundHttp } from "../net/outbound.ts";
import type { Executor } from "../store/database.ts";
import { isUrgent, parseAlert, severityRank, type Alert, type MessageAlert, type Severity } from "../hub/alerts/alert.ts";
import type {
  AlertDeliveryView,
  AlertView,
  ChannelInput,
  ChannelKind,
  ChannelOutcome,
  ChannelView,
  NotificationsPort,
  RaiseOutcome,
} from "../hub/alerts/notifications.port.ts";
import type { Channel, ChannelTarget, NotificationMessage } from "./channel.ts";
import { calledUrlOf, parseChannelInput } from "./channelSettings.ts";
import { EmailChannel } from "./emailChannel.ts";
import * as repo from "./notification.repository.ts";
import type { NotificationStatus } from "../hub/alerts/notifications.port.ts";
import type { AlertRow, ChannelRow, DeliveryRow } from "./notification.repository.ts";
import { formatQuietSpan, isQuiet, quietEndsAt } from "./quietHours.ts";
import { SlackChannel } from "./slackChannel.ts";
import { SignedWebhookChannel } from "./webhookChannel.ts";
import { WhatsAppChannel } from "./whatsappChannel.ts";

const HOUR = 60 * 60_000;

export interface NotificationSettings {
  /** A repeat of a dedup key within this window is counted, not sent. Default 1 hour. */
  dedupWindowMs?: number;
  /** Messages per channel per hour before the rest wait for a digest. Default 20. */
  channelPerHour?: number;
  /** Messages per business (all its channels) per hour. Default 60. */
  businessPerHour?: number;
  /** Default WhatsApp Cloud API base URL. */
  whatsappApiUrl?: string;
  /** How long one send may take. Default 10 s. */
  sendTimeoutMs?: number;
  /** How Slack, WhatsApp and webhook channels call their URLs; default: internal addresses refused. */
  outbound?: OutboundHttp;
}

/** A delivery a dispatcher holds for one attempt, with its message (or why it cannot be sent). */
export interface ClaimedNotification {
  id: string;
  attempt: number;
  digest: boolean;
  channel: Channel | undefined;
  message: NotificationMessage | undefined;
  target: ChannelTarget | { problem: string };
}

/** Channel secrets are sealed under their channel's id, so a sealed value opens only on its own row. */
const secretContext = (channelId: string) => `notification_channel:${channelId}`;

/**
 * Notification channels and the alerts sent through them. Alerts are stored, deduplicated, routed
 * to every channel of the business that takes their severity, held during a channel's quiet hours
 * (urgent ones excepted) or beyond its rate limit and then sent as one digest, and delivered by
 * NotificationDispatcher through a durable outbox with retries.
 */
export class NotificationService implements NotificationsPort {
  private readonly channels: Record<ChannelKind, Channel>;
  private readonly dedupWindowMs: number;
  private readonly channelPerHour: number;
  private readonly businessPerHour: number;
  private readonly whatsappApiUrl: string;
  private readonly outbound: OutboundHttp;

  constructor(
    private readonly deps: HubDeps,
    private readonly secrets: () => SecretBox,
    mailer: () => Mailer,
    settings: NotificationSettings = {},
  ) {
    const timeout = settings.sendTimeoutMs ?? 10_000;
    this.whatsappApiUrl = settings.whatsappApiUrl ?? "https://graph.facebook.com/v24.0";
    // The operator's WhatsApp API base is configuration, not a tenant's URL.
    this.outbound = settings.outbound ?? new OutboundHttp({ trustedOrigins: [this.whatsappApiUrl] });
    this.channels = {
      slack: new SlackChannel(this.outbound, timeout),
      email: new EmailChannel(mailer),
      whatsapp: new WhatsAppChannel(this.outbound, timeout),
      webhook: new SignedWebhookChannel(this.outbound, timeout),
    };
    this.dedupWindowMs = settings.dedupWindowMs ?? HOUR;
    this.channelPerHour = settings.channelPerHour ?? 20;
    this.businessPerHour = settings.businessPerHour ?? 60;
  }

  /** Alert deliveries still to be sent, and when the oldest was created: the operator's outbox depth and age. */
  deliveryBacklog(): Promise<{ rows: number; oldestCreatedAt: number | null }> {
    return outbox.outboxBacklog(this.deps.db, "notification_deliveries");
  }

  now(): number {
    return this.deps.now();
  }

  // ---- channel configuration (business admins) -----------------------------------------------

  /**
   * Adds a channel. Its secret (Slack URL, WhatsApp token) is stored sealed; a signed webhook gets
   * a new signing secret, returned here once and never again. A URL whose host is, or resolves to,
   * an internal address is refused before anything is stored (and checked again at every send).
   */
  async addChannel(ctx: RequestContext, businessId: string, input: ChannelInput): Promise<{ channel: ChannelView; signingSecret: string | null }> {
    const attempt: AuditAttempt = { action: "alert_channel.add", businessId, targetType: "business", targetId: businessId };
    // Only the business's admins get as far as a name look-up; it runs outside any transaction.
    const settings = await runCommand(this.deps, ctx, attempt, async (tx) => {
      await this.requireAdmin(tx.trx, ctx, businessId, "adding alert channels");
      return parseChannelInput(input, { whatsappApiUrl: this.whatsappApiUrl });
    });
    const called = calledUrlOf(settings);
    const refusal = called ? await addressRefusal(this.outbound, called.url, called.field) : undefined;
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      await this.requireAdmin(tx.trx, ctx, businessId, "adding alert channels");
      if (refusal) throw refusal;
      const id = newId();
      const row: ChannelRow = {
        id,
        business_id: businessId,
        kind: settings.kind,
        name: settings.name,
        config_json: repo.channelConfig.encode(settings.config),
        sealed_secret: settings.secret === null ? null : this.secrets().seal(settings.secret, secretContext(id)),
        secret_hint: settings.secretHint,
        min_severity: settings.minSeverity,
        quiet_start: settings.quietStart,
        quiet_end: settings.quietEnd,
        time_zone: settings.timeZone,
        created_by: subjectOf(ctx)?.principalId ?? null,
        created_at: tx.now,
        updated_at: tx.now,
      };
      await repo.insertChannel(tx.trx, row);
      const channel = presentChannel(row);
      // The audit entry carries what the list shows: never the secret itself.
      await tx.audit({ action: "alert_channel.add", businessId, targetType: "alert_channel", targetId: id, after: channel });
      return { channel, signingSecret: settings.generatedSecret };
    });
  }

  async listChannels(ctx: RequestContext, businessId: string): Promise<ChannelView[]> {
    await this.requireAdmin(this.deps.db, ctx, businessId, "seeing alert channels");
    return (await repo.listChannels(this.deps.db, businessId)).map(presentChannel);
  }

  async removeChannel(ctx: RequestContext, businessId: string, channelId: string): Promise<void> {
    const attempt: AuditAttempt = { action: "alert_channel.remove", businessId, targetType: "alert_channel", targetId: channelId };
    await runCommand(this.deps, ctx, attempt, async (tx) => {
      await this.requireAdmin(tx.trx, ctx, businessId, "removing alert channels");
      const row = await this.requireChannel(tx.trx, businessId, channelId);
      await repo.deleteChannel(tx.trx, row.id);
      await tx.audit({ action: "alert_channel.remove", businessId, targetType: "alert_channel", targetId: row.id, before: presentChannel(row) });
    });
  }

  /** Sends a test message through the channel now (not through the outbox) and says how it went; the attempt is audited. */
  async testChannel(ctx: RequestContext, businessId: string, channelId: string): Promise<ChannelOutcome> {
    const attempt: AuditAttempt = { action: "alert_channel.test", businessId, targetType: "alert_channel", targetId: channelId };
    const row = await runCommand(this.deps, ctx, attempt, async (tx) => {
      await this.requireAdmin(tx.trx, ctx, businessId, "testing alert channels");
      return this.requireChannel(tx.trx, businessId, channelId);
    });
    const now = this.deps.now();
    const business = await findBusiness(this.deps.db, businessId);
    const message: NotificationMessage = {
      deliveryId: `test-${newId()}`,
      businessId,
      businessName: business?.name ?? businessId,
      digest: null,
      sentAt: now,
      alerts: [
        {
          id: "test",
          kind: "channel_test",
          severity: "info",
          title: `Test message for ${row.name}`,
          body: "Grantline alerts for this business will arrive here.",
          fields: [{ name: "Channel", value: `${row.kind} (${row.id})` }],
          link: null,
          evidence: [],
          createdAt: now,
          repeats: 0,
        },
      ],
    };
    const target = this.targetOf(row);
    const outcome: ChannelOutcome = "problem" in target ? { ok: false, status: null, error: target.problem } : await this.channels[row.kind as ChannelKind].send(message, target);
    await this.deps.audit.record(ctx, {
      ...attempt,
      outcome: outcome.ok ? "success" : "failed",
      reason: outcome.ok ? null : outcome.error,
    });
    return outcome;
  }

  /** The business's recent alerts, newest first, with each channel's delivery status. */
  async listAlerts(ctx: RequestContext, businessId: string, limit = 50): Promise<AlertView[]> {
    await this.requireAdmin(this.deps.db, ctx, businessId, "seeing alerts");
    const rows = await repo.listAlerts(this.deps.db, businessId, Math.min(Math.max(limit, 1), 500));
    const ids = rows.map((r) => r.id);
    const [deliveries, repeats] = await Promise.all([repo.listDeliveriesOfAlerts(this.deps.db, ids), repo.repeatsOf(this.deps.db, ids)]);
    return rows.map((row) => ({
      ...presentAlert(row, repeats.get(row.id) ?? 0),
      deliveries: deliveries.filter((d) => d.alert_id === row.id).map(presentDelivery),
    }));
  }

  // ---- raising -------------------------------------------------------------------------------

  /**
   * Raises an alert for a business: stored, deduplicated (the same dedupKey within the window is
   * counted once), and queued for each of the business's channels that takes its severity. Pass
   * the caller's transaction to make the alert commit (or not) with the caller's own writes.
   */
  async raise(input: Alert, trx?: Executor): Promise<RaiseOutcome> {
    const alert = parseAlert(input);
    const work = async (t: Executor): Promise<RaiseOutcome> => {
      const now = this.deps.now();
      if (!(await findBusiness(t, alert.businessId))) throw errors.unknownBusiness(alert.businessId);
      const id = newId();
      if (!(await repo.openDedupWindow(t, alert.businessId, alert.dedupKey, id, now, this.dedupWindowMs))) {
        const original = await repo.countRepeat(t, alert.businessId, alert.dedupKey, now);
        return { alertId: original, deduplicated: true, queued: 0, held: 0 };
      }
      await repo.insertAlert(t, {
        id,
        business_id: alert.businessId,
        source: alert.source,
        kind: alert.kind,
        severity: alert.severity,
        title: alert.title,
        body: alert.body,
        fields_json: repo.alertFields.encode(alert.fields),
        link: alert.link,
        dedup_key: alert.dedupKey,
        evidence_json: repo.alertEvidence.encode(alert.evidence),
        created_at: now,
      });
      const outcome: RaiseOutcome = { alertId: id, deduplicated: false, queued: 0, held: 0 };
      for (const channel of await repo.listChannels(t, alert.businessId)) {
        if (severityRank(alert.severity) < severityRank(channel.min_severity as Severity)) continue;
        const plan = await this.planDelivery(t, channel, alert.severity, now);
        await repo.insertDeliveries(t, [
          {
            id: newId(),
            channel_id: channel.id,
            business_id: alert.businessId,
            alert_id: id,
            status: plan.status,
            held_reason: plan.heldReason,
            digest_id: null,
            attempts: 0,
            next_attempt_at: plan.at,
            lease_until: null,
            last_attempt_at: null,
            last_http_status: null,
            last_error: null,
            delivered_at: null,
            created_at: now,
          },
        ]);
        if (plan.status === "held") outcome.held += 1;
        else outcome.queued += 1;
      }
      return outcome;
    };
    if (trx?.isTransaction) return work(trx);
    return this.deps.db.transaction().execute(work);
  }

  /** Send now, or hold for quiet hours (non-urgent only) or for the hourly limits of the channel and the business. */
  private async planDelivery(t: Executor, channel: ChannelRow, severity: Severity, now: number): Promise<{ status: "pending" | "held"; heldReason: string | null; at: number }> {
    if (!isUrgent(severity) && channel.quiet_start !== null && channel.quiet_end !== null) {
      const quiet = { start: channel.quiet_start, end: channel.quiet_end, timeZone: channel.time_zone };
      if (isQuiet(now, quiet)) return { status: "held", heldReason: "quiet_hours", at: quietEndsAt(now, quiet) };
    }
    const since = now - HOUR;
    const byChannel = await repo.countRecentSends(t, { channelId: channel.id }, since);
    const byBusiness = await repo.countRecentSends(t, { businessId: channel.business_id }, since);
    const full = [
      byChannel.count >= this.channelPerHour ? byChannel.oldest : undefined,
      byBusiness.count >= this.businessPerHour ? byBusiness.oldest : undefined,
    ].filter((v) => v !== undefined);
    if (full.length > 0) {
      // Held until the oldest counted message leaves the hour, then sent with the others as a digest.
      const freeAt = Math.max(...full.map((oldest) => (oldest ?? now) + HOUR));
      return { status: "held", heldReason: "rate_limit", at: Math.max(freeAt, now + 60_000) };
    }
    return { status: "pending", heldReason: null, at: now };
  }

  // ---- for the dispatcher --------------------------------------------------------------------

  /**
   * Turns each channel's held messages whose wait is over into one digest delivery. Safe with
   * several instances: the held rows are taken by one conditional UPDATE. Returns digests made.
   */
  async releaseHeld(now: number, limit = 50): Promise<number> {
    let made = 0;
    for (const channelId of await repo.channelsWithDueHeld(this.deps.db, now, limit)) {
      await this.deps.db.transaction().execute(async (trx) => {
        const digestId = newId();
        const taken = await repo.takeDueHeld(trx, channelId, digestId, now);
        const first = taken[0];
        if (!first) return;
        const reasons = [...new Set(taken.map((t) => t.held_reason ?? "held"))].sort().join(",");
        await repo.insertDeliveries(trx, [
          {
            id: digestId,
            channel_id: channelId,
            business_id: first.business_id,
            alert_id: null,
            status: "pending",
            held_reason: reasons,
            digest_id: null,
            attempts: 0,
            next_attempt_at: now,
            lease_until: null,
            last_attempt_at: null,
            last_http_status: null,
            last_error: null,
            delivered_at: null,
            created_at: now,
          },
        ]);
        made += 1;
      });
    }
    return made;
  }

  /** Claims up to `limit` due deliveries for one attempt each, leased until `now + leaseMs`. */
  async claimDue(now: number, limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
    const db = this.deps.db;
    const claimed: ClaimedNotification[] = [];
    for (const { id, attempt } of await outbox.claimDue(db, "notification_deliveries", now, limit, leaseMs)) {
      const row = await repo.findDelivery(db, id);
      if (!row) continue;
      claimed.push(await this.prepare(row, attempt, now));
    }
    return claimed;
  }

  /** Sends a claimed delivery through its channel. */
  async send(claim: ClaimedNotification): Promise<ChannelOutcome> {
    if ("problem" in claim.target) return { ok: false, status: null, error: claim.target.problem };
    if (!claim.channel || !claim.message) return { ok: false, status: null, error: "Nothing to send." };
    return claim.channel.send(claim.message, claim.target);
  }

  /** Records an attempt: delivered, retried after a backoff, or failed after the last attempt. */
  async finishAttempt(claim: ClaimedNotification, outcome: ChannelOutcome, now: number): Promise<NotificationStatus | undefined> {
    // A problem that retrying cannot fix (channel removed, secret unreadable) fails at once.
    const changes = outbox.attemptChanges(claim.attempt, outcome, now, "problem" in claim.target);
    const recorded = await outbox.finishAttempt(this.deps.db, "notification_deliveries", claim, changes);
    if (!recorded) return undefined;
    if (claim.digest && (changes.status === "delivered" || changes.status === "failed")) {
      await repo.settleDigestMembers(this.deps.db, claim.id, changes.status, now, changes.last_error);
    }
    return changes.status as NotificationStatus;
  }

  // ---- internals -----------------------------------------------------------------------------

  private async prepare(row: DeliveryRow, attempt: number, now: number): Promise<ClaimedNotification> {
    const db = this.deps.db;
    const digest = row.alert_id === null;
    const base = { id: row.id, attempt, digest };
    const channelRow = await repo.findChannel(db, row.channel_id);
    if (!channelRow) return { ...base, channel: undefined, message: undefined, target: { problem: "The channel was removed." } };
    const alertIds = digest ? (await repo.listDigestMembers(db, row.id)).map((m) => m.alert_id).filter((a): a is string => a !== null) : [row.alert_id!];
    const alerts = await repo.findAlerts(db, alertIds);
    const repeats = await repo.repeatsOf(db, alertIds);
    const business = await findBusiness(db, row.business_id);
    const message: NotificationMessage = {
      deliveryId: row.id,
      businessId: row.business_id,
      businessName: business?.name ?? row.business_id,
      alerts: alerts.map((a) => messageAlert(a, repeats.get(a.id) ?? 0)),
      digest: digest ? { reason: describeHeld(row.held_reason) } : null,
      sentAt: now,
    };
    return { ...base, channel: this.channels[channelRow.kind as ChannelKind], message, target: this.targetOf(channelRow) };
  }

  private targetOf(row: ChannelRow): ChannelTarget | { problem: string } {
    const config = repo.channelConfig.decode(row.config_json);
    if (row.sealed_secret === null) return { config, secret: null };
    try {
      return { config, secret: this.secrets().open(row.sealed_secret, secretContext(row.id)) };
    } catch {
      return { problem: "The channel's secret cannot be opened with this instance's secret key (GRANTLINE_SECRET_KEY differs from the one that sealed it)." };
    }
  }

  private async requireAdmin(db: Executor, ctx: RequestContext, businessId: string, doing: string): Promise<void> {
    if (!(await findBusiness(db, businessId))) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, doing);
  }

  /** Another business's channel looks the same as a missing one. */
  private async requireChannel(db: Executor, businessId: string, channelId: string): Promise<ChannelRow> {
    const row = await repo.findChannel(db, channelId);
    if (!row || row.business_id !== businessId) throw errors.invalidParameter(`Business ${businessId} has no alert channel with the ID ${channelId}.`);
    return row;
  }
}

function describeHeld(reasons: string | null): string {
  const words: Record<string, string> = { quiet_hours: "held during quiet hours", rate_limit: "held by the hourly limit" };
  return (reasons ?? "").split(",").map((r) => words[r] ?? r).join(" and ") || "digest";
}

function messageAlert(row: AlertRow, repeats: number): MessageAlert {
  return {
    id: row.id,
    kind: row.kind,
    severity: row.severity as Severity,
    title: row.title,
    body: row.body,
    fields: repo.alertFields.decode(row.fields_json),
    link: row.link,
    evidence: repo.alertEvidence.decode(row.evidence_json),
    createdAt: row.created_at,
    repeats,
  };
}

function presentAlert(row: AlertRow, repeats: number): Omit<AlertView, "deliveries"> {
  const m = messageAlert(row, repeats);
  return { ...m, businessId: row.business_id, source: row.source };
}

function presentDelivery(row: DeliveryRow): AlertDeliveryView {
  return {
    id: row.id,
    channelId: row.channel_id,
    status: row.status as NotificationStatus,
    heldReason: row.held_reason,
    attempts: row.attempts,
    lastError: row.last_error,
    nextAttemptAt: row.status === "pending" || row.status === "held" ? row.next_attempt_at : null,
    deliveredAt: row.delivered_at,
  };
}

export function presentChannel(row: ChannelRow): ChannelView {
  const config = repo.channelConfig.decode(row.config_json);
  let destination = "";
  if (row.kind === "email") destination = (config.to as string[]).join(", ");
  else if (row.kind === "whatsapp") destination = `+${String(config.to)} via ${String(config.phoneNumberId)}`;
  else if (row.kind === "webhook") destination = `webhook at ${String(config.host)}`;
  else if (row.kind === "slack") destination = "Slack incoming webhook";
  return {
    id: row.id,
    businessId: row.business_id,
    kind: row.kind as ChannelKind,
    name: row.name,
    destination,
    secretHint: row.secret_hint,
    minSeverity: row.min_severity as Severity,
    quietHours: row.quiet_start === null || row.quiet_end === null ? null : formatQuietSpan(row.quiet_start, row.quiet_end),
    timeZone: row.time_zone,
    createdAt: row.created_at,
  };
}
