import { describe, expect, it } from "vitest";
import { backoffMs, DEFAULT_SIGN_IN_RULES, signInWait, waitMs, type FailureCount } from "./signInThrottle.ts";

const { pair, account, address } = DEFAULT_SIGN_IN_RULES;
const none: FailureCount = { count: 0, last: null };

describe("sign-in cool-downs", () => {
  it("are free for the first failures, then double from 1 s up to the cap", () => {
    expect([0, 1, 2, 3].map((n) => backoffMs(n, pair))).toEqual([0, 0, 0, 0]);
    expect([4, 5, 6, 7, 8].map((n) => backoffMs(n, pair))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(backoffMs(13, pair)).toBe(512_000);
    expect(backoffMs(14, pair)).toBe(15 * 60_000);
    expect(backoffMs(10_000, pair)).toBe(15 * 60_000);
    expect(backoffMs(10_000, account)).toBe(60_000);
  });

  it("count from the last failure and end", () => {
    expect(waitMs({ count: 5, last: 10_000 }, pair, 10_500)).toBe(1500);
    expect(waitMs({ count: 5, last: 10_000 }, pair, 12_000)).toBe(0);
    expect(waitMs(none, pair, 0)).toBe(0);
  });

  it("hold a stranger to the longest of the pair, account and address rules, a familiar address to its pair only", () => {
    const now = 1_000_000;
    const counts = { pair: { count: 4, last: now }, account: { count: 30, last: now }, address: { count: 52, last: now } };
    expect(signInWait(counts, DEFAULT_SIGN_IN_RULES, false, now)).toEqual({ waitMs: 60_000, kind: "account" });
    expect(signInWait(counts, DEFAULT_SIGN_IN_RULES, true, now)).toEqual({ waitMs: 1000, kind: "pair" });
    expect(signInWait({ ...counts, pair: none }, DEFAULT_SIGN_IN_RULES, true, now)).toBeUndefined();
    expect(signInWait({ pair: none, account: none, address: { count: 52, last: now } }, DEFAULT_SIGN_IN_RULES, false, now)).toEqual({ waitMs: backoffMs(52, address), kind: "address" });
  });

  it("bound guesses at one account under 100 an hour from strangers, however many addresses they use", () => {
    // Each guess waits out the account's cool-down; count how many fit in an hour.
    let t = 0;
    let failures = 0;
    while (t < 3_600_000) {
      failures += 1;
      t += Math.max(1, backoffMs(failures, account));
    }
    expect(failures).toBeLessThan(100);
  });
});
