/**
 * How failed sign-ins slow further tries down, without ever locking anyone out (OWASP ASVS 4.0
 * V2.2.1: soft limits and increasing delays rather than hard lockouts, at most 100 failed attempts
 * per hour on one account; no CAPTCHA).
 *
 * Failures are counted under three keys, and each key has its own rule: after `free` failures within
 * `windowMs`, the next try must wait `baseMs`, then twice as long after each further failure, up to
 * `capMs`, counted from the last failure. A try made while waiting is refused unchecked and counts
 * for nothing, so hammering does not lengthen the wait.
 *
 * - `pair` (account, client address): the guesser's own cool-down, which grows to the cap. Someone
 *   else's failures never slow the owner down here.
 * - `account` (from any address): bounds guessing spread over many addresses. Its cap stays small,
 *   and it does not apply to a client address the account signed in from recently, so an attacker
 *   cannot keep the owner out, while strangers' guesses stay well under 100 an hour.
 * - `address` (one client address, any account): bounds spraying one password over many accounts.
 *   Its threshold is high and its cap small, and it spares accounts already used from that address,
 *   so people behind one shared proxy or NAT do not lock each other out.
 */
export interface BackoffRule {
  /** Failures within the window that cost nothing. */
  free: number;
  baseMs: number;
  capMs: number;
  windowMs: number;
}

export interface SignInThrottleRules {
  pair: BackoffRule;
  account: BackoffRule;
  address: BackoffRule;
  /** A client address the account signed in from within this long is familiar: only the pair rule applies. */
  familiarForMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

export const DEFAULT_SIGN_IN_RULES: SignInThrottleRules = {
  // 3 free, then 1 s, 2 s, 4 s … 15 min: about 100 guesses a day for one address at one account.
  pair: { free: 3, baseMs: SECOND, capMs: 15 * MINUTE, windowMs: 24 * HOUR },
  // 10 free an hour, then 1 s … 1 min: under 75 an hour from strangers, however many addresses.
  account: { free: 10, baseMs: SECOND, capMs: MINUTE, windowMs: HOUR },
  // 50 free an hour from one address (a shared proxy's typos), then 1 s … 1 min.
  address: { free: 50, baseMs: SECOND, capMs: MINUTE, windowMs: HOUR },
  familiarForMs: 30 * 24 * HOUR,
};

/** Failures under one key within its rule's window. */
export interface FailureCount {
  count: number;
  /** When the latest of them happened, or null when there is none. */
  last: number | null;
}

/** The cool-down after `failures` failures: 0 while they are free, then doubling up to the cap. */
export function backoffMs(failures: number, rule: BackoffRule): number {
  const over = failures - rule.free;
  if (over <= 0) return 0;
  // Math.min before the power would overflow: 2^40 s is far past any cap.
  return Math.min(rule.capMs, rule.baseMs * 2 ** Math.min(over - 1, 40));
}

/** How long (ms) a try must still wait under one rule; 0 when it may go ahead. */
export function waitMs(failures: FailureCount, rule: BackoffRule, now: number): number {
  if (failures.last === null) return 0;
  return Math.max(0, failures.last + backoffMs(failures.count, rule) - now);
}

export type ThrottleKind = "pair" | "account" | "address";

/**
 * The longest wait among the rules that apply, and which rule imposes it. A familiar client
 * address (the account signed in from it recently) answers only to the pair rule.
 */
export function signInWait(
  counts: Record<ThrottleKind, FailureCount>,
  rules: SignInThrottleRules,
  familiar: boolean,
  now: number,
): { waitMs: number; kind: ThrottleKind } | undefined {
  const kinds: ThrottleKind[] = familiar ? ["pair"] : ["pair", "account", "address"];
  let longest: { waitMs: number; kind: ThrottleKind } | undefined;
  for (const kind of kinds) {
    const wait = waitMs(counts[kind], rules[kind], now);
    if (wait > 0 && (!longest || wait > longest.waitMs)) longest = { waitMs: wait, kind };
  }
  return longest;
}

/** The keys failures are counted under (rows of `login_failures`). */
export const failureKeys = {
  pair: (email: string, ip: string) => `pair:${email}|${ip}`,
  account: (email: string) => `account:${email}`,
  address: (ip: string) => `ip:${ip}`,
  /** Every pair key of an account starts with this (a password reset clears them). */
  pairPrefix: (email: string) => `pair:${email}|`,
};

/**
 * Password reset requests: at most `mailsPerAddress` mails to one email address per `addressWindowMs`
 * (further requests are answered the same way, and send nothing), and at most `requestsPerIp`
 * requests from one client address per `ipWindowMs` (further requests are refused with Retry-After).
 */
export interface PasswordResetRules {
  mailsPerAddress: number;
  addressWindowMs: number;
  requestsPerIp: number;
  ipWindowMs: number;
}

export const DEFAULT_RESET_RULES: PasswordResetRules = {
  mailsPerAddress: 3,
  addressWindowMs: HOUR,
  // High enough for many people behind one proxy; a script asking for thousands is stopped.
  requestsPerIp: 20,
  ipWindowMs: 15 * MINUTE,
};

/** The keys reset requests are counted under, in the same table as failed sign-ins. */
export const resetKeys = {
  /** Every request from a client address. */
  ip: (ip: string) => `reset-ip:${ip}`,
  /** A request that sends a mail to the address. */
  mailed: (email: string) => `reset-mail:${email}`,
  /** A request that sends nothing (no such account, or its mails for the hour are used up). */
  silent: (email: string) => `reset-silent:${email}`,
};
