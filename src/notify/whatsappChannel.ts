import type { OutboundHttp } from "../net/outbound.ts";
import { postDelivery } from "../hub/webhooks/webhookCallback.client.ts";
import type { ChannelOutcome } from "../hub/alerts/notifications.port.ts";
import { headline, plainText, type Channel, type ChannelTarget, type NotificationMessage } from "./channel.ts";

/** WhatsApp caps a text body at 4096 characters. */
const BODY_MAX = 4096;

export interface WhatsAppConfig {
  phoneNumberId: string;
  to: string;
  /** Cloud API base, e.g. https://graph.facebook.com/v24.0. */
  baseUrl: string;
  /** An approved template with two body parameters (headline, details); unset sends a text message. */
  template?: { name: string; language: string } | undefined;
}

/** The Cloud API request body: a text message, or a template message when the channel names one. */
export function whatsappPayload(message: NotificationMessage, config: WhatsAppConfig): Record<string, unknown> {
  const base = { messaging_product: "whatsapp", recipient_type: "individual", to: config.to };
  const text = plainText(message);
  if (config.template) {
    return {
      ...base,
      type: "template",
      template: {
        name: config.template.name,
        language: { code: config.template.language },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: headline(message).slice(0, 1000) },
              // Template parameters may not hold new lines.
              { type: "text", text: text.replace(/\s*\n+\s*/g, " · ").slice(0, 1000) },
            ],
          },
        ],
      },
    };
  }
  return { ...base, type: "text", text: { preview_url: false, body: text.length > BODY_MAX ? `${text.slice(0, BODY_MAX - 1)}…` : text } };
}

/** WhatsApp Cloud API: `POST {base}/{phone_number_id}/messages` with the channel's access token as Bearer. */
export class WhatsAppChannel implements Channel {
  readonly kind = "whatsapp" as const;

  constructor(
    private readonly http: OutboundHttp,
    private readonly timeoutMs: number,
  ) {}

  async send(message: NotificationMessage, target: ChannelTarget): Promise<ChannelOutcome> {
    const config = target.config as unknown as WhatsAppConfig;
    if (!target.secret) return { ok: false, status: null, error: "The channel has no access token." };
    const url = `${config.baseUrl.replace(/\/+$/, "")}/${encodeURIComponent(config.phoneNumberId)}/messages`;
    return postDelivery(this.http, url, JSON.stringify(whatsappPayload(message, config)), { authorization: `Bearer ${target.secret}` }, this.timeoutMs);
  }
}
