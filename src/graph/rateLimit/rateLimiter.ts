import { MemoryRateLimitStore } from "./memoryRateLimitStore.ts";
import type { BucketLimit, RateLimitStore } from "./rateLimitStore.ts";

/**
 * Meta-style rate limiting for the Graph routes: every call costs points (reads 1, writes 3) and
 * counts against a sliding window in several buckets at once: its app, the ad account it touches
 * (ads_management, Business Use Case style) and, when given, a business. A call is taken from
 * all of them or, when any is full, from none.
 */

/** The app's Marketing API access tier; it sets the ad-account quota and is echoed in headers. */
export type AccessTier = "development_access" | "standard_access";

export type BucketKind = "app" | "adAccount" | "business";

/** Meta's costs: a read is one point, a write three. */
export const POINTS = { read: 1, write: 3 } as const;

/** Points for an HTTP method: GET and HEAD read, everything else writes. */
export function pointsFor(method: string): number {
  const m = method.toUpperCase();
  return m === "GET" || m === "HEAD" ? POINTS.read : POINTS.write;
}

/** Bucket id for calls made with a token that belongs to no app. */
export const NO_APP = "noapp";

/** Defaults of `RateLimiterOptions`. */
export const RATE_LIMIT_DEFAULTS = {
  /** One hour: the window of all of Meta's Marketing API quotas. */
  windowMs: 60 * 60 * 1000,
  /**
   * Points per window for one app. Meta allows 200 × the app's daily users per hour; a hub has no
   * user count to scale by, so this is the quota of an app with 50 users.
   */
  appPoints: 10_000,
  /**
   * Points per window for one business, across all its apps and ad accounts: two apps' worth.
   * Meta publishes no such quota; it keeps one business's tools from starving the hub.
   */
  businessPoints: 20_000,
  /** Meta's ads_management quota per ad account and hour, before active ads, per tier. */
  adAccountBasePoints: { development_access: 300, standard_access: 100_000 },
  /** Meta adds 40 points to an ad account's quota per active ad. */
  pointsPerActiveAd: 40,
  /** Tier of calls that do not say: development access, what Meta gives every new app. */
  accessTier: "development_access",
} as const satisfies Omit<Required<RateLimiterOptions>, "store">;

/** Every option defaults to the value of the same name in `RATE_LIMIT_DEFAULTS`. */
export interface RateLimiterOptions {
  /** Where usage is kept. Default: this process (`MemoryRateLimitStore`); use Redis for several instances. */
  store?: RateLimitStore;
  windowMs?: number;
  appPoints?: number;
  businessPoints?: number;
  adAccountBasePoints?: Partial<Record<AccessTier, number>>;
  pointsPerActiveAd?: number;
  accessTier?: AccessTier;
}

export interface RateLimitRequest {
  /** The token's app; null or undefined for tokens without one (they share the "noapp" bucket). */
  appId: string | null | undefined;
  /** The ad account the call reads or changes, with or without "act_". */
  adAccountId?: string;
  /** Active ads in that account, which raise its quota by `pointsPerActiveAd` each. Default 0. */
  activeAds?: number;
  businessId?: string;
  /** The app's tier; default `options.accessTier`. */
  accessTier?: AccessTier;
  /** Cost of the call: `pointsFor(method)`, or `POINTS.read` / `POINTS.write`. */
  points: number;
  /** Milliseconds since the epoch. Default `Date.now()`; tests pass their own clock. */
  now?: number;
}

export interface BucketUsage {
  kind: BucketKind;
  /** App id (or "noapp"), ad account id without "act_", or business id. */
  id: string;
  limit: number;
  /** Points in the window, this call's included when it was allowed. */
  used: number;
  /** `used` as a percentage of `limit`, unrounded. */
  usagePct: number;
  /** Until a call of the same cost would fit in this bucket; 0 if it would now. */
  waitMs: number;
  /** Until the window is empty again. */
  emptyInMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  points: number;
  accessTier: AccessTier;
  windowMs: number;
  app: BucketUsage;
  adAccount?: BucketUsage;
  business?: BucketUsage;
  /** 0 when allowed; otherwise until every bucket has room for this call. */
  retryAfterMs: number;
  /** When refused: the full bucket with the longest wait (the app's on a tie). */
  refusedBy?: BucketKind;
}

export class RateLimiter {
  readonly store: RateLimitStore;
  private readonly windowMs: number;
  private readonly appPoints: number;
  private readonly businessPoints: number;
  private readonly adAccountBasePoints: Record<AccessTier, number>;
  private readonly pointsPerActiveAd: number;
  private readonly accessTier: AccessTier;

  constructor(options: RateLimiterOptions = {}) {
    const d = RATE_LIMIT_DEFAULTS;
    this.store = options.store ?? new MemoryRateLimitStore();
    this.windowMs = positiveInteger("windowMs", options.windowMs ?? d.windowMs);
    this.appPoints = positiveInteger("appPoints", options.appPoints ?? d.appPoints);
    this.businessPoints = positiveInteger("businessPoints", options.businessPoints ?? d.businessPoints);
    this.adAccountBasePoints = { ...d.adAccountBasePoints, ...options.adAccountBasePoints };
    for (const [tier, points] of Object.entries(this.adAccountBasePoints)) positiveInteger(`adAccountBasePoints.${tier}`, points);
    this.pointsPerActiveAd = options.pointsPerActiveAd ?? d.pointsPerActiveAd;
    if (!Number.isSafeInteger(this.pointsPerActiveAd) || this.pointsPerActiveAd < 0) {
      throw new RangeError(`pointsPerActiveAd must be a non-negative integer, got ${this.pointsPerActiveAd}`);
    }
    this.accessTier = options.accessTier ?? d.accessTier;
  }

  /** Takes the call's points from every bucket, or from none when any of them lacks room. */
  consume(request: RateLimitRequest): Promise<RateLimitResult> {
    return this.apply(request, true);
  }

  /** What `consume` would answer now, recording nothing. */
  peek(request: RateLimitRequest): Promise<RateLimitResult> {
    return this.apply(request, false);
  }

  /** The ad-account quota per window: Meta's base for the tier + 40 points per active ad. */
  adAccountLimit(accessTier: AccessTier, activeAds = 0): number {
    const ads = Number.isFinite(activeAds) ? Math.max(0, Math.floor(activeAds)) : 0;
    return this.adAccountBasePoints[accessTier] + this.pointsPerActiveAd * ads;
  }

  private async apply(request: RateLimitRequest, record: boolean): Promise<RateLimitResult> {
    const points = positiveInteger("points", request.points);
    const now = request.now ?? Date.now();
    const accessTier = request.accessTier ?? this.accessTier;

    const buckets: { kind: BucketKind; id: string; limit: number }[] = [
      { kind: "app", id: request.appId || NO_APP, limit: this.appPoints },
    ];
    if (request.adAccountId !== undefined) {
      const id = request.adAccountId.replace(/^act_/, "");
      buckets.push({ kind: "adAccount", id, limit: this.adAccountLimit(accessTier, request.activeAds) });
    }
    if (request.businessId !== undefined) {
      buckets.push({ kind: "business", id: request.businessId, limit: this.businessPoints });
    }

    const outcome = await this.store.apply({
      buckets: buckets.map(({ kind, id, limit }): BucketLimit => ({ key: `${kind}:${id}`, limit })),
      points,
      now,
      windowMs: this.windowMs,
      record,
    });

    const usages = buckets.map(({ kind, id, limit }, i): BucketUsage => {
      const state = outcome.buckets[i]!;
      return { kind, id, limit, ...state, usagePct: (state.used * 100) / limit };
    });
    const result: RateLimitResult = {
      allowed: outcome.allowed,
      points,
      accessTier,
      windowMs: this.windowMs,
      app: usages[0]!,
      retryAfterMs: 0,
    };
    const adAccount = usages.find((u) => u.kind === "adAccount");
    const business = usages.find((u) => u.kind === "business");
    if (adAccount) result.adAccount = adAccount;
    if (business) result.business = business;

    if (!outcome.allowed) {
      // Only buckets without room for this call refused it; the client has to wait for the slowest.
      const full = usages.filter((u) => u.used + points > u.limit);
      const slowest = full.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
      result.refusedBy = slowest.kind;
      result.retryAfterMs = slowest.waitMs;
    }
    return result;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
