import { describe, expect, it } from "vitest";
import { hashSeed, Mulberry32 } from "./random.ts";

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
}
function draws(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe("seeded random numbers", () => {
  it("repeats the same sequence for the same seed and differs for another", () => {
    const a = new Mulberry32(42);
    const b = new Mulberry32(42);
    const c = new Mulberry32(43);
    const xs = draws(100, () => a.nextUint32());
    expect(draws(100, () => b.nextUint32())).toEqual(xs);
    expect(draws(100, () => c.nextUint32())).not.toEqual(xs);
  });

  it("hashes seeds by value and position", () => {
    expect(hashSeed(1, "day", 2)).toBe(hashSeed(1, "day", 2));
    expect(hashSeed(1, "day", 2)).not.toBe(hashSeed(1, "day", 3));
    expect(hashSeed(12, 3)).not.toBe(hashSeed(1, 23));
  });

  it("draws distributions with the right mean and spread", () => {
    const rng = new Mulberry32(7);
    const u = draws(20_000, () => rng.uniform());
    expect(mean(u)).toBeCloseTo(0.5, 1);
    const z = draws(20_000, () => rng.normal(3, 2));
    expect(mean(z)).toBeCloseTo(3, 1);
    expect(Math.sqrt(variance(z))).toBeCloseTo(2, 1);
    const g = draws(20_000, () => rng.gamma(2.5, 2));
    expect(mean(g)).toBeCloseTo(5, 0);
    expect(variance(g)).toBeGreaterThan(8);
    expect(variance(g)).toBeLessThan(12);
    const small = draws(20_000, () => rng.poisson(3));
    expect(mean(small)).toBeCloseTo(3, 1);
    expect(variance(small)).toBeCloseTo(3, 0);
    const large = draws(20_000, () => rng.poisson(400));
    expect(mean(large) / 400).toBeCloseTo(1, 2);
    expect(variance(large) / 400).toBeCloseTo(1, 0);
  });

  it("over-disperses negative binomial counts as variance = μ + μ²/r", () => {
    const rng = new Mulberry32(9);
    const nb = draws(30_000, () => rng.negativeBinomial(10, 2));
    expect(mean(nb)).toBeCloseTo(10, 0);
    const v = variance(nb);
    expect(v).toBeGreaterThan(50);
    expect(v).toBeLessThan(70);
  });
});
