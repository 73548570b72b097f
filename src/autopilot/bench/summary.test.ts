import { describe, expect, it } from "vitest";
import { ablationTable, bootstrapInterval, captureChartSvg, dailyCapture, mean, quantile } from "./summary.ts";
import { ablationVariants, ENGINE_CHANGES, FIRST_ENGINE, type AblationRun, type BenchResult } from "./benchmark.ts";

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

  it("ablates each engine change alone and taken back, and pairs every row with the engine as it is", () => {
    const variants = ablationVariants();
    expect(variants[0]).toEqual({ name: "all changes (the engine)", settings: {} });
    for (const change of ENGINE_CHANGES) {
      // Taken back: exactly that change's settings. Alone: the first engine without that change's settings.
      expect(variants.find((v) => v.name === `without: ${change.name}`)!.settings).toEqual(change.settings);
      const alone = variants.find((v) => v.name === `only: ${change.name}`)!.settings;
      expect(Object.keys(alone).sort()).toEqual(Object.keys(FIRST_ENGINE).filter((k) => !(k in change.settings)).sort());
    }
    const runs: AblationRun[] = [0.9, 0.8, 0.7].map((c, i) => ({ seed: i + 1, scenario: "small_shop", capture: { a: c, b: c - 0.1 }, spendRatio: { a: 1, b: 0.99 } }));
    const table = ablationTable(runs, ["a", "b"]).split("\n");
    expect(table[2]).toBe("| a | 3 | 80% [70%, 90%] | 80% | 72% | — | 1.000 |");
    // Every run is exactly 10 points lower: the paired difference and its interval are −10.0.
    expect(table[3]).toMatch(/^\| b \| 3 \| 70% \[60%, 80%\] \| 70% \| 62% \| −10\.0 \[−10\.0, −10\.0\] \| 0\.990 \|$/);
  });
});
