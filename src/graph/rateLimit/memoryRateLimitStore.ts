import type { BucketState, RateLimitStore, WindowOutcome, WindowRequest } from "./rateLimitStore.ts";
import { neverFitsWaitMs } from "./rateLimitStore.ts";

/**
 * One bucket's calls in time order, oldest first, with their running total. Times and points sit
 * in two plain number arrays rather than an object per call, which the garbage collector never
 * has to walk however busy the bucket.
 */
class SlidingLog {
  private ats: number[] = [];
  private points: number[] = [];
  /** Entries before `head` have left the window; they are cut off in batches, not one shift at a time. */
  private head = 0;
  total = 0;

  prune(cutoff: number): void {
    while (this.head < this.ats.length && this.ats[this.head]! <= cutoff) {
      this.total -= this.points[this.head]!;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.ats.length) {
      this.ats = this.ats.slice(this.head);
      this.points = this.points.slice(this.head);
      this.head = 0;
    }
  }

  add(at: number, points: number): void {
    // Calls normally arrive in time order; a clock that steps back still gets a sorted log, so
    // pruning from the front stays correct.
    let i = this.ats.length;
    while (i > this.head && this.ats[i - 1]! > at) i--;
    // Calls of the same millisecond share an entry: they enter and leave the window together, so
    // the counts stay exact while a busy bucket keeps one entry per millisecond, not per call.
    if (i > this.head && this.ats[i - 1] === at) {
      this.points[i - 1]! += points;
    } else {
      this.ats.splice(i, 0, at);
      this.points.splice(i, 0, points);
    }
    this.total += points;
  }

  /** Time until `need` points have left the window, oldest first; undefined if they never will. */
  waitToFree(need: number, now: number, windowMs: number): number | undefined {
    let freed = 0;
    for (let i = this.head; i < this.ats.length; i++) {
      freed += this.points[i]!;
      if (freed >= need) return this.ats[i]! + windowMs - now;
    }
    return undefined;
  }

  newestAt(): number | undefined {
    return this.head < this.ats.length ? this.ats[this.ats.length - 1] : undefined;
  }
}

/**
 * The default store: exact sliding logs in this process. Right for a single instance; several
 * instances behind one hub need the Redis store so they share one count.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly logs = new Map<string, SlidingLog>();
  private callsSinceSweep = 0;

  async apply({ buckets, points, now, windowMs, record }: WindowRequest): Promise<WindowOutcome> {
    const cutoff = now - windowMs;
    const logs = buckets.map(({ key }) => {
      let log = this.logs.get(key);
      if (!log) this.logs.set(key, (log = new SlidingLog()));
      log.prune(cutoff);
      return log;
    });
    const allowed = buckets.every((bucket, i) => logs[i]!.total + points <= bucket.limit);
    if (allowed && record) for (const log of logs) log.add(now, points);

    const states = buckets.map((bucket, i): BucketState => {
      const log = logs[i]!;
      const need = log.total + points - bucket.limit;
      const newestAt = log.newestAt();
      return {
        used: log.total,
        waitMs: need <= 0 ? 0 : (log.waitToFree(need, now, windowMs) ?? neverFitsWaitMs(windowMs)),
        emptyInMs: newestAt === undefined ? 0 : newestAt + windowMs - now,
      };
    });
    this.sweepNowAndThen(cutoff);
    return { allowed, buckets: states };
  }

  /** Buckets nobody calls any more would otherwise stay in the map for good. */
  private sweepNowAndThen(cutoff: number): void {
    if (++this.callsSinceSweep < 1024) return;
    this.callsSinceSweep = 0;
    for (const [key, log] of this.logs) {
      log.prune(cutoff);
      if (log.newestAt() === undefined) this.logs.delete(key);
    }
  }
}
