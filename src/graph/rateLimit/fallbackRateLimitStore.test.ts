import { describe, expect, it } from "vitest";
import { GrantlineError } from "../../errors.ts";
import { FallbackRateLimitStore } from "./fallbackRateLimitStore.ts";
import { MemoryRateLimitStore } from "./memoryRateLimitStore.ts";
import type { RateLimitStore, WindowRequest } from "./rateLimitStore.ts";

/** A primary store (standing in for Redis) that counts exactly, refuses, or never answers, as the test says. */
class SwitchablePrimary implements RateLimitStore {
  mode: "up" | "refusing" | "stalled" = "up";
  readonly counted = new MemoryRateLimitStore();
  calls = 0;
  async apply(request: WindowRequest) {
    this.calls++;
    if (this.mode === "refusing") throw new Error("connect ECONNREFUSED 127.0.0.1:6390");
    if (this.mode === "stalled") return new Promise<never>(() => undefined);
    return this.counted.apply(request);
  }
}

const call = (now: number): WindowRequest => ({ buckets: [{ key: "app:1", limit: 3 }], points: 1, now, windowMs: 60_000, record: true });

describe("FallbackRateLimitStore", () => {
  it("counts in memory while the primary refuses, and in the primary again once it answers", async () => {
    const primary = new SwitchablePrimary();
    const changes: string[] = [];
    const store = new FallbackRateLimitStore(primary, new MemoryRateLimitStore(), { timeoutMs: 50, onChange: (using, reason) => changes.push(`${using}: ${reason}`) });
    expect((await store.apply(call(1))).buckets[0]!.used).toBe(1);
    primary.mode = "refusing";
    // The instance's own limit applies meanwhile: 3 calls fit, the 4th does not.
    const during = [await store.apply(call(2)), await store.apply(call(3)), await store.apply(call(4)), await store.apply(call(5))];
    expect(during.map((outcome) => outcome.allowed)).toEqual([true, true, true, false]);
    expect(store.state).toEqual({ using: "fallback", reason: "connect ECONNREFUSED 127.0.0.1:6390" });
    primary.mode = "up";
    expect((await store.apply(call(6))).buckets[0]!.used).toBe(2);
    expect(store.state).toEqual({ using: "primary" });
    expect(changes).toEqual(["fallback: connect ECONNREFUSED 127.0.0.1:6390", "primary: answering again"]);
  });

  it("goes straight to memory while the primary says it is not connected", async () => {
    const primary = new SwitchablePrimary();
    let connected = false;
    const store = new FallbackRateLimitStore(primary, new MemoryRateLimitStore(), { timeoutMs: 50, isAvailable: () => connected });
    expect((await store.apply(call(1))).allowed).toBe(true);
    expect(primary.calls).toBe(0);
    connected = true;
    await store.apply(call(2));
    expect(primary.calls).toBe(1);
  });

  it("answers 503 (code 2) when the primary stalls, then counts in memory until a probe gets an answer", async () => {
    const primary = new SwitchablePrimary();
    let t = 0;
    let answerProbe: (() => void) | undefined;
    const store = new FallbackRateLimitStore(primary, new MemoryRateLimitStore(), {
      timeoutMs: 20,
      clock: () => t,
      probe: () => new Promise<void>((resolve) => (answerProbe = resolve)),
      probeEveryMs: 1000,
    });
    primary.mode = "stalled";
    const refused = await store.apply(call(1)).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GrantlineError);
    expect((refused as GrantlineError).toGraph()).toMatchObject({ code: 2, is_transient: true });
    expect((refused as GrantlineError).status).toBe(503);
    // The next calls do not wait for the stalled primary at all.
    expect((await store.apply(call(2))).allowed).toBe(true);
    expect(primary.calls).toBe(1);
    expect(answerProbe).toBeUndefined();
    t = 1000;
    await store.apply(call(3));
    expect(answerProbe).toBeDefined();
    primary.mode = "up";
    answerProbe!();
    await new Promise((resolve) => setImmediate(resolve));
    await store.apply(call(4));
    expect(primary.calls).toBe(2);
    expect(store.state).toEqual({ using: "primary" });
  });
});
