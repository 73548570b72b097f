import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BucketState, WindowOutcome, WindowRequest } from "../../../src/graph/rateLimit/rateLimitStore.ts";
import { STORES } from "../../support/rateLimitStores.ts";

/**
 * The stores against the plainest possible model: a list of (bucket, time, points) that is
 * never pruned, summed from scratch for every question.
 */
const WINDOW_MS = 1000;
const KEYS = ["app:a", "app:b", "adAccount:1", "business:x"];
const LIMITS: Record<string, number> = { "app:a": 12, "app:b": 7, "adAccount:1": 5, "business:x": 20 };

interface Call {
  key: string;
  at: number;
  points: number;
}

class ReferenceWindows {
  private calls: Call[] = [];

  private usedAt(key: string, t: number): number {
    return this.calls.filter((c) => c.key === key && c.at > t - WINDOW_MS).reduce((sum, c) => sum + c.points, 0);
  }

  apply({ buckets, points, now, record }: WindowRequest): WindowOutcome {
    const allowed = buckets.every(({ key, limit }) => this.usedAt(key, now) + points <= limit);
    if (allowed && record) for (const { key } of buckets) this.calls.push({ key, at: now, points });
    return {
      allowed,
      buckets: buckets.map(({ key, limit }): BucketState => {
        const mine = this.calls.filter((c) => c.key === key && c.at > now - WINDOW_MS);
        // Usage only drops when a call leaves, so the first moment with room is now or a leaving time.
        const moments = [now, ...mine.map((c) => c.at + WINDOW_MS)].sort((x, y) => x - y);
        const first = moments.find((t) => this.usedAt(key, t) + points <= limit);
        return {
          used: this.usedAt(key, now),
          waitMs: first === undefined ? WINDOW_MS : first - now,
          emptyInMs: mine.length === 0 ? 0 : Math.max(...mine.map((c) => c.at)) + WINDOW_MS - now,
        };
      }),
    };
  }
}

interface Step {
  advanceMs: number;
  keys: string[];
  points: number;
  record: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  // Small steps fill windows; round ones land calls exactly one window apart (the boundary);
  // now and then a long gap empties everything.
  advanceMs: fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 150 }) },
    { weight: 4, arbitrary: fc.constantFrom(0, 1, 100, 250, 500, 999, 1000) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 2500 }) },
  ),
  keys: fc.subarray(KEYS, { minLength: 1 }),
  points: fc.oneof(fc.constant(1), fc.constant(3), fc.integer({ min: 1, max: 25 })),
  record: fc.boolean(),
});

describe.each(STORES)("the $name rate-limit store", ({ name, open }) => {
  it("answers every call like the reference model", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 60 }), async (steps) => {
        const opened = await open();
        try {
          const reference = new ReferenceWindows();
          let now = Date.UTC(2026, 0, 1);
          for (const step of steps) {
            now += step.advanceMs;
            const request: WindowRequest = {
              buckets: step.keys.map((key) => ({ key, limit: LIMITS[key]! })),
              points: step.points,
              now,
              windowMs: WINDOW_MS,
              record: step.record,
            };
            expect(await opened.store.apply(request)).toEqual(reference.apply(request));
          }
        } finally {
          await opened.close();
        }
      }),
      { numRuns: name === "memory" ? 500 : 60 },
    );
  });
});
