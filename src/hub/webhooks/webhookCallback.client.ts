import crypto from "node:crypto";

/**
 * The only code that calls apps' callback URLs: the verification handshake and deliveries. Redirects
 * are not followed (the URL the app verified is the one that receives events), and at most
 * RESPONSE_LIMIT bytes of an answer are read.
 */

const RESPONSE_LIMIT = 64 * 1024;
const USER_AGENT = "Grantline-Webhooks/1.0";

export type CallbackOutcome = { ok: true; status: number } | { ok: false; status: number | null; error: string };

/**
 * Meta's handshake: `GET callback?hub.mode=subscribe&hub.verify_token=…&hub.challenge=<random>`; the
 * endpoint proves it is the app's by answering 2xx with the challenge as the body. Returns null when
 * verified, or what went wrong.
 */
export async function verifyCallback(callbackUrl: string, verifyToken: string, timeoutMs: number): Promise<string | null> {
  const challenge = String(crypto.randomInt(1, 2 ** 47));
  const url = new URL(callbackUrl);
  url.searchParams.set("hub.mode", "subscribe");
  url.searchParams.set("hub.verify_token", verifyToken);
  url.searchParams.set("hub.challenge", challenge);
  try {
    const response = await fetch(url, {
      method: "GET",
      redirect: "manual",
      headers: { "user-agent": USER_AGENT },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await readLimited(response);
    if (response.status < 200 || response.status > 299) {
      return `HTTP Status Code = ${response.status}; HTTP Message = ${response.statusText || "(none)"}`;
    }
    if (body.trim() !== challenge) return "The response did not match the challenge (hub.challenge) Grantline sent.";
    return null;
  } catch (error) {
    return describeFailure(error, timeoutMs);
  }
}

/** POSTs one delivery; 2xx is success, anything else (or no answer in time) is a failed attempt. */
export async function postDelivery(callbackUrl: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<CallbackOutcome> {
  try {
    const response = await fetch(callbackUrl, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", "user-agent": USER_AGENT, ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await readLimited(response);
    if (response.status >= 200 && response.status <= 299) return { ok: true, status: response.status };
    return { ok: false, status: response.status, error: `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}` };
  } catch (error) {
    return { ok: false, status: null, error: describeFailure(error, timeoutMs) };
  }
}

/** Reads the start of a response and drops the rest, so a huge or endless answer cannot tie a worker up. */
async function readLimited(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= RESPONSE_LIMIT) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, RESPONSE_LIMIT).toString("utf8");
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `No answer within ${timeoutMs} ms.`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === "string") return `Connection failed (${cause.code}).`;
  if (cause && typeof cause.message === "string") return `Connection failed: ${cause.message}`;
  return `Connection failed: ${error instanceof Error ? error.message : String(error)}`;
}
