/**
 * Meta's rate-limit usage headers, read the way a careful client reads them: the largest of
 * call count, CPU time and total time of every bucket named, and how long until access returns.
 */
export interface UsageReading {
  /** Highest percentage of any bucket the response reported (0–100+). */
  pct: number;
  /** The bucket behind that percentage: "app", "ad_account:<id>" or "<use case>:<id>". */
  bucket: string;
  /** How long Meta says until the fullest bucket has room again; 0 when it did not say. */
  regainMs: number;
  /** Every bucket read, by name. */
  buckets: Record<string, number>;
}

type HeaderGetter = { get(name: string): string | null };

function parse(text: string | null): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && v !== "" && Number.isFinite(Number(v)) ? Number(v) : 0);

/** Reads X-App-Usage, X-Business-Use-Case-Usage and X-Ad-Account-Usage; undefined when none was sent. */
export function readUsage(headers: HeaderGetter): UsageReading | undefined {
  const buckets: Record<string, number> = {};
  const regain: Record<string, number> = {};
  const app = parse(headers.get("x-app-usage")) as Record<string, unknown> | undefined;
  if (app && typeof app === "object") buckets.app = Math.max(num(app.call_count), num(app.total_time), num(app.total_cputime));
  const buc = parse(headers.get("x-business-use-case-usage")) as Record<string, unknown> | undefined;
  if (buc && typeof buc === "object") {
    for (const [id, list] of Object.entries(buc)) {
      if (!Array.isArray(list)) continue;
      for (const entry of list as Record<string, unknown>[]) {
        const name = `${String(entry.type ?? "use_case")}:${id}`;
        buckets[name] = Math.max(num(entry.call_count), num(entry.total_time), num(entry.total_cputime));
        regain[name] = num(entry.estimated_time_to_regain_access) * 60_000;
      }
    }
  }
  const acc = parse(headers.get("x-ad-account-usage")) as Record<string, unknown> | undefined;
  if (acc && typeof acc === "object") {
    buckets["ad_account"] = num(acc.acc_id_util_pct);
    regain["ad_account"] = num(acc.reset_time_duration) * 1000;
  }
  const names = Object.keys(buckets);
  if (names.length === 0) return undefined;
  const bucket = names.reduce((a, b) => (buckets[b]! > buckets[a]! ? b : a));
  return { pct: buckets[bucket]!, bucket, regainMs: regain[bucket] ?? 0, buckets };
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
  if (!usage || usage.pct < policy.slowFromPct) return { action: "go" };
  if (usage.pct >= policy.stopFromPct) return { action: "stop", waitMs: Math.max(usage.regainMs, 60_000) };
  const share = (usage.pct - policy.slowFromPct) / (policy.stopFromPct - policy.slowFromPct);
  return { action: "pace", waitMs: Math.round(share * policy.maxPaceMs) };
}
