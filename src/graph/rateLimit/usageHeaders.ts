import type { BucketUsage, RateLimitResult } from "./rateLimiter.ts";

/** The usage headers Meta sends on Graph responses, as header name → value. */
export interface UsageHeaders {
  "X-App-Usage": string;
  /** When the call named an ad account or a business. */
  "X-Business-Use-Case-Usage"?: string;
  /** When the call named an ad account. */
  "X-Ad-Account-Usage"?: string;
}

/**
 * Meta's three usage headers for a result, in Meta's shapes. Grantline counts calls, not CPU or
 * wall time, so `total_time` and `total_cputime` repeat `call_count`: clients throttle on the
 * largest of the three, and a lower made-up number would only mislead them.
 */
export function usageHeaders(result: RateLimitResult): UsageHeaders {
  // Every Graph answer carries these, so the JSON is written out directly rather than built as
  // objects and stringified; the usageHeaders tests hold it to JSON.stringify of those objects.
  // X-App-Usage reports the platform bucket: the app's, or for a token without an app its user's.
  const app = num(percent(result.platform));
  const tier = JSON.stringify(result.accessTier);
  const headers: UsageHeaders = { "X-App-Usage": `{"call_count":${app},"total_time":${app},"total_cputime":${app}}` };

  // ads_management is Meta's use case for ad accounts; the business bucket is Grantline's own,
  // reported under the name of the API it guards.
  const useCases = new Map<string, string[]>();
  if (result.adAccount) useCases.set(result.adAccount.id, [useCase("ads_management", result.adAccount, tier)]);
  if (result.business) {
    const entry = useCase("business_management", result.business, tier);
    const same = useCases.get(result.business.id);
    if (same) same.push(entry);
    else useCases.set(result.business.id, [entry]);
  }
  if (useCases.size > 0) {
    // Keys in the order an object would list them (integer-like ones first, ascending).
    const ids = useCases.size === 1 ? [...useCases.keys()] : Object.keys(Object.fromEntries([...useCases.keys()].map((id) => [id, 0])));
    headers["X-Business-Use-Case-Usage"] = `{${ids.map((id) => `${JSON.stringify(id)}:[${useCases.get(id)!.join(",")}]`).join(",")}}`;
  }

  if (result.adAccount) {
    const pct = num(Math.round(result.adAccount.usagePct * 100) / 100);
    const reset = num(Math.ceil(result.adAccount.emptyInMs / 1000));
    headers["X-Ad-Account-Usage"] = `{"acc_id_util_pct":${pct},"reset_time_duration":${reset},"ads_api_access_tier":${tier}}`;
  }
  return headers;
}

/** A number as JSON writes it. */
const num = (n: number) => (Number.isFinite(n) ? String(n) : "null");

/** One use case's usage, as the JSON of { type, call_count, total_cputime, total_time, estimated_time_to_regain_access, ads_api_access_tier }. */
function useCase(type: string, usage: BucketUsage, tier: string): string {
  const pct = num(percent(usage));
  return (
    `{"type":${JSON.stringify(type)},"call_count":${pct},"total_cputime":${pct},"total_time":${pct},` +
    `"estimated_time_to_regain_access":${num(minutesUntil(usage.waitMs))},"ads_api_access_tier":${tier}}`
  );
}

/** Whole percent, rounded down so that 100 means full, not "nearly full". */
const percent = (usage: BucketUsage) => Math.floor(usage.usagePct);

/** Meta reports waits in whole minutes; any wait at all is at least one. */
export const minutesUntil = (ms: number) => Math.ceil(ms / 60_000);
