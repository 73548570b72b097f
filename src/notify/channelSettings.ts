import { z } from "zod";
import { errors } from "../errors.ts";
import { newSigningSecret } from "../hub/webhooks/webhookSignature.ts";
import { SEVERITIES, type Severity } from "../hub/alerts/alert.ts";
import { CHANNEL_KINDS, type ChannelInput, type ChannelKind } from "../hub/alerts/notifications.port.ts";
import { isTimeZone, parseQuietSpan } from "./quietHours.ts";

/** A checked channel, ready to store: `secret` gets sealed, `config` is stored as it is. */
export interface ChannelSettings {
  kind: ChannelKind;
  name: string;
  config: Record<string, unknown>;
  secret: string | null;
  secretHint: string | null;
  /** A secret Grantline made (the webhook signing secret), to show once. */
  generatedSecret: string | null;
  minSeverity: Severity;
  quietStart: number | null;
  quietEnd: number | null;
  timeZone: string;
}

const MAX_URL = 2048;

function text(value: unknown, label: string, max = 200): string {
  if (typeof value !== "string" || value.trim() === "" || value.length > max) throw errors.invalidParameter(`${label} is required (at most ${max} characters).`);
  return value.trim();
}

function httpUrl(value: unknown, label: string): URL {
  const raw = text(value, label, MAX_URL);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw errors.invalidParameter(`${label} must be an absolute http or https URL.`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw errors.invalidParameter(`${label} must be an http or https URL.`);
  if (url.username || url.password) throw errors.invalidParameter(`${label} must not carry a user name or password.`);
  url.hash = "";
  return url;
}

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).map((s) => s.trim()).filter(Boolean);
  if (typeof value === "string") return value.split(",").map((s) => s.trim()).filter(Boolean);
  return [];
}

/** Enough of a secret to recognise it, never enough to use it: the host and the last 4 characters. */
export function hintOf(secret: string): string {
  const tail = secret.slice(-4);
  try {
    return `${new URL(secret).host}/…${tail}`;
  } catch {
    return `…${tail}`;
  }
}

/** The URL a channel's sends call (its parameter's name, for errors), or undefined for email. */
export function calledUrlOf(settings: ChannelSettings): { url: string; field: string } | undefined {
  switch (settings.kind) {
    case "slack":
      return settings.secret ? { url: settings.secret, field: "url" } : undefined;
    case "whatsapp":
      return { url: String(settings.config.baseUrl), field: "base_url" };
    case "webhook": {
      const { url } = JSON.parse(settings.secret ?? "{}") as { url?: string };
      return url ? { url, field: "url" } : undefined;
    }
    case "email":
      return undefined;
  }
}

const email = z.email();
const phone = /^\+?[1-9]\d{6,14}$/;

/**
 * Checks a channel's settings for its kind. Slack's webhook URL and WhatsApp's token are the
 * secrets; a signed webhook gets a new signing secret.
 */
export function parseChannelInput(input: ChannelInput, defaults: { whatsappApiUrl: string }): ChannelSettings {
  const kind = input.kind;
  if (typeof kind !== "string" || !(CHANNEL_KINDS as readonly string[]).includes(kind)) {
    throw errors.invalidParameter(`kind must be one of ${CHANNEL_KINDS.join(", ")}.`);
  }
  const name = input.name === undefined || input.name === "" ? `${kind} channel` : text(input.name, "name");
  const minSeverity = input.minSeverity === undefined || input.minSeverity === "" ? "info" : input.minSeverity;
  if (typeof minSeverity !== "string" || !(SEVERITIES as readonly string[]).includes(minSeverity)) {
    throw errors.invalidParameter(`min_severity must be one of ${SEVERITIES.join(", ")}.`);
  }
  const timeZone = input.timeZone === undefined || input.timeZone === "" ? "UTC" : text(input.timeZone, "time_zone", 64);
  if (!isTimeZone(timeZone)) throw errors.invalidParameter(`Unknown time_zone ${timeZone}; use an IANA name such as Europe/Paris.`);
  let quietStart: number | null = null;
  let quietEnd: number | null = null;
  if (input.quietHours !== undefined && input.quietHours !== "") {
    const span = typeof input.quietHours === "string" ? parseQuietSpan(input.quietHours) : undefined;
    if (!span) throw errors.invalidParameter("quiet_hours must look like 22:00-07:00 (local time in time_zone; start and end differ).");
    quietStart = span.start;
    quietEnd = span.end;
  }
  const common = { kind: kind as ChannelKind, name, minSeverity: minSeverity as Severity, quietStart, quietEnd, timeZone };

  switch (kind as ChannelKind) {
    case "slack": {
      // Slack's own webhooks are https; plain http is accepted for a self-hosted relay.
      const url = httpUrl(input.url, "url (the Slack incoming-webhook URL)").toString();
      return { ...common, config: {}, secret: url, secretHint: hintOf(url), generatedSecret: null };
    }
    case "email": {
      const to = [...new Set(list(input.to))];
      if (to.length === 0 || to.length > 20) throw errors.invalidParameter("to must list 1 to 20 email addresses.");
      const bad = to.filter((a) => !email.safeParse(a).success);
      if (bad.length > 0) throw errors.invalidParameter(`Not an email address: ${bad.join(", ")}.`);
      return { ...common, config: { to }, secret: null, secretHint: null, generatedSecret: null };
    }
    case "whatsapp": {
      // The Graph edge reads `to` as a list (email takes several); WhatsApp takes one number.
      const single = Array.isArray(input.to) && input.to.length === 1 ? input.to[0] : input.to;
      const to = text(single, "to (the recipient's phone number, international format)", 20).replace(/[\s-]/g, "");
      if (!phone.test(to)) throw errors.invalidParameter("to must be a phone number in international format, e.g. +33612345678.");
      const phoneNumberId = text(input.phoneNumberId, "phone_number_id", 64);
      if (!/^\d+$/.test(phoneNumberId)) throw errors.invalidParameter("phone_number_id must be the numeric WhatsApp phone number ID.");
      const token = text(input.token, "token (the WhatsApp Cloud API access token)", 1024);
      const baseUrl = input.baseUrl === undefined || input.baseUrl === "" ? defaults.whatsappApiUrl : httpUrl(input.baseUrl, "base_url").toString().replace(/\/+$/, "");
      const config: Record<string, unknown> = { to: to.replace(/^\+/, ""), phoneNumberId, baseUrl };
      if (input.template !== undefined && input.template !== "") {
        const templateLanguage = input.templateLanguage === undefined || input.templateLanguage === "" ? "en_US" : text(input.templateLanguage, "template_language", 16);
        config.template = { name: text(input.template, "template", 512), language: templateLanguage };
      }
      return { ...common, config, secret: token, secretHint: hintOf(token), generatedSecret: null };
    }
    case "webhook": {
      // The URL may itself carry a token, so it is sealed with the signing secret; only its host is kept in the clear.
      const url = httpUrl(input.url, "url");
      const signingSecret = newSigningSecret();
      return {
        ...common,
        config: { host: url.host },
        secret: JSON.stringify({ url: url.toString(), signingSecret }),
        secretHint: hintOf(signingSecret),
        generatedSecret: signingSecret,
      };
    }
  }
}
