import { Secret, TOTP } from "otpauth";

const PERIOD_SECONDS = 30;

function totpOf(secretBase32: string, email: string): TOTP {
  return new TOTP({ issuer: "Grantline", label: email, algorithm: "SHA1", digits: 6, period: PERIOD_SECONDS, secret: Secret.fromBase32(secretBase32) });
}

/** A new TOTP secret (base32, 160 bits) and the otpauth:// URI authenticator apps read from a QR code. */
export function newTotpSecret(email: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpOf(secret, email).toString() };
}

/**
 * The 30-second step a code is valid for (allowing one step of clock drift either way), or null.
 * Callers keep the last accepted step so a code is never accepted twice.
 */
export function totpStepOf(secretBase32: string, email: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secretBase32, email).validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  return Math.floor(now / 1000 / PERIOD_SECONDS) + delta;
}

/** The current code, for tests and the CLI. */
export function totpCodeAt(secretBase32: string, now: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm: "SHA1", digits: 6, period: PERIOD_SECONDS, timestamp: now });
}
