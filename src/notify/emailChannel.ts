import type { Mailer } from "../mail/mailer.ts";
import type { ChannelOutcome } from "../hub/alerts/notifications.port.ts";
import { headline, plainText, topSeverity, type Channel, type ChannelTarget, type NotificationMessage } from "./channel.ts";

const escapeHtml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

/** A simple HTML body: one block per alert, its fields as a table, its link as a button-like anchor. */
export function emailHtml(message: NotificationMessage): string {
  const parts = [`<h2>${escapeHtml(headline(message))}</h2>`];
  for (const alert of message.alerts) {
    parts.push(`<h3>[${alert.severity.toUpperCase()}] ${escapeHtml(alert.title)}</h3>`);
    if (alert.body) parts.push(`<p>${escapeHtml(alert.body)}</p>`);
    if (alert.fields.length > 0) {
      parts.push(
        `<table>${alert.fields.map((f) => `<tr><th align="left">${escapeHtml(f.name)}</th><td>${escapeHtml(f.value)}</td></tr>`).join("")}</table>`,
      );
    }
    if (alert.evidence.length > 0) parts.push(`<p>Audit entries: ${alert.evidence.map((s) => `#${s}`).join(", ")}</p>`);
    if (alert.link) parts.push(`<p><a href="${escapeHtml(alert.link)}">Open in Grantline</a></p>`);
  }
  parts.push(`<p style="color:#666">${escapeHtml(message.businessName)} (Business ID ${message.businessId})</p>`);
  return `<!doctype html><html><body>${parts.join("\n")}</body></html>`;
}

/** Email through the instance's mailer (SMTP_URL); the channel holds the recipients. */
export class EmailChannel implements Channel {
  readonly kind = "email" as const;

  constructor(private readonly mailer: () => Mailer) {}

  async send(message: NotificationMessage, target: ChannelTarget): Promise<ChannelOutcome> {
    const to = target.config.to;
    if (!Array.isArray(to) || to.length === 0) return { ok: false, status: null, error: "The channel has no recipients." };
    const severity = topSeverity(message);
    try {
      await this.mailer().send({
        to: to.join(", "),
        subject: `[Grantline${severity === "info" ? "" : ` ${severity}`}] ${headline(message)}`,
        text: plainText(message),
        html: emailHtml(message),
        headers: { "X-Grantline-Delivery": message.deliveryId },
      });
      return { ok: true, status: null };
    } catch (error) {
      return { ok: false, status: null, error: `Mail not sent: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
