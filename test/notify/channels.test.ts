import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMailer, type Mailer } from "../../src/mail/mailer.ts";
import type { NotificationMessage } from "../../src/notify/channel.ts";
import { EmailChannel } from "../../src/notify/emailChannel.ts";
import { SlackChannel } from "../../src/notify/slackChannel.ts";
import { SignedWebhookChannel, verifyGrantlineWebhook } from "../../src/notify/webhookChannel.ts";
import { WhatsAppChannel } from "../../src/notify/whatsappChannel.ts";
import { OutboundHttp } from "../../src/net/outbound.ts";
import { startSmtpReceiver, type SmtpReceiver } from "../support/smtpReceiver.ts";
import { deadUrl, WebhookReceiver } from "../support/webhooks.ts";

const SENT_AT = Date.UTC(2026, 0, 5, 12, 0, 0);
/** The receivers listen on 127.0.0.1, as GRANTLINE_OUTBOUND_ALLOW_PRIVATE=on allows. */
const local = new OutboundHttp({ allowPrivate: true });

function message(overrides: Partial<NotificationMessage> = {}): NotificationMessage {
  return {
    deliveryId: "9001",
    businessId: "42",
    businessName: "Acme Outdoor",
    digest: null,
    sentAt: SENT_AT,
    alerts: [
      {
        id: "77",
        kind: "partner_added",
        severity: "warning",
        title: "Northwind Agency can now reach Acme Main",
        body: "A partner share was accepted.",
        fields: [
          { name: "Partner", value: "Northwind Agency (Business ID 7)" },
          { name: "Tasks", value: "ANALYZE, ADVERTISE <write>" },
        ],
        link: "https://grantline.example/business/42/partners",
        evidence: [12, 13],
        createdAt: SENT_AT,
        repeats: 2,
      },
    ],
    ...overrides,
  };
}

describe("notification channels against real local receivers", () => {
  let receiver: WebhookReceiver;
  let smtp: SmtpReceiver;
  let mailer: Mailer;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    mailer = createMailer({ smtpUrl: smtp.url, from: "Grantline Alerts <alerts@grantline.test>", outboxDir: "/nonexistent" });
  });
  afterAll(async () => {
    mailer.close();
    await smtp.close();
  });
  beforeEach(async () => {
    receiver = await new WebhookReceiver().start();
    return () => receiver.close();
  });

  it("posts a Block Kit message to a Slack incoming webhook", async () => {
    const outcome = await new SlackChannel(local, 3000).send(message(), { config: {}, secret: receiver.url });
    expect(outcome).toEqual({ ok: true, status: 200 });
    const [request] = receiver.deliveries;
    expect(request!.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(request!.raw.toString()) as { text: string; blocks: Array<Record<string, any>> };
    expect(body.text).toBe("Northwind Agency can now reach Acme Main");
    expect(body.blocks[0]).toEqual({ type: "header", text: { type: "plain_text", text: "Northwind Agency can now reach Acme Main", emoji: true } });
    const fields = body.blocks.find((b) => b.type === "section" && b.fields)!;
    expect(fields.fields).toEqual([
      { type: "mrkdwn", text: "*Partner*\nNorthwind Agency (Business ID 7)" },
      { type: "mrkdwn", text: "*Tasks*\nANALYZE, ADVERTISE &lt;write&gt;" },
    ]);
    const context = body.blocks.find((b) => b.type === "context")!;
    expect(context.elements[0].text).toContain("Audit entries: #12, #13");
    expect(context.elements[0].text).toContain("Repeated 2 more time(s)");
    const actions = body.blocks.find((b) => b.type === "actions")!;
    expect(actions.elements[0]).toMatchObject({ type: "button", url: "https://grantline.example/business/42/partners" });
  });

  it("leaves the button out when the alert has no link, and reports a refused post", async () => {
    const plain = message();
    plain.alerts[0]!.link = null;
    receiver.postStatuses = [404];
    const outcome = await new SlackChannel(local, 3000).send(plain, { config: {}, secret: receiver.url });
    expect(outcome).toMatchObject({ ok: false, status: 404 });
    const body = JSON.parse(receiver.deliveries[0]!.raw.toString()) as { blocks: Array<{ type: string }> };
    expect(body.blocks.some((b) => b.type === "actions")).toBe(false);
  });

  it("sends email with a text and an HTML part through SMTP", async () => {
    const outcome = await new EmailChannel(() => mailer).send(message(), { config: { to: ["sec@acme.test", "ops@acme.test"] }, secret: null });
    expect(outcome.ok).toBe(true);
    const mail = await smtp.waitFor((m) => m.subject?.includes("Northwind Agency can now reach Acme Main") ?? false);
    expect(mail.subject).toBe("[Grantline warning] Northwind Agency can now reach Acme Main");
    expect((Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((t) => t!.value.map((v) => v.address))).toEqual(["sec@acme.test", "ops@acme.test"]);
    expect(mail.text).toContain("Partner: Northwind Agency (Business ID 7)");
    expect(mail.text).toContain("Audit entries: #12, #13");
    expect(mail.html).toContain("<th align=\"left\">Tasks</th><td>ANALYZE, ADVERTISE &lt;write&gt;</td>");
    expect(mail.headers.get("x-grantline-delivery")).toBe("9001");
  });

  it("reports an SMTP server that is not there", async () => {
    const down = createMailer({ smtpUrl: (await deadUrl()).replace("http:", "smtp:").replace(/\/hooks$/, "?tls=off"), from: "a@b.test", outboxDir: "/nonexistent" });
    const outcome = await new EmailChannel(() => down).send(message(), { config: { to: ["sec@acme.test"] }, secret: null });
    down.close();
    expect(outcome.ok).toBe(false);
  });

  it("posts a WhatsApp Cloud API text message with a Bearer token", async () => {
    const base = `${new URL(receiver.url).origin}/v24.0`;
    const config = { phoneNumberId: "106540352242922", to: "33612345678", baseUrl: base };
    const outcome = await new WhatsAppChannel(local, 3000).send(message(), { config, secret: "EAAG-secret-token" });
    expect(outcome.ok).toBe(true);
    const [request] = receiver.deliveries;
    expect(request!.url.pathname).toBe("/v24.0/106540352242922/messages");
    expect(request!.headers.authorization).toBe("Bearer EAAG-secret-token");
    const body = JSON.parse(request!.raw.toString()) as Record<string, any>;
    expect(body).toMatchObject({ messaging_product: "whatsapp", recipient_type: "individual", to: "33612345678", type: "text" });
    expect(body.text.preview_url).toBe(false);
    expect(body.text.body).toContain("[WARNING] Northwind Agency can now reach Acme Main");
  });

  it("uses an approved template when the channel names one", async () => {
    const base = `${new URL(receiver.url).origin}/v24.0`;
    const config = { phoneNumberId: "1065", to: "33612345678", baseUrl: base, template: { name: "grantline_alert", language: "en_US" } };
    await new WhatsAppChannel(local, 3000).send(message(), { config, secret: "tok" });
    const body = JSON.parse(receiver.deliveries[0]!.raw.toString()) as Record<string, any>;
    expect(body.type).toBe("template");
    expect(body.template.name).toBe("grantline_alert");
    expect(body.template.language).toEqual({ code: "en_US" });
    const params = body.template.components[0].parameters as Array<{ text: string }>;
    expect(params[0]!.text).toBe("Northwind Agency can now reach Acme Main");
    expect(params[1]!.text).not.toContain("\n");
  });

  it("signs the generic webhook's raw body, with a timestamp a receiver checks against replay", async () => {
    const secret = "s".repeat(64);
    const outcome = await new SignedWebhookChannel(local, 3000).send(message(), { config: {}, secret: JSON.stringify({ url: receiver.url, signingSecret: secret }) });
    expect(outcome.ok).toBe(true);
    const [request] = receiver.deliveries;
    const headers = { signature: request!.headers["x-grantline-signature"] as string, timestamp: request!.headers["x-grantline-timestamp"] as string };
    expect(headers.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(headers.timestamp).toBe(String(SENT_AT / 1000));
    expect(request!.headers["x-grantline-delivery"]).toBe("9001");
    expect(verifyGrantlineWebhook(secret, request!.raw, headers, SENT_AT + 1000)).toBe(true);
    // Wrong key, altered body, a replay an hour later, or a timestamp header moved forward: all rejected.
    expect(verifyGrantlineWebhook("t".repeat(64), request!.raw, headers, SENT_AT)).toBe(false);
    expect(verifyGrantlineWebhook(secret, Buffer.from(request!.raw.toString().replace("Acme", "Acmf")), headers, SENT_AT)).toBe(false);
    expect(verifyGrantlineWebhook(secret, request!.raw, headers, SENT_AT + 3600_000)).toBe(false);
    expect(verifyGrantlineWebhook(secret, request!.raw, { ...headers, timestamp: String(SENT_AT / 1000 + 3600) }, SENT_AT + 3600_000)).toBe(false);
    const body = JSON.parse(request!.raw.toString()) as Record<string, any>;
    expect(body.alerts[0]).toMatchObject({ kind: "partner_added", severity: "warning", audit_entries: [12, 13], repeats: 2 });
  });

  it("reports a receiver that does not answer", async () => {
    const outcome = await new SignedWebhookChannel(local, 3000).send(message(), { config: {}, secret: JSON.stringify({ url: await deadUrl(), signingSecret: "k" }) });
    expect(outcome).toMatchObject({ ok: false, status: null });
  });

  it("renders a digest with every held alert", async () => {
    const digest = message({ digest: { reason: "held during quiet hours" } });
    digest.alerts.push({ ...digest.alerts[0]!, id: "78", title: "Second alert", severity: "info", fields: [], evidence: [], repeats: 0 });
    await new SlackChannel(local, 3000).send(digest, { config: {}, secret: receiver.url });
    const body = JSON.parse(receiver.deliveries[0]!.raw.toString()) as { text: string; blocks: Array<Record<string, any>> };
    expect(body.text).toBe("2 alerts for Acme Outdoor (held during quiet hours)");
    expect(body.blocks.filter((b) => b.type === "divider")).toHaveLength(2);
    expect(JSON.stringify(body.blocks)).toContain("Second alert");
  });
});
