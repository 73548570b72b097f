/**
 * The benchmark read as an expert reads it: per scenario the mean, median, p10 and a 95% bootstrap
 * interval of capture, the paired difference Autopilot − prior-aware reference with its interval,
 * capture by stretch of days, spend against static and cap violations; and the per-day capture
 * curves as a small SVG chart. Pure and seeded: the same results give the same text.
 */
import { hashSeed, Mulberry32 } from "../../random.ts";
import type { AblationRun, BenchResult } from "./benchmark.ts";

export const DAY_BUCKETS: readonly [number, number][] = [
  [0, 2],
  [3, 6],
  [7, 13],
  [14, 20],
  [21, 29],
];

export const quantile = (values: readonly number[], q: number): number => {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
};
export const mean = (values: readonly number[]): number => values.reduce((x, y) => x + y, 0) / Math.max(1, values.length);

/** 95% percentile-bootstrap interval of the mean (2,000 resamples, seeded by `label`). */
export function bootstrapInterval(values: readonly number[], label: string): [number, number] {
  if (values.length === 0) return [NaN, NaN];
  const rng = new Mulberry32(hashSeed("bench-bootstrap", label, values.length));
  const means: number[] = [];
  for (let b = 0; b < 2000; b++) {
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[Math.floor(rng.uniform() * values.length)]!;
    means.push(sum / values.length);
  }
  return [quantile(means, 0.025), quantile(means, 0.975)];
}

export interface ScenarioSummary {
  label: string;
  runs: number;
  oracleHeadroom: number;
  capture: { mean: number; median: number; p10: number; ci: [number, number] };
  reference: { mean: number; median: number };
  /** Autopilot − prior-aware reference capture, paired by run. */
  paired: { mean: number; ci: [number, number] };
  beatsRules: number;
  spendRatio: { mean: number; min: number; max: number };
  capViolations: number;
}

export function summarize(label: string, results: readonly BenchResult[]): ScenarioSummary {
  const capture = results.map((r) => r.capture ?? 0);
  const reference = results.map((r) => r.reference.prior_aware.capture ?? 0);
  const paired = results.map((r, i) => capture[i]! - reference[i]!);
  const spend = results.map((r) => r.policies.autopilot.spend / r.policies.static.spend);
  return {
    label,
    runs: results.length,
    oracleHeadroom: mean(results.map((r) => r.oracle_headroom ?? 0)),
    capture: { mean: mean(capture), median: quantile(capture, 0.5), p10: quantile(capture, 0.1), ci: bootstrapInterval(capture, `${label}:capture`) },
    reference: { mean: mean(reference), median: quantile(reference, 0.5) },
    paired: { mean: mean(paired), ci: bootstrapInterval(paired, `${label}:paired`) },
    beatsRules: results.filter((r) => r.policies.autopilot.conversions > r.policies.rules.conversions).length / Math.max(1, results.length),
    spendRatio: { mean: mean(spend), min: Math.min(...spend), max: Math.max(...spend) },
    capViolations: results.reduce((x, r) => x + r.cap_violations, 0),
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : "—");
const pts = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}`;

export function summaryTable(rows: readonly ScenarioSummary[]): string {
  const lines = [
    "| scenario | runs | oracle headroom over static | capture mean [95% CI] | median | p10 | prior-aware reference mean / median | Autopilot − reference, pts [95% CI] | beats rules | spend ÷ static mean (min–max) | cap violations |",
    "| --- | ---: | ---: | --- | ---: | ---: | --- | --- | ---: | --- | ---: |",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.label} | ${r.runs} | ${pct(r.oracleHeadroom)} | ${pct(r.capture.mean)} [${pct(r.capture.ci[0])}, ${pct(r.capture.ci[1])}] | ${pct(r.capture.median)} | ${pct(r.capture.p10)} | ${pct(r.reference.mean)} / ${pct(r.reference.median)} | ${pts(r.paired.mean)} [${pts(r.paired.ci[0])}, ${pts(r.paired.ci[1])}] | ${pct(r.beatsRules)} | ${r.spendRatio.mean.toFixed(3)} (${r.spendRatio.min.toFixed(3)}–${r.spendRatio.max.toFixed(3)}) | ${r.capViolations} |`,
    );
  return lines.join("\n");
}

type Curve = "autopilot" | "prior_aware" | "rules";
const CURVES: readonly Curve[] = ["autopilot", "prior_aware", "rules"];

/** Capture per day, pooled over runs: Σ(policy − static) ÷ Σ(oracle − static) on that day. */
export function dailyCapture(results: readonly BenchResult[], curve: Curve): number[] {
  const days = Math.max(0, ...results.map((r) => r.by_day.static.length));
  return Array.from({ length: days }, (_, d) => {
    let gain = 0;
    let best = 0;
    for (const r of results) {
      const base = r.by_day.static[d] ?? 0;
      gain += (r.by_day[curve][d] ?? 0) - base;
      best += (r.by_day.oracle[d] ?? 0) - base;
    }
    return best > 0 ? gain / best : NaN;
  });
}

/** Capture over stretches of days (pooled over runs), for Autopilot, the reference and rules. */
export function dayBucketTable(groups: readonly { label: string; results: readonly BenchResult[] }[]): string {
  const head = DAY_BUCKETS.map(([a, b]) => `days ${a}–${b}`).join(" | ");
  const lines = [`| scenario | policy | ${head} |`, `| --- | --- |${" ---: |".repeat(DAY_BUCKETS.length)}`];
  for (const g of groups) {
    for (const curve of CURVES) {
      const cells = DAY_BUCKETS.map(([a, b]) => {
        let gain = 0;
        let best = 0;
        for (const r of g.results)
          for (let d = a; d <= b && d < r.by_day.static.length; d++) {
            gain += r.by_day[curve][d]! - r.by_day.static[d]!;
            best += r.by_day.oracle[d]! - r.by_day.static[d]!;
          }
        return best > 0 ? pct(gain / best) : "—";
      });
      lines.push(`| ${g.label} | ${curve} | ${cells.join(" | ")} |`);
    }
  }
  return lines.join("\n");
}

/** A small line chart of per-day capture (all runs pooled): Autopilot, the prior-aware reference, rules. */
export function captureChartSvg(results: readonly BenchResult[], title: string): string {
  const width = 640;
  const height = 320;
  const left = 48;
  const right = 120;
  const top = 32;
  const bottom = 40;
  const days = Math.max(1, ...results.map((r) => r.by_day.static.length));
  const lo = -0.2;
  const hi = 1.2;
  const x = (d: number) => left + (d / Math.max(1, days - 1)) * (width - left - right);
  const y = (v: number) => top + ((hi - Math.max(lo, Math.min(hi, v))) / (hi - lo)) * (height - top - bottom);
  const colors: Record<Curve, string> = { autopilot: "#1f77b4", prior_aware: "#2ca02c", rules: "#d62728" };
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">${esc(title)}</text>`,
  ];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${pct(v)}</text>`);
  }
  for (let d = 0; d < days; d += 5) parts.push(`<text x="${x(d).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${d}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">day of the run</text>`);
  CURVES.forEach((curve, k) => {
    const values = dailyCapture(results, curve);
    const points = values.flatMap((v, d) => (Number.isFinite(v) ? [`${x(d).toFixed(1)},${y(v).toFixed(1)}`] : []));
    parts.push(`<polyline fill="none" stroke="${colors[curve]}" stroke-width="2" points="${points.join(" ")}"/>`);
    parts.push(`<line x1="${width - right + 10}" x2="${width - right + 28}" y1="${top + 12 + k * 18}" y2="${top + 12 + k * 18}" stroke="${colors[curve]}" stroke-width="2"/>`);
    parts.push(`<text x="${width - right + 32}" y="${top + 16 + k * 18}">${curve.replace("_", "-")}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/**
 * The ablation as a table: per variant the mean capture with its 95% bootstrap interval, p10, the
 * paired difference to the engine as it is (all changes) with its interval, and spend ÷ static.
 */
export function ablationTable(runs: readonly AblationRun[], variants: readonly string[]): string {
  const lines = [
    "| engine | runs | capture mean [95% CI] | median | p10 | − all changes, pts [95% CI] | spend ÷ static |",
    "| --- | ---: | --- | ---: | ---: | --- | ---: |",
  ];
  const base = runs.map((r) => r.capture[variants[0]!] ?? 0);
  for (const name of variants) {
    const capture = runs.map((r) => r.capture[name] ?? 0);
    const paired = capture.map((c, i) => c - base[i]!);
    const ci = bootstrapInterval(capture, `ablation:${name}`);
    const pci = bootstrapInterval(paired, `ablation-paired:${name}`);
    const spend = mean(runs.map((r) => r.spendRatio[name] ?? 1));
    lines.push(`| ${name} | ${runs.length} | ${pct(mean(capture))} [${pct(ci[0])}, ${pct(ci[1])}] | ${pct(quantile(capture, 0.5))} | ${pct(quantile(capture, 0.1))} | ${name === variants[0] ? "—" : `${pts(mean(paired))} [${pts(pci[0])}, ${pts(pci[1])}]`} | ${spend.toFixed(3)} |`);
  }
  return lines.join("\n");
}
