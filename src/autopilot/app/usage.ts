import type { UsageReading } from "../../net/metaUsage.ts";

/**
 * What a throttling error (codes 4, 17, 32, 613, 80000–80014) says when its answer carried no
 * reading that stops the next call: the bucket is full, for Retry-After when given, else a minute.
 */
export function throttledReading(code: number, retryAfterMs: number | undefined): UsageReading {
  const bucket = `throttled:${code}`;
  return { pct: 100, bucket, regainMs: retryAfterMs ?? 60_000, buckets: { [bucket]: 100 } };
}

export interface BackoffPolicy {
  /** From this usage on, calls are spaced out; default 75%. */
  slowFromPct: number;
  /** From this usage on, no call is made until the bucket has room; default 95%. */
  stopFromPct: number;
  /** Longest pause between calls while slowing down; default 2 s. */
  maxPaceMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { slowFromPct: 75, stopFromPct: 95, maxPaceMs: 2000 };

/**
 * What to do before the next call given the last reading: go, wait a little (pacing grows with
 * usage), or stop until the bucket regains access. Stopping below 100% is the point: the call that
 * would cross the limit is never made.
 */
export function backoffFor(usage: UsageReading | undefined, policy: BackoffPolicy = DEFAULT_BACKOFF): { action: "go" } | { action: "pace"; waitMs: number } | { action: "stop"; waitMs: number } {
  if (usage?.blockedMs) return { action: "stop", waitMs: Math.max(usage.blockedMs, usage.pct >= policy.stopFromPct ? usage.regainMs : 0) };
  if (!usage || usage.pct < policy.slowFromPct) return { action: "go" };
  if (usage.pct >= policy.stopFromPct) return { action: "stop", waitMs: Math.max(usage.regainMs, 60_000) };
  const share = (usage.pct - policy.slowFromPct) / (policy.stopFromPct - policy.slowFromPct);
  return { action: "pace", waitMs: Math.round(share * policy.maxPaceMs) };
}
