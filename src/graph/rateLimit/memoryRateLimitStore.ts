import type { BucketState, RateLimitStore, WindowOutcome, WindowRequest } from "./rateLimitStore.ts";
import { neverFitsWaitMs } from "./rateLimitStore.ts";

interface Entry {
  at: number;
  points: number;
}

/** One bucket's calls in time order, oldest first, with their running total. */
class SlidingLog {
  private entries: Entry[] = [];
  /** Entries before `head` have left the window; they are cut off in batches, not one shift at a time. */
  private head = 0;
  total = 0;

  prune(cutoff: number): void {
    while (this.head < this.entries.length && this.entries[this.head]!.at <= cutoff) {
      this.total -= this.entries[this.head]!.points;
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  add(at: number, points: number): void {
    // Calls normally arrive in time order; a clock that steps back still gets a sorted log, so
    // pruning from the front stays correct.
    let i = this.entries.length;
    while (i > this.head && this.entries[i - 1]!.at > at) i--;
    // Calls of the same millisecond share an entry: they enter and leave the window together, so
    // the counts stay exact while a busy bucket keeps one entry per millisecond, not per call.
    const previous = i > this.head ? this.entries[i - 1]! : undefined;
    if (previous?.at === at) previous.points += points;
    else this.entries.splice(i, 0, { at, points });
    this.total += points;
  }

  /** Time until `need` points have left the window, oldest first; undefined if they never will. */
  waitToFree(need: number, now: number, windowMs: number): number | undefined {
    let freed = 0;
    for (let i = this.head; i < this.entries.length; i++) {
      freed += this.entries[i]!.points;
      if (freed >= need) return this.entries[i]!.at + windowMs - now;
    }
    return undefined;
  }

  newestAt(): number | undefined {
    return this.head < this.entries.length ? this.entries[this.entries.length - 1]!.at : undefined;
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
