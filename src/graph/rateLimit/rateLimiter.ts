import { MemoryRateLimitStore } from "./memoryRateLimitStore.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import type { BucketLimit, RateLimitStore } from "./rateLimitStore.ts";

/**
 * Meta-style rate limiting for the Graph routes: every call costs points (reads 1, writes 3) and
 * counts against a sliding window in several buckets at once, as Meta scopes them
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/):
 * - Platform limits: an app token counts against its app ("app", X-App-Usage), and every token
 *   against its user ("user": Meta's user-level limit, error 17).
 * - Business Use Case limits: the ad account a call touches (ads_management) and, for business
 *   management, the business it names.
 * A call is taken from all of them or, when any is full, from none.
 *
 * Every bucket is also scoped to the tenant the call is made for (`RateLimitRequest.tenant`): on
 * Meta an app's quota grows with its users, a hub's cannot, so here no two businesses ever share a
 * bucket — not through a common app, not through an ad account one of them is a partner on, and
 * not through tokens without an app. Console sessions are a tenant of their own, so API traffic
 * can never starve the people using the console.
 */

/** The app's Marketing API access tier; it sets the ad-account quota and is echoed in headers. */
export type AccessTier = "development_access" | "standard_access";

export type BucketKind = "app" | "user" | "adAccount" | "business";

/** Meta's costs: a read is one point, a write three. */
export const POINTS = { read: 1, write: 3 } as const;

/** Points for an HTTP method: GET and HEAD read, everything else writes. */
export function pointsFor(method: string): number {
  const m = method.toUpperCase();
  return m === "GET" || m === "HEAD" ? POINTS.read : POINTS.write;
}

/** Defaults of `RateLimiterOptions`. */
export const RATE_LIMIT_DEFAULTS = {
  /** One hour: the window of all of Meta's Marketing API quotas. */
  windowMs: 60 * 60 * 1000,
  /**
   * Points per window for one app, per tenant using it. Meta allows 200 × the app's daily users per
   * hour; a hub has no user count to scale by, so this is the quota of an app with 50 users.
   */
  appPoints: 10_000,
  /** Points per window for one person or system user, across apps. Meta does not publish its figure. */
  userPoints: 10_000,
  /**
   * Points per window for one business's management edges, per tenant calling them: two apps' worth.
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
  userPoints?: number;
  businessPoints?: number;
  adAccountBasePoints?: Partial<Record<AccessTier, number>>;
  pointsPerActiveAd?: number;
  accessTier?: AccessTier;
}

export interface RateLimitRequest {
  /** The token's app; null or undefined for tokens without one. */
  appId: string | null | undefined;
  /** The token's person or system user: Meta's user-level bucket. */
  principalId?: string;
  /**
   * Whom the call is made for, scoping every bucket: the system user's business, the person, or a
   * console session. Calls of different tenants never share a bucket. Default: one tenant.
   */
  tenant?: string;
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
  /** App id, person or system user id, ad account id without "act_", or business id. */
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
  /** The platform bucket reported in X-App-Usage: the app's, or the user's for tokens without an app. */
  platform: BucketUsage;
  app?: BucketUsage;
  user?: BucketUsage;
  adAccount?: BucketUsage;
  business?: BucketUsage;
  /** 0 when allowed; otherwise until every bucket has room for this call. */
  retryAfterMs: number;
  /** When refused: the full bucket with the longest wait (the earliest listed on a tie). */
  refusedBy?: BucketKind;
}

export class RateLimiter {
  readonly store: RateLimitStore;
  private readonly windowMs: number;
  private readonly appPoints: number;
  private readonly userPoints: number;
  private readonly businessPoints: number;
  private readonly adAccountBasePoints: Record<AccessTier, number>;
  private readonly pointsPerActiveAd: number;
  private readonly accessTier: AccessTier;
  /** Calls refused since start, by the bucket that refused them (for the operator's metrics). */
  readonly refusals: Record<BucketKind, number> = { app: 0, user: 0, adAccount: 0, business: 0 };

  constructor(options: RateLimiterOptions = {}) {
    const d = RATE_LIMIT_DEFAULTS;
    this.store = options.store ?? new MemoryRateLimitStore();
    this.windowMs = positiveInteger("windowMs", options.windowMs ?? d.windowMs);
    this.appPoints = positiveInteger("appPoints", options.appPoints ?? d.appPoints);
    this.userPoints = positiveInteger("userPoints", options.userPoints ?? d.userPoints);
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

    if (!request.appId && request.principalId === undefined) throw new RangeError("A call needs an app or a principal to count against");
    // Bucket keys carry the tenant, so that nothing one business does fills a bucket another uses.
    const scope = request.tenant === undefined ? "" : `@${request.tenant}`;
    const buckets: { kind: BucketKind; id: string; limit: number }[] = [];
    if (request.appId) buckets.push({ kind: "app", id: request.appId, limit: this.appPoints });
    if (request.principalId !== undefined) buckets.push({ kind: "user", id: request.principalId, limit: this.userPoints });
    if (request.adAccountId !== undefined) {
      const id = assetIdFromGraph(request.adAccountId);
      buckets.push({ kind: "adAccount", id, limit: this.adAccountLimit(accessTier, request.activeAds) });
    }
    if (request.businessId !== undefined) {
      buckets.push({ kind: "business", id: request.businessId, limit: this.businessPoints });
    }

    const outcome = await this.store.apply({
      buckets: buckets.map(({ kind, id, limit }): BucketLimit => ({ key: `${kind}:${id}${scope}`, limit })),
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
      platform: usages[0]!,
      retryAfterMs: 0,
    };
    for (const usage of usages) result[usage.kind] = usage;

    if (!outcome.allowed) {
      // Only buckets without room for this call refused it; the client has to wait for the slowest.
      const full = usages.filter((u) => u.used + points > u.limit);
      const slowest = full.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
      result.refusedBy = slowest.kind;
      result.retryAfterMs = slowest.waitMs;
      if (record) this.refusals[slowest.kind]++;
    }
    return result;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
