/**
 * One reading of the usage headers on the answers of outbound Graph calls, for every client of a
 * Graph API here (Autopilot's, the Graph-sourced review's), so that both back off alike.
 *
 * Meta's rate-limit usage headers (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/),
 * read the way a careful client reads them: the largest of call count, CPU time and total time of
 * every bucket named, and how long until access returns.
 * - X-App-Usage: `call_count`, `total_cputime`, `total_time`, percentages of the app's limit.
 * - X-Business-Use-Case-Usage: per business or ad account id, a list of `{type, call_count,
 *   total_cputime, total_time, estimated_time_to_regain_access}`; the last is the minutes until calls
 *   are no longer throttled, non-zero only while they are.
 * - X-Ad-Account-Usage: `acc_id_util_pct` and `reset_time_duration`, the seconds until the account's
 *   score is back at 0 (https://developers.facebook.com/docs/marketing-api/overview/rate-limiting/).
 */
export interface UsageReading {
  /** Highest percentage of any bucket the response reported (0–100+). */
  pct: number;
  /** The bucket behind that percentage: "app", "ad_account" or "<use case>:<id>". */
  bucket: string;
  /** How long Meta says until the fullest bucket has room again; 0 when it did not say. */
  regainMs: number;
  /** The longest estimated_time_to_regain_access of any use case: Meta throttles it that long whatever its percentages. */
  blockedMs?: number;
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
  // The fullest bucket; among equally full ones, the one that takes longest to regain access.
  const bucket = names.reduce((a, b) => (buckets[b]! > buckets[a]! || (buckets[b] === buckets[a] && (regain[b] ?? 0) > (regain[a] ?? 0)) ? b : a));
  const blockedMs = Math.max(0, ...Object.entries(regain).filter(([name]) => name !== "ad_account").map(([, ms]) => ms));
  return { pct: buckets[bucket]!, bucket, regainMs: regain[bucket] ?? 0, ...(blockedMs > 0 ? { blockedMs } : {}), buckets };
}
