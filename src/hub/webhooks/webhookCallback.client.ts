import crypto from "node:crypto";
import { errors, type GrantlineError } from "../../errors.ts";
import { OutboundError, type OutboundHttp } from "../../net/outbound.ts";

/**
 * The only code that calls apps' callback URLs (and alert channels' URLs): the verification
 * handshake and deliveries, through the outbound guard (internal addresses refused, checked again
 * on every call). Redirects are not followed (the URL the app verified is the one that receives
 * events), and at most RESPONSE_LIMIT bytes of an answer are read.
 */

const RESPONSE_LIMIT = 64 * 1024;
const USER_AGENT = "Grantline-Webhooks/1.0";

export type CallbackOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * The check when a URL is saved: the Graph's invalid parameter error (code 100,
 * https://developers.facebook.com/docs/graph-api/guides/error-handling) when its host is, or
 * resolves to, an internal address; undefined when it may be called. Every call checks again, as
 * a name may resolve elsewhere later.
 */
export async function addressRefusal(http: OutboundHttp, url: string, field: string): Promise<GrantlineError | undefined> {
  try {
    await http.check(url);
    return undefined;
  } catch (error) {
    if (error instanceof OutboundError) return errors.outboundAddressRefused(field, error.message);
    throw error;
  }
}

/**
 * Meta's handshake: `GET callback?hub.mode=subscribe&hub.verify_token=…&hub.challenge=<random>`; the
 * endpoint proves it is the app's by answering 2xx with the challenge as the body. Returns null when
 * verified, or what went wrong.
 */
export async function verifyCallback(http: OutboundHttp, callbackUrl: string, verifyToken: string, timeoutMs: number): Promise<string | null> {
  const challenge = String(crypto.randomInt(1, 2 ** 47));
  const url = new URL(callbackUrl);
  url.searchParams.set("hub.mode", "subscribe");
  url.searchParams.set("hub.verify_token", verifyToken);
  url.searchParams.set("hub.challenge", challenge);
  try {
    const response = await http.fetch(url, { method: "GET", headers: { "user-agent": USER_AGENT }, timeoutMs, maxBytes: RESPONSE_LIMIT, overflow: "truncate" });
    if (response.status < 200 || response.status > 299) {
      return `HTTP Status Code = ${response.status}; HTTP Message = ${response.statusText || "(none)"}`;
    }
    if (response.text().trim() !== challenge) return "The response did not match the challenge (hub.challenge) Grantline sent.";
    return null;
  } catch (error) {
    return describeFailure(error);
  }
}

/** POSTs one delivery; 2xx is success, anything else (or no answer in time) is a failed attempt. */
export async function postDelivery(http: OutboundHttp, callbackUrl: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<CallbackOutcome> {
  try {
    const response = await http.fetch(callbackUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
      body,
      timeoutMs,
      maxBytes: RESPONSE_LIMIT,
      overflow: "truncate",
    });
    if (response.status >= 200 && response.status <= 299) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}` };
  } catch (error) {
    return { ok: false, status: null, error: describeFailure(error) };
  }
}

/** The guard's own words (refused, could not connect, no answer in time): never what the network said. */
function describeFailure(error: unknown): string {
  return error instanceof OutboundError ? error.message : "Could not connect.";
}
