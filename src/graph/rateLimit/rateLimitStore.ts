/**
 * Where sliding-window usage lives. The limiter decides which buckets a call touches and their
 * limits; a store only keeps, per bucket, a log of (time, points) and answers for several buckets
 * at once, so that one call is taken from all of them or from none.
 */

/** One bucket a call counts against, e.g. `{ key: "adAccount:123", limit: 300 }`. */
export interface BucketLimit {
  key: string;
  limit: number;
}

export interface WindowRequest {
  buckets: readonly BucketLimit[];
  /** Cost of the call (a positive integer). */
  points: number;
  /** Milliseconds since the epoch; a point recorded at `t` counts while `t > now - windowMs`. */
  now: number;
  windowMs: number;
  /** Record the points when every bucket has room for them (consume), or only look (peek). */
  record: boolean;
}

export interface BucketState {
  /** Points in the window after the request (including this call's when it was recorded). */
  used: number;
  /** How long until `points` more would fit in this bucket; 0 when they fit now. */
  waitMs: number;
  /** How long until the window holds nothing, i.e. until the newest recorded call leaves it. */
  emptyInMs: number;
}

export interface WindowOutcome {
  /** Every bucket had room for the points (before they were recorded). */
  allowed: boolean;
  /** In the order of `WindowRequest.buckets`. */
  buckets: BucketState[];
}

export interface RateLimitStore {
  /**
   * Atomically: drop what has left the window, and when every bucket has room for `points`
   * (used + points <= limit) and `record` is set, record them in every bucket. A refused call
   * records nothing anywhere.
   */
  apply(request: WindowRequest): Promise<WindowOutcome>;
}

/**
 * `waitMs` when the points can never fit (they exceed the whole limit): a full window, so a
 * client backs off instead of retrying at once.
 */
export const neverFitsWaitMs = (windowMs: number) => windowMs;
