import type { OutboundHttp } from "../net/outbound.ts";
import { postDelivery } from "../hub/webhooks/webhookCallback.client.ts";
import type { MessageAlert } from "../hub/alerts/alert.ts";
import type { ChannelOutcome } from "../hub/alerts/notifications.port.ts";
import { headline, type Channel, type ChannelTarget, type NotificationMessage } from "./channel.ts";

const SEVERITY_MARK = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" } as const;
/** Slack's limits: a header is at most 150 characters, a section at most 10 fields of 2000. */
const HEADER_MAX = 150;
const FIELDS_MAX = 10;
const TEXT_MAX = 2900;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);
/** Slack mrkdwn treats &, < and > as control characters. */
const escape = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function alertBlocks(alert: MessageAlert, withTitle: boolean): unknown[] {
  const blocks: unknown[] = [];
  const text = [withTitle ? `${SEVERITY_MARK[alert.severity]} *${escape(alert.title)}*` : "", escape(alert.body)].filter(Boolean).join("\n");
  if (text) blocks.push({ type: "section", text: { type: "mrkdwn", text: clip(text, TEXT_MAX) } });
  const fields = alert.fields.slice(0, FIELDS_MAX).map((f) => ({ type: "mrkdwn", text: clip(`*${escape(f.name)}*\n${escape(f.value)}`, 2000) }));
  if (fields.length > 0) blocks.push({ type: "section", fields });
  const context = [`Severity: ${alert.severity}`, `Kind: ${alert.kind}`];
  if (alert.evidence.length > 0) context.push(`Audit entries: ${alert.evidence.map((s) => `#${s}`).join(", ")}`);
  if (alert.repeats > 0) context.push(`Repeated ${alert.repeats} more time(s)`);
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: clip(context.join(" · "), 2000) }] });
  if (alert.link) {
    blocks.push({
      type: "actions",
      elements: [{ type: "button", text: { type: "plain_text", text: "Open in Grantline" }, url: alert.link, action_id: `open_${alert.id}` }],
    });
  }
  return blocks;
}

/** The Block Kit payload: a header, then per alert a section, its fields, a context line and a button to its link. */
export function slackPayload(message: NotificationMessage): { text: string; blocks: unknown[] } {
  const title = headline(message);
  const blocks: unknown[] = [{ type: "header", text: { type: "plain_text", text: clip(title, HEADER_MAX), emoji: true } }];
  const single = !message.digest && message.alerts.length === 1;
  for (const alert of message.alerts) {
    if (!single) blocks.push({ type: "divider" });
    blocks.push(...alertBlocks(alert, !single));
  }
  blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `${escape(message.businessName)} · Business ID ${message.businessId} · Grantline` }] });
  // Slack allows 50 blocks per message; a long digest keeps its first alerts.
  return { text: clip(title, 3000), blocks: blocks.slice(0, 50) };
}

/** Slack incoming webhook: the webhook URL is the channel's secret. */
export class SlackChannel implements Channel {
  readonly kind = "slack" as const;

  constructor(
    private readonly http: OutboundHttp,
    private readonly timeoutMs: number,
  ) {}

  async send(message: NotificationMessage, target: ChannelTarget): Promise<ChannelOutcome> {
    if (!target.secret) return { ok: false, status: null, error: "The channel has no webhook URL." };
    return postDelivery(this.http, target.secret, JSON.stringify(slackPayload(message)), {}, this.timeoutMs);
  }
}
