import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { POINTS, RateLimiter, type BucketUsage, type RateLimitResult } from "./rateLimiter.ts";
import { minutesUntil, usageHeaders } from "./usageHeaders.ts";

/** The headers as objects passed through JSON.stringify: what the hand-written JSON must equal. */
function referenceHeaders(result: RateLimitResult): Record<string, string> {
  const percent = (usage: BucketUsage) => Math.floor(usage.usagePct);
  const useCase = (type: string, usage: BucketUsage) => ({
    type,
    call_count: percent(usage),
    total_cputime: percent(usage),
    total_time: percent(usage),
    estimated_time_to_regain_access: minutesUntil(usage.waitMs),
    ads_api_access_tier: result.accessTier,
  });
  const app = percent(result.platform);
  const headers: Record<string, string> = { "X-App-Usage": JSON.stringify({ call_count: app, total_time: app, total_cputime: app }) };
  // No prototype, so that any id (even "toString" or "__proto__") is just a key.
  const useCases = Object.create(null) as Record<string, object[]>;
  if (result.adAccount) useCases[result.adAccount.id] = [useCase("ads_management", result.adAccount)];
  if (result.business) (useCases[result.business.id] ??= []).push(useCase("business_management", result.business));
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

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1);

describe("usageHeaders", () => {
  it("writes Meta's three headers with percentages of each bucket", async () => {
    const rl = new RateLimiter({ appPoints: 100, businessPoints: 1000 });
    for (let i = 0; i < 28; i++) await rl.consume({ appId: "app1", points: POINTS.read, now: T0 });
    // 29 points on a development-tier account of 300: 9.666…%.
    await rl.consume({ appId: "app2", adAccountId: "act_66782684", points: 26, now: T0 - 20 * MINUTE });
    const result = await rl.consume({ appId: "app1", adAccountId: "act_66782684", businessId: "4242", points: POINTS.write, now: T0 });

    expect(usageHeaders(result)).toEqual({
      "X-App-Usage": '{"call_count":31,"total_time":31,"total_cputime":31}',
      // (JavaScript puts integer-like keys in numeric order.)
      "X-Business-Use-Case-Usage":
        '{"4242":[{"type":"business_management","call_count":0,"total_cputime":0,"total_time":0,' +
        '"estimated_time_to_regain_access":0,"ads_api_access_tier":"development_access"}],' +
        '"66782684":[{"type":"ads_management","call_count":9,"total_cputime":9,"total_time":9,' +
        '"estimated_time_to_regain_access":0,"ads_api_access_tier":"development_access"}]}',
      // The newest call (now) leaves the window in an hour.
      "X-Ad-Account-Usage": '{"acc_id_util_pct":9.67,"reset_time_duration":3600,"ads_api_access_tier":"development_access"}',
    });
  });

  it("sends only the app header for a call that names no account or business", async () => {
    const result = await new RateLimiter().consume({ appId: null, principalId: "p1", points: POINTS.read, now: T0 });
    expect(usageHeaders(result)).toEqual({ "X-App-Usage": '{"call_count":0,"total_time":0,"total_cputime":0}' });
  });

  it("reports a full bucket as 100 with the minutes until a call fits again", async () => {
    const rl = new RateLimiter({ adAccountBasePoints: { standard_access: 10 } });
    const call = (now: number) =>
      rl.consume({ appId: "app1", adAccountId: "act_5", accessTier: "standard_access", points: 5, now });
    await call(T0);
    await call(T0 + 30 * MINUTE);
    const refused = await call(T0 + 45 * MINUTE + 1);

    const buc = JSON.parse(usageHeaders(refused)["X-Business-Use-Case-Usage"]!);
    expect(buc["5"]).toEqual([
      {
        type: "ads_management",
        call_count: 100,
        total_cputime: 100,
        total_time: 100,
        estimated_time_to_regain_access: 15, // 14 min 59.999 s, rounded up
        ads_api_access_tier: "standard_access",
      },
    ]);
    expect(JSON.parse(usageHeaders(refused)["X-Ad-Account-Usage"]!)).toEqual({
      acc_id_util_pct: 100,
      reset_time_duration: 45 * 60, // until the call of T0+30 min leaves: 44 min 59.999 s, rounded up
      ads_api_access_tier: "standard_access",
    });
  });

  it("writes exactly the JSON of Meta's header objects, for any usage and any ids", () => {
    // Bucket ids are numeric; any other string is tried too, for escaping.
    const id = fc.oneof(
      fc.constantFrom("5", "4242", "66782684", "1234567890123456", "4294967295", "007", "__proto__", "toString"),
      fc.stringMatching(/^[0-9]{1,17}$/),
      fc.string(),
    );
    const bucket = (kind: BucketUsage["kind"]) =>
      fc.record({
        kind: fc.constant(kind),
        id,
        limit: fc.integer({ min: 1, max: 1e9 }),
        used: fc.nat(),
        usagePct: fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constant(Infinity)),
        waitMs: fc.nat(),
        emptyInMs: fc.nat(),
      });
    const result = fc.record(
      {
        allowed: fc.boolean(),
        points: fc.constantFrom(1, 3),
        accessTier: fc.constantFrom("development_access" as const, "standard_access" as const),
        windowMs: fc.constant(3_600_000),
        platform: fc.oneof(bucket("app"), bucket("user")),
        adAccount: bucket("adAccount"),
        business: bucket("business"),
        retryAfterMs: fc.nat(),
      },
      { requiredKeys: ["allowed", "points", "accessTier", "windowMs", "platform", "retryAfterMs"] },
    );
    fc.assert(
      fc.property(result, (r) => {
        expect(usageHeaders(r)).toEqual(referenceHeaders(r));
      }),
      { numRuns: 500 },
    );
  });
});
