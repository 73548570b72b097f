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
  const app = percent(result.app);
  const headers: UsageHeaders = {
    "X-App-Usage": JSON.stringify({ call_count: app, total_time: app, total_cputime: app }),
  };

  const useCases: Record<string, BusinessUseCaseUsage[]> = {};
  // ads_management is Meta's use case for ad accounts; the business bucket is Grantline's own,
  // reported under the name of the API it guards.
  if (result.adAccount) useCases[result.adAccount.id] = [useCase("ads_management", result.adAccount, result)];
  if (result.business) {
    (useCases[result.business.id] ??= []).push(useCase("business_management", result.business, result));
  }
  if (Object.keys(useCases).length > 0) headers["X-Business-Use-Case-Usage"] = JSON.stringify(useCases);

  if (result.adAccount) {
    headers["X-Ad-Account-Usage"] = JSON.stringify({
      acc_id_util_pct: Math.round(result.adAccount.usagePct * 100) / 100,
      reset_time_duration: Math.ceil(result.adAccount.emptyInMs / 1000),
      ads_api_access_tier: result.accessTier,
    });
  }
  return headers;
}

interface BusinessUseCaseUsage {
  type: string;
  call_count: number;
  total_cputime: number;
  total_time: number;
  estimated_time_to_regain_access: number;
  ads_api_access_tier: string;
}

function useCase(type: string, usage: BucketUsage, result: RateLimitResult): BusinessUseCaseUsage {
  const pct = percent(usage);
  return {
    type,
    call_count: pct,
    total_cputime: pct,
    total_time: pct,
    estimated_time_to_regain_access: minutesUntil(usage.waitMs),
    ads_api_access_tier: result.accessTier,
  };
}

/** Whole percent, rounded down so that 100 means full, not "nearly full". */
const percent = (usage: BucketUsage) => Math.floor(usage.usagePct);

/** Meta reports waits in whole minutes; any wait at all is at least one. */
export const minutesUntil = (ms: number) => Math.ceil(ms / 60_000);
