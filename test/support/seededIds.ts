import crypto from "node:crypto";
import { vi } from "vitest";
import { hashSeed, seededRng } from "../../src/random.ts";

/**
 * ids come from crypto.randomInt (src/ids.ts); a stream seeded from `seed` in its place makes every
 * id the same run to run, as long as they are drawn in the same order. Only randomInt is replaced:
 * tokens stay random. Returns the function that puts randomInt back.
 */
export function seedIds(seed: string): () => void {
  const rng = seededRng(hashSeed(seed));
  const spy = vi.spyOn(crypto, "randomInt").mockImplementation(((min: number, max?: unknown, callback?: unknown) => {
    const [lo, hi] = typeof max === "number" ? [min, max] : [0, min];
    const value = lo + Math.floor(rng.uniform() * (hi - lo));
    const done = typeof max === "function" ? max : callback;
    if (typeof done === "function") {
      done(null, value);
      return undefined;
    }
    return value;
  }) as typeof crypto.randomInt);
  return () => spy.mockRestore();
}
