import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { POINTS, RateLimiter } from "../../../src/graph/rateLimit/rateLimiter.ts";
import { openRedisStore, redisUrl, type OpenRedisStore } from "../../support/rateLimitStores.ts";

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

describe.skipIf(!redisUrl)("RedisRateLimitStore", () => {
  let opened: OpenRedisStore;
  beforeEach(async () => {
    opened = await openRedisStore(redisUrl!);
  });
  afterEach(async () => {
    await opened.close();
  });

  /** Two hub instances: limiters on separate connections to the same keys. */
  async function twoInstances(appPoints: number) {
    return [
      new RateLimiter({ store: opened.store, appPoints, windowMs: MINUTE }),
      new RateLimiter({ store: await opened.sibling(), appPoints, windowMs: MINUTE }),
    ] as const;
  }

  it("lets two instances see each other's usage", async () => {
    const [a, b] = await twoInstances(10);
    await a.consume({ appId: "app1", points: POINTS.write, now: T0 });
    const fromB = await b.consume({ appId: "app1", points: POINTS.write, now: T0 + 1000 });
    expect(fromB.platform.used).toBe(6);
    await a.consume({ appId: "app1", points: POINTS.write, now: T0 + 2000 });

    const refused = await b.consume({ appId: "app1", points: POINTS.write, now: T0 + 3000 });
    expect(refused).toMatchObject({ allowed: false, refusedBy: "app", retryAfterMs: MINUTE - 3000 });
    expect((await a.peek({ appId: "app1", points: POINTS.read, now: T0 + 3000 })).platform.used).toBe(9);
    expect((await a.consume({ appId: "app1", points: POINTS.write, now: T0 + MINUTE })).allowed).toBe(true);
  });

  it("never lets concurrent calls from two instances past the limit", async () => {
    const [a, b] = await twoInstances(20);
    const calls = Array.from({ length: 60 }, (_, i) =>
      (i % 2 ? a : b).consume({ appId: "app1", adAccountId: "act_1", points: POINTS.read, now: T0 + i }),
    );
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    expect((await a.peek({ appId: "app1", points: POINTS.read, now: T0 + 100 })).platform.used).toBe(20);
    // The account was charged for exactly the calls the app allowed.
    const account = await b.peek({ appId: "other", adAccountId: "1", points: POINTS.read, now: T0 + 100 });
    expect(account.adAccount!.used).toBe(20);
  });

  it("lets idle buckets expire after one window", async () => {
    const rl = new RateLimiter({ store: opened.store, windowMs: MINUTE });
    await rl.consume({ appId: "app1", adAccountId: "act_1", points: POINTS.read });
    const keys = await opened.client.keys(`${opened.keyPrefix}*`);
    expect(keys.sort()).toEqual(
      ["adAccount:1:log", "adAccount:1:total", "app:app1:log", "app:app1:total"].map((k) => opened.keyPrefix + k),
    );
    for (const key of keys) {
      const ttl = await opened.client.pTTL(key);
      expect(ttl).toBeGreaterThan(MINUTE - 5000);
      expect(ttl).toBeLessThanOrEqual(MINUTE);
    }
  });

  it("reloads its script when Redis has forgotten it", async () => {
    const rl = new RateLimiter({ store: opened.store });
    await rl.consume({ appId: "app1", points: POINTS.read, now: T0 });
    await opened.client.scriptFlush();
    const again = await rl.consume({ appId: "app1", points: POINTS.read, now: T0 });
    expect(again).toMatchObject({ allowed: true, app: { used: 2 } });
  });
});
