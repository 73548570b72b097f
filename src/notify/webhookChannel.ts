import { isoTime } from "../timeFormat.ts";
import crypto from "node:crypto";
import type { OutboundHttp } from "../net/outbound.ts";
import { postDelivery } from "../hub/webhooks/webhookCallback.client.ts";
import { signatureOf } from "../hub/webhooks/webhookSignature.ts";
import { alertContent } from "../hub/alerts/alert.ts";
import type { ChannelOutcome } from "../hub/alerts/notifications.port.ts";
import type { Channel, ChannelTarget, NotificationMessage } from "./channel.ts";

export const GRANTLINE_SIGNATURE_HEADER = "X-Grantline-Signature";
export const GRANTLINE_TIMESTAMP_HEADER = "X-Grantline-Timestamp";
export const GRANTLINE_DELIVERY_HEADER = "X-Grantline-Delivery";

/**
 * The JSON body. `timestamp` (seconds) is inside the signed body and repeated in the
 * X-Grantline-Timestamp header, so a receiver that checks both are equal and recent (say within
 * 5 minutes) and keeps the delivery ids it has seen rejects a replayed request.
 */
export function webhookBody(message: NotificationMessage): string {
  return JSON.stringify({
    delivery_id: message.deliveryId,
    timestamp: Math.floor(message.sentAt / 1000),
    business: { id: message.businessId, name: message.businessName },
    digest: message.digest,
    alerts: message.alerts.map((a) => ({ ...alertContent(a), created_time: isoTime(a.createdAt) })),
  });
}

/** For receivers: the signature is valid for this raw body and the timestamp is recent and matches the body's. */
export function verifyGrantlineWebhook(
  secret: string,
  raw: string | Buffer,
  headers: { signature: string | undefined; timestamp: string | undefined },
  nowMs: number,
  toleranceSeconds = 300,
): boolean {
  if (!headers.signature || !headers.timestamp) return false;
  const expected = Buffer.from(signatureOf(secret, raw));
  const given = Buffer.from(headers.signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return false;
  const stamp = Number(headers.timestamp);
  let bodyStamp: unknown;
  try {
    bodyStamp = (JSON.parse(raw.toString()) as { timestamp?: unknown }).timestamp;
  } catch {
    return false;
  }
  return Number.isInteger(stamp) && bodyStamp === stamp && Math.abs(nowMs / 1000 - stamp) <= toleranceSeconds;
}

/**
 * A signed generic webhook: JSON body, `X-Grantline-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 * The channel's sealed secret holds both the URL and the signing secret.
 */
export class SignedWebhookChannel implements Channel {
  readonly kind = "webhook" as const;

  constructor(
    private readonly http: OutboundHttp,
    private readonly timeoutMs: number,
  ) {}

  async send(message: NotificationMessage, target: ChannelTarget): Promise<ChannelOutcome> {
    const { url, signingSecret } = (target.secret ? JSON.parse(target.secret) : {}) as { url?: string; signingSecret?: string };
    if (!url || !signingSecret) return { ok: false, status: null, error: "The channel has no URL or signing secret." };
    const body = webhookBody(message);
    return postDelivery(
      this.http,
      url,
      body,
      {
        [GRANTLINE_SIGNATURE_HEADER]: signatureOf(signingSecret, body),
        [GRANTLINE_TIMESTAMP_HEADER]: String(Math.floor(message.sentAt / 1000)),
        [GRANTLINE_DELIVERY_HEADER]: message.deliveryId,
      },
      this.timeoutMs,
    );
  }
}
