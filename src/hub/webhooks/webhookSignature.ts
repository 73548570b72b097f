import crypto from "node:crypto";

export const SIGNATURE_HEADER = "X-Hub-Signature-256";

/**
 * A new signing secret: 32 random bytes as 64 hex characters. Receivers use the string itself as
 * the HMAC key, as they use the app secret with Meta.
 */
export function newSigningSecret(): string {
  return crypto.randomBytes(32).toString("hex");
}

/** The `X-Hub-Signature-256` value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes. */
export function signatureOf(secret: string, rawBody: string | Buffer): string {
  return `sha256=${crypto.createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** For receivers (Autopilot, tests): whether the header signs this exact body, compared in constant time. */
export function isValidSignature(secret: string, rawBody: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(secret, rawBody));
  const given = Buffer.from(header);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
