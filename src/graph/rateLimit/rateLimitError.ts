import { errors, type GrantlineError } from "../../errors.ts";
import type { RateLimitResult } from "./rateLimiter.ts";
import { minutesUntil } from "./usageHeaders.ts";

/**
 * The catalogue error for a refused call: 80004 when an ad account's ads_management quota is
 * used up, 4 for the app's, 17 for a user's or a business's. Undefined when the call was allowed.
 */
export function errorFor(result: RateLimitResult): GrantlineError | undefined {
  if (result.allowed || !result.refusedBy) return undefined;
  const minutes = minutesUntil(result.retryAfterMs);
  const window = describeWindow(result.windowMs);
  switch (result.refusedBy) {
    case "app":
      return errors.appRateLimited(minutes);
    case "user": {
      const { limit } = result.user!;
      return errors.userRateLimited(`This user would exceed the ${limit} points per ${window} allowed to one user.`, minutes);
    }
    case "adAccount": {
      const { id, limit } = result.adAccount!;
      return errors.adAccountRateLimited(`Ad account ${id} would exceed its ${limit} points per ${window}.`, minutes);
    }
    case "business": {
      const { id, limit } = result.business!;
      return errors.userRateLimited(`Business ${id} would exceed its ${limit} points per ${window}.`, minutes);
    }
  }
}

function describeWindow(ms: number): string {
  if (ms === 3_600_000) return "hour";
  if (ms % 60_000 === 0) return plural(ms / 60_000, "minute");
  return plural(Math.ceil(ms / 1000), "second");
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
