import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorFor } from "../../../src/graph/rateLimit/rateLimitError.ts";
import { POINTS, pointsFor, RateLimiter, type RateLimiterOptions } from "../../../src/graph/rateLimit/rateLimiter.ts";
import { STORES, type OpenStore } from "../../support/rateLimitStores.ts";
import { usageHeaders } from "../../../src/graph/rateLimit/usageHeaders.ts";

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const { read, write } = POINTS;

describe.each(STORES)("RateLimiter on the $name store", ({ open }) => {
  let opened: OpenStore;
  beforeEach(async () => {
    opened = await open();
  });
  afterEach(async () => {
    await opened.close();
  });

  const limiter = (options: RateLimiterOptions = {}) => new RateLimiter({ store: opened.store, ...options });

  /** `count` calls of `points` each, `stepMs` apart from `start`; fails if any is refused. */
  async function fill(rl: RateLimiter, count: number, points: number, start: number, stepMs = 0, extra = {}) {
    for (let i = 0; i < count; i++) {
      const result = await rl.consume({ appId: "app1", points, now: start + i * stepMs, ...extra });
      expect(result.allowed).toBe(true);
    }
  }

  it("lets calls back in as the oldest ones slide out of the window", async () => {
    const rl = limiter({ appPoints: 10, windowMs: MINUTE });
    await fill(rl, 10, read, T0, 1000); // at T0, T0+1s, …, T0+9s

    const refused = await rl.consume({ appId: "app1", points: read, now: T0 + 30_000 });
    expect(refused).toMatchObject({ allowed: false, refusedBy: "app", retryAfterMs: 30_000 });
    expect(refused.platform.used).toBe(10);

    // A call counts while it is less than one window old: at T0 + 60s the first one is gone.
    expect((await rl.consume({ appId: "app1", points: read, now: T0 + MINUTE - 1 })).allowed).toBe(false);
    const back = await rl.consume({ appId: "app1", points: read, now: T0 + MINUTE });
    expect(back).toMatchObject({ allowed: true, retryAfterMs: 0 });
    expect(back.platform.used).toBe(10);

    // Half a window later only the calls of the last 60 s count.
    const later = await rl.peek({ appId: "app1", points: read, now: T0 + MINUTE + 5500 });
    expect(later.platform.used).toBe(5); // T0+6s … T0+9s and T0+60s
    expect((await rl.peek({ appId: "app1", points: read, now: T0 + 3 * MINUTE })).platform.used).toBe(0);
  });

  it("records nothing for a refused call, in any bucket", async () => {
    const rl = limiter({ appPoints: 10, adAccountBasePoints: { development_access: 6 } });
    const onAccount = (points: number) => rl.consume({ appId: "app1", adAccountId: "act_1", points, now: T0 });
    expect((await onAccount(write)).allowed).toBe(true);
    expect((await onAccount(write)).allowed).toBe(true); // app 6 of 10, account 6 of 6

    // The app has room, the account has not: neither is charged.
    const refused = await onAccount(write);
    expect(refused).toMatchObject({ allowed: false, refusedBy: "adAccount", app: { used: 6 }, adAccount: { used: 6 } });
    expect((await rl.peek({ appId: "app1", points: read, now: T0 })).platform.used).toBe(6);

    // A refused write leaves the room a read needs.
    expect((await rl.consume({ appId: "app1", points: write, now: T0 })).allowed).toBe(true); // 9 of 10
    expect(await rl.consume({ appId: "app1", points: write, now: T0 })).toMatchObject({ allowed: false, refusedBy: "app" });
    const aRead = await rl.consume({ appId: "app1", points: read, now: T0 });
    expect(aRead).toMatchObject({ allowed: true, app: { used: 10 } });
  });

  it("peek answers like consume without recording", async () => {
    const rl = limiter({ appPoints: 3 });
    await fill(rl, 2, read, T0);
    expect((await rl.peek({ appId: "app1", points: read, now: T0 })).allowed).toBe(true);
    expect((await rl.peek({ appId: "app1", points: write, now: T0 })).allowed).toBe(false);
    expect((await rl.peek({ appId: "app1", points: read, now: T0 })).platform.used).toBe(2);
  });

  it("keeps each ad account, app and business in a bucket of its own", async () => {
    const rl = limiter({ adAccountBasePoints: { development_access: 5 }, businessPoints: 7 });
    for (let i = 0; i < 5; i++) await rl.consume({ appId: "app1", adAccountId: "act_1", points: read, now: T0 });

    const full = await rl.consume({ appId: "app1", adAccountId: "1", points: read, now: T0 });
    expect(full).toMatchObject({ allowed: false, refusedBy: "adAccount" }); // "act_1" and "1" are one account
    const other = await rl.consume({ appId: "app1", adAccountId: "act_2", points: read, now: T0 });
    expect(other.allowed).toBe(true);
    expect(other.adAccount).toMatchObject({ id: "2", used: 1 });
    expect(other.platform.used).toBe(6);

    const otherApp = await rl.peek({ appId: "app2", points: read, now: T0 });
    expect(otherApp.app).toMatchObject({ id: "app2", used: 0 });

    // A token without an app counts against its user alone; another user's bucket is untouched.
    await rl.consume({ appId: null, principalId: "u1", points: write, now: T0 });
    expect((await rl.peek({ appId: undefined, principalId: "u1", points: read, now: T0 })).platform).toMatchObject({ kind: "user", id: "u1", used: 3 });
    expect((await rl.peek({ appId: undefined, principalId: "u2", points: read, now: T0 })).platform.used).toBe(0);
    await expect(rl.consume({ appId: null, points: read, now: T0 })).rejects.toThrow(RangeError);

    // A business counts across its apps and accounts.
    await rl.consume({ appId: "app1", businessId: "b1", adAccountId: "act_3", points: write, now: T0 });
    await rl.consume({ appId: "app2", businessId: "b1", points: write, now: T0 });
    const b1 = await rl.consume({ appId: "app2", businessId: "b1", points: write, now: T0 });
    expect(b1).toMatchObject({ allowed: false, refusedBy: "business" });
    expect((await rl.consume({ appId: "app2", businessId: "b2", points: write, now: T0 })).allowed).toBe(true);
  });

  it("never shares a bucket between tenants: not an app's, an ad account's, a business's or a user's", async () => {
    const rl = limiter({ appPoints: 4, userPoints: 6, businessPoints: 5, adAccountBasePoints: { development_access: 5 } });
    const call = (tenant: string, extra: object) => rl.consume({ appId: "shared-app", principalId: `${tenant}-bot`, tenant, points: read, now: T0, ...extra });
    for (let i = 0; i < 4; i++) expect((await call("A", {})).allowed).toBe(true);
    expect(await call("A", {})).toMatchObject({ allowed: false, refusedBy: "app" });
    // The same app used for tenant B still has its whole quota there.
    expect(await call("B", {})).toMatchObject({ allowed: true, app: { used: 1 } });

    const onAccount = (tenant: string) => rl.consume({ appId: null, principalId: `${tenant}-person`, tenant, adAccountId: "act_1", points: read, now: T0 });
    for (let i = 0; i < 5; i++) expect((await onAccount("partner")).allowed).toBe(true);
    expect(await onAccount("partner")).toMatchObject({ allowed: false, refusedBy: "adAccount" });
    expect(await onAccount("owner")).toMatchObject({ allowed: true, adAccount: { used: 1 } });

    const onBusiness = (tenant: string) => rl.consume({ appId: null, principalId: `${tenant}-admin`, tenant, businessId: "b1", points: read, now: T0 });
    for (let i = 0; i < 5; i++) await onBusiness("X");
    expect(await onBusiness("X")).toMatchObject({ allowed: false, refusedBy: "business" });
    expect((await onBusiness("Y")).allowed).toBe(true);

    // One principal across two tenants (a console session and an API token) has two user buckets.
    const asUser = (tenant: string) => rl.consume({ appId: null, principalId: "p1", tenant, points: read, now: T0 });
    for (let i = 0; i < 6; i++) await asUser("api");
    expect(await asUser("api")).toMatchObject({ allowed: false, refusedBy: "user" });
    expect((await asUser("console:p1")).allowed).toBe(true);
    expect(errorFor(await asUser("api"))).toMatchObject({ status: 400, code: 17 });
  });

  it("estimates the time to regain access from the calls that must leave the window", async () => {
    const rl = limiter({ adAccountBasePoints: { development_access: 10 } });
    const call = (points: number, now: number) => rl.consume({ appId: "app1", adAccountId: "act_9", points, now });
    await call(read, T0);
    await call(read, T0 + 10 * MINUTE);
    await call(write, T0 + 20 * MINUTE);
    await call(write, T0 + 30 * MINUTE);
    // After an allowed call the estimate is for the next call of the same cost: 0 while it fits.
    const fits = await call(read, T0 + 40 * MINUTE);
    expect(fits.adAccount).toMatchObject({ used: 9, waitMs: 0 });

    // A read still fits; a write needs 2 points back, i.e. both reads gone: at T0 + 70 min.
    const refused = await call(write, T0 + 45 * MINUTE);
    expect(refused).toMatchObject({ allowed: false, refusedBy: "adAccount", retryAfterMs: 25 * MINUTE });
    expect(refused.adAccount!.waitMs).toBe(25 * MINUTE);
    const header = JSON.parse(usageHeaders(refused)["X-Business-Use-Case-Usage"]!);
    expect(header["9"][0].estimated_time_to_regain_access).toBe(25);

    expect((await call(write, T0 + 70 * MINUTE - 1)).allowed).toBe(false);
    // Full again (T0+20 w, T0+30 w, T0+40 r, T0+70 w): the next write waits for the one of T0+20.
    const full = await call(write, T0 + 70 * MINUTE);
    expect(full).toMatchObject({ allowed: true, adAccount: { used: 10, waitMs: 10 * MINUTE } });
  });

  it("refuses on the bucket that frees up last, and retries after it", async () => {
    const rl = limiter({ appPoints: 2, adAccountBasePoints: { development_access: 2 } });
    await rl.consume({ appId: "app1", adAccountId: "1", points: 2, now: T0 });
    await rl.consume({ appId: "app2", adAccountId: "2", points: 2, now: T0 + 5 * MINUTE });
    const refused = await rl.consume({ appId: "app1", adAccountId: "2", points: read, now: T0 + 10 * MINUTE });
    // The app frees up at T0 + 60 min, the account at T0 + 65 min.
    expect(refused).toMatchObject({ allowed: false, refusedBy: "adAccount", retryAfterMs: 55 * MINUTE });
    expect(refused.platform.waitMs).toBe(50 * MINUTE);
  });

  it("sizes ad-account quotas by tier and active ads, as Meta does", async () => {
    const rl = limiter();
    expect(rl.adAccountLimit("development_access")).toBe(300);
    expect(rl.adAccountLimit("development_access", 10)).toBe(700);
    expect(rl.adAccountLimit("standard_access", 10)).toBe(100_400);

    const dev = await rl.peek({ appId: "app1", adAccountId: "act_1", activeAds: 2, points: read, now: T0 });
    expect(dev).toMatchObject({ accessTier: "development_access", adAccount: { limit: 380 } });
    const std = await rl.peek({ appId: "app1", adAccountId: "act_1", accessTier: "standard_access", points: read, now: T0 });
    expect(std.adAccount!.limit).toBe(100_000);
    expect(dev.platform.limit).toBe(10_000);
  });

  it("maps refusals to the catalogue's rate-limit errors", async () => {
    const rl = limiter({ appPoints: 5, businessPoints: 4, adAccountBasePoints: { development_access: 3 } });
    const allowed = await rl.consume({ appId: "app1", adAccountId: "act_7", points: write, now: T0 });
    expect(errorFor(allowed)).toBeUndefined();

    const account = errorFor(await rl.consume({ appId: "app1", adAccountId: "act_7", points: read, now: T0 + MINUTE }))!;
    expect(account).toMatchObject({ status: 400, code: 80004, options: { subcode: 2446079 } });
    expect(account.message).toBe("(#80004) There have been too many calls to this ad-account: Ad account 7 would exceed its 3 points per hour.");
    expect(account.toGraph().error_user_msg).toContain("Try again in about 59 minute(s)");

    const business = errorFor(await rl.consume({ appId: "app2", businessId: "b1", points: 5, now: T0 }))!;
    expect(business).toMatchObject({ status: 400, code: 17, options: { subcode: 2446079 } });

    const app = errorFor(await rl.consume({ appId: "app1", points: write, now: T0 }))!;
    expect(app).toMatchObject({ status: 403, code: 4 });
    expect(app.toGraph().error_user_msg).toContain("about 60 minute(s)");
  });
});

describe("points", () => {
  it("charges reads 1 and writes 3", () => {
    expect(pointsFor("GET")).toBe(1);
    expect(pointsFor("head")).toBe(1);
    expect(pointsFor("POST")).toBe(3);
    expect(pointsFor("DELETE")).toBe(3);
  });

  it("rejects costs and limits that are not positive integers", async () => {
    const rl = new RateLimiter();
    await expect(rl.consume({ appId: "a", points: 0 })).rejects.toThrow(RangeError);
    await expect(rl.consume({ appId: "a", points: 1.5 })).rejects.toThrow(RangeError);
    expect(() => new RateLimiter({ appPoints: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ adAccountBasePoints: { standard_access: -1 } })).toThrow(RangeError);
  });
});
