import { describe, expect, it } from "vitest";
import { bootstrapInterval, captureChartSvg, dailyCapture, mean, quantile } from "./summary.ts";
import type { BenchResult } from "./benchmark.ts";

const run = (autopilot: number[], oracle: number[]): BenchResult =>
  ({ by_day: { static: oracle.map(() => 10), rules: oracle.map(() => 10), autopilot, oracle, prior_aware: autopilot } }) as unknown as BenchResult;

describe("benchmark summary", () => {
  it("bootstraps a seeded interval around the mean, the same for the same values", () => {
    const values = [0.5, 0.7, 0.8, 0.9, 0.95, 0.6, 0.85];
    const [lo, hi] = bootstrapInterval(values, "x");
    expect(lo).toBeLessThan(mean(values));
    expect(hi).toBeGreaterThan(mean(values));
    expect(bootstrapInterval(values, "x")).toEqual([lo, hi]);
    for (const end of bootstrapInterval([0.8, 0.8, 0.8], "y")) expect(end).toBeCloseTo(0.8, 12);
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([0, 10], 0.1)).toBeCloseTo(1);
  });

  it("pools per-day capture over runs as a ratio of sums, and draws it", () => {
    // Day 0: gains 5 and 0 of 10 and 10; day 1: 10 of 10 twice.
    const runs = [run([15, 20], [20, 20]), run([10, 20], [20, 20])];
    expect(dailyCapture(runs, "autopilot")).toEqual([0.25, 1]);
    const svg = captureChartSvg(runs, "t < u");
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain("t &lt; u");
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(captureChartSvg(runs, "t < u")).toBe(svg);
  });
});
