import { hashSeed, Mulberry32, type Rng } from "../../../random.ts";

/**
 * The statistics of a pilot's before/after report, pure: a pilot period compared with what would
 * have happened without Autopilot, estimated three ways, each metric with a 95% interval.
 *
 * - `versusCounterfactual`: a series of the same days without Autopilot's changes (in the simulator, the
 *   market replayed from the pilot's start with nothing changed). Days are paired.
 * - `differenceInDifferences`: the pilot accounts' change from their baseline against the holdout
 *   accounts' change over the same days, so whatever moved the whole market cancels out.
 * - `versusBaselineTrend`: daily log spend, conversions and revenue regressed on weekday dummies and a
 *   linear trend over the baseline, projected over the pilot days.
 *
 * Intervals come from a circular moving-block bootstrap over days. Daily outcomes are
 * autocorrelated (learning, fatigue, budgets that carry over), so resampling single days would
 * understate the noise; blocks keep runs of neighbouring days together. Blocks are a week long
 * (from 28 days on; shorter stretches use ⌈n^(1/3)⌉ days): every block then holds each weekday once,
 * so resampled periods keep the weekday mix, and a week outlasts the dependence learning and
 * fatigue cause. The interval is on the log of the ratio, the bootstrap's standard error times
 * Student's t with (blocks − 1) degrees of freedom (see `compare`). The bootstrap is seeded, so the
 * same data give the same report.
 *
 * Measured in the simulator (many_weak_ads, 90 days of history, 30-day pilots, seeds 1–50; the
 * truth is Autopilot's expected conversions against static's): percentile intervals with
 * ⌈n^(1/3)⌉-day blocks covered the truth in 42 of 50 pilots; the t interval with 4-day blocks in
 * 46, with weekly blocks in 48.
 */

export interface DayTotals {
  date: string;
  /** Minor units. */
  spend: number;
  conversions: number;
  /** Minor units. */
  revenue: number;
}

export const METRICS = ["cpa", "roas", "conversions", "spend"] as const;
export type Metric = (typeof METRICS)[number];

export type Method = "counterfactual" | "holdout" | "baseline_trend";

/** A metric's relative change (0.1 = 10% higher) with its 95% interval; null when undefined (no conversions). */
export interface Estimate {
  metric: Metric;
  /** The metric over the pilot period, and what it is estimated it would have been without Autopilot. */
  pilot: number | null;
  without: number | null;
  change: number | null;
  low: number | null;
  high: number | null;
  /** What the interval supports when it excludes no change: "better", "worse", or for spend "changed"; else "none". */
  supports: "better" | "worse" | "changed" | "none";
  verdict: string;
}

export interface Comparison {
  method: Method;
  days: number;
  estimates: Record<Metric, Estimate>;
}

export interface BootstrapOptions {
  /** Seeds the resampling: the same seed, the same intervals. */
  seed: number;
  /** Bootstrap replicates; default 1000. */
  replicates?: number;
  /** Block length in days; default `blockLength` of each resampled stretch. */
  block?: number;
}

export interface Sums {
  spend: number;
  conversions: number;
  revenue: number;
}

const DEFAULT_REPLICATES = 1000;

export const WEEK = 7;

/**
 * Block length of the moving-block bootstrap for n days: a week from 28 days on, else ⌈n^(1/3)⌉.
 * Shorter stretches would hold too few weeks: with two, the t quantile of one degree of freedom
 * (12.7) would make every interval useless.
 */
export function blockLength(n: number): number {
  return n >= 4 * WEEK ? WEEK : Math.max(1, Math.ceil(Math.cbrt(n)));
}

/** n day indices drawn as circular blocks of consecutive days. */
export function blockIndices(n: number, rng: Rng, block = blockLength(n)): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const start = Math.floor(rng.uniform() * n);
    for (let k = 0; k < block && out.length < n; k++) out.push((start + k) % n);
  }
  return out;
}

/** Spend, conversions and revenue summed over the days (or the chosen indices, repeats counted). */
export function sums(days: readonly DayTotals[], indices?: readonly number[]): Sums {
  const s = { spend: 0, conversions: 0, revenue: 0 };
  for (const i of indices ?? days.keys()) {
    const d = days[i]!;
    s.spend += d.spend;
    s.conversions += d.conversions;
    s.revenue += d.revenue;
  }
  return s;
}

/** The metric over a period's sums: CPA in minor units per conversion, ROAS as revenue per spend. */
export function metricOf(metric: Metric, s: Sums): number | null {
  if (metric === "cpa") return s.conversions > 0 ? s.spend / s.conversions : null;
  if (metric === "roas") return s.spend > 0 ? s.revenue / s.spend : null;
  return s[metric];
}

function relative(metric: Metric, pilot: Sums, without: Sums): number | null {
  const a = metricOf(metric, pilot);
  const b = metricOf(metric, without);
  return a === null || b === null || b === 0 ? null : a / b - 1;
}

/** Student's t 97.5% quantile for `df` degrees of freedom (table to 30, then 1.96 + 2.5/df, within 0.002). */
export function t975(df: number): number {
  const table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];
  const d = Math.max(1, Math.floor(df));
  return d <= 30 ? table[d - 1]! : 1.96 + 2.5 / d;
}

/**
 * Builds a comparison from the point estimate's sums and a replicate function that returns the
 * pilot's and the counterfactual's sums of one bootstrap draw. The interval is on the log of the
 * ratio: the bootstrap's standard error times Student's t with (independent blocks − 1) degrees of
 * freedom, as the batch-means method does. With 30 days there are only 4 independent weeks, so
 * the variance is itself uncertain and normal (or percentile) quantiles would be too narrow: in
 * the simulator they covered the true effect in 84% of pilots, against 95% promised.
 * A metric undefined in more than 5% of the draws (too few conversions) gets no interval.
 */
function compare(method: Method, days: number, point: { pilot: Sums; without: Sums }, replicate: (rng: Rng) => { pilot: Sums; without: Sums }, options: BootstrapOptions): Comparison {
  const rng = new Mulberry32(hashSeed(options.seed, "pilot-bootstrap", method));
  const draws: Record<Metric, number[]> = { cpa: [], roas: [], conversions: [], spend: [] };
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  for (let r = 0; r < replicates; r++) {
    const d = replicate(rng);
    for (const m of METRICS) {
      const change = relative(m, d.pilot, d.without);
      if (change !== null && change > -1 && Number.isFinite(change)) draws[m].push(Math.log1p(change));
    }
  }
  const t = t975(Math.floor(days / (options.block ?? blockLength(days))) - 1);
  const estimates = Object.fromEntries(
    METRICS.map((m) => {
      const logs = draws[m];
      const change = relative(m, point.pilot, point.without);
      let interval: [number, number] | null = null;
      if (logs.length >= 0.95 * replicates && change !== null && change > -1) {
        const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
        const se = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (logs.length - 1));
        const center = Math.log1p(change);
        interval = [Math.expm1(center - t * se), Math.expm1(center + t * se)];
      }
      return [m, estimate(m, metricOf(m, point.pilot), metricOf(m, point.without), change, interval)];
    }),
  ) as Record<Metric, Estimate>;
  return { method, days, estimates };
}

/** Pilot days against the same days without Autopilot (paired by position; the same dates). */
export function versusCounterfactual(pilot: readonly DayTotals[], without: readonly DayTotals[], options: BootstrapOptions): Comparison {
  if (pilot.length !== without.length || pilot.length === 0) throw new RangeError("the pilot and its counterfactual need the same days");
  return compare("counterfactual", pilot.length, { pilot: sums(pilot), without: sums(without) }, (rng) => {
    const idx = blockIndices(pilot.length, rng, options.block);
    return { pilot: sums(pilot, idx), without: sums(without, idx) };
  }, options);
}

/**
 * Difference in differences on ratios: the pilot accounts' period ÷ baseline against the
 * holdout's over the same days. "Without" is the pilot accounts' baseline grown by the holdout's
 * change. Baseline days and period days are each resampled, pilot and holdout paired by day.
 */
export function differenceInDifferences(
  groups: { pilotBaseline: readonly DayTotals[]; pilotPeriod: readonly DayTotals[]; holdoutBaseline: readonly DayTotals[]; holdoutPeriod: readonly DayTotals[] },
  options: BootstrapOptions,
): Comparison {
  const { pilotBaseline, pilotPeriod, holdoutBaseline, holdoutPeriod } = groups;
  if (pilotBaseline.length !== holdoutBaseline.length || pilotPeriod.length !== holdoutPeriod.length || pilotBaseline.length === 0 || pilotPeriod.length === 0) {
    throw new RangeError("pilot and holdout need the same baseline and period days");
  }
  const expected = (pb: Sums, hb: Sums, hp: Sums): Sums => ({
    spend: hb.spend > 0 ? (pb.spend * hp.spend) / hb.spend : NaN,
    conversions: hb.conversions > 0 ? (pb.conversions * hp.conversions) / hb.conversions : NaN,
    revenue: hb.revenue > 0 ? (pb.revenue * hp.revenue) / hb.revenue : NaN,
  });
  // Both baselines cover the same days, so pilot baseline × holdout period ÷ holdout baseline needs no per-day scaling.
  const point = { pilot: sums(pilotPeriod), without: expected(sums(pilotBaseline), sums(holdoutBaseline), sums(holdoutPeriod)) };
  return compare("holdout", pilotPeriod.length, point, (rng) => {
    const b = blockIndices(pilotBaseline.length, rng, options.block);
    const p = blockIndices(pilotPeriod.length, rng, options.block);
    return { pilot: sums(pilotPeriod, p), without: expected(sums(pilotBaseline, b), sums(holdoutBaseline, b), sums(holdoutPeriod, p)) };
  }, options);
}

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
/** Shift added before taking logs, so days with no conversions count. */
const LOG_SHIFT = 0.5;

/** Weekday dummies (Monday…Saturday; Sunday is the reference) and a linear trend in days. */
function designRow(day: number, origin: number, weekdays: boolean): number[] {
  const row = [1, (day - origin) / 30];
  if (weekdays) {
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
    for (let w = 1; w <= 6; w++) row.push(weekday === w ? 1 : 0);
  }
  return row;
}

/** Least squares by the normal equations (a few columns), with a small ridge so a weekday absent from the sample cannot make them singular. */
function leastSquares(rows: readonly number[][], y: readonly number[]): number[] {
  const k = rows[0]!.length;
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  rows.forEach((x, r) => {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) a[i]![j]! += x[i]! * x[j]!;
      a[i]![k]! += x[i]! * y[r]!;
    }
  });
  for (let i = 1; i < k; i++) a[i]![i]! += 1e-6;
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const p = a[c]![c]! || 1e-12;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / p;
      for (let j = c; j <= k; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row, i) => row[k]! / (row[i]! || 1e-12));
}

/**
 * One series fitted on log(y + ½) and projected over the pilot days, back on the original scale with
 * Duan's smearing factor (the mean of the exponentiated residuals), which removes the bias of
 * exponentiating a mean of logs.
 */
function projectSeries(baseline: readonly { day: number; y: number }[], pilotDays: readonly number[], origin: number, weekdays: boolean): number[] {
  const rows = baseline.map((b) => designRow(b.day, origin, weekdays));
  const logs = baseline.map((b) => Math.log(b.y + LOG_SHIFT));
  const beta = leastSquares(rows, logs);
  const fitted = (row: number[]) => row.reduce((s, x, i) => s + x * beta[i]!, 0);
  const smear = rows.reduce((s, row, i) => s + Math.exp(logs[i]! - fitted(row)), 0) / rows.length;
  return pilotDays.map((day) => Math.max(0, Math.exp(fitted(designRow(day, origin, weekdays))) * smear - LOG_SHIFT));
}

/** Fewest baseline days for the trend projection; with fewer than 21 the weekday dummies are left out. */
export const MIN_TREND_DAYS = 14;

/**
 * The baseline's weekday pattern and linear trend (in log spend, conversions and revenue) projected
 * over the pilot days. Each bootstrap draw refits on resampled baseline blocks (each day keeps its
 * date), so the trend's own uncertainty, which grows the further it is projected, is in the interval.
 */
export function versusBaselineTrend(baseline: readonly DayTotals[], pilot: readonly DayTotals[], options: BootstrapOptions): Comparison {
  if (baseline.length < MIN_TREND_DAYS || pilot.length === 0) throw new RangeError(`the trend needs at least ${MIN_TREND_DAYS} baseline days and one pilot day`);
  const base = baseline.map((d) => ({ ...d, day: dayNumber(d.date) }));
  const origin = base[base.length - 1]!.day;
  const weekdays = base.length >= 21;
  const pilotDays = pilot.map((d) => dayNumber(d.date));
  const project = (sample: readonly (DayTotals & { day: number })[]): DayTotals[] => {
    const series = (pick: (d: DayTotals) => number) => projectSeries(sample.map((d) => ({ day: d.day, y: pick(d) })), pilotDays, origin, weekdays);
    const spend = series((d) => d.spend);
    const conversions = series((d) => d.conversions);
    const revenue = series((d) => d.revenue);
    return pilot.map((d, i) => ({ date: d.date, spend: spend[i]!, conversions: conversions[i]!, revenue: revenue[i]! }));
  };
  const projected = project(base);
  return compare("baseline_trend", pilot.length, { pilot: sums(pilot), without: sums(projected) }, (rng) => {
    const refit = project(blockIndices(base.length, rng, options.block).map((i) => base[i]!));
    const idx = blockIndices(pilot.length, rng, options.block);
    return { pilot: sums(pilot, idx), without: sums(refit, idx) };
  }, options);
}

const NAMES: Record<Metric, string> = { cpa: "CPA", roas: "ROAS", conversions: "Conversions", spend: "Spend" };
/** Lower is better for CPA; higher for ROAS and conversions; spend is neither. */
const BETTER: Record<Metric, 1 | -1 | 0> = { cpa: -1, roas: 1, conversions: 1, spend: 0 };
const pct = (x: number) => `${Math.round(Math.abs(x) * 100)}%`;
const signedPct = (x: number) => (Math.round(x * 100) === 0 ? "0%" : `${x < 0 ? "−" : ""}${pct(x)}`);

function estimate(metric: Metric, pilot: number | null, without: number | null, change: number | null, interval: [number, number] | null): Estimate {
  const base = { metric, pilot, without, change, low: interval?.[0] ?? null, high: interval?.[1] ?? null };
  return { ...base, ...judge(metric, change, interval) };
}

/**
 * The plain verdict, which never claims more than the interval supports: a change is stated as
 * measured only when the whole interval lies on the side of the point estimate; otherwise it says
 * the interval includes no change. Intervals are shown in the direction of the change.
 */
export function judge(metric: Metric, change: number | null, interval: [number, number] | null): Pick<Estimate, "supports" | "verdict"> {
  const name = NAMES[metric];
  if (change === null) return { supports: "none", verdict: `${name}: not measurable (too few conversions or no spend).` };
  const direction = change < 0 ? "lower" : "higher";
  const stated = `${name} ${pct(change)} ${direction}`;
  if (interval === null) return { supports: "none", verdict: `${stated}, but there is too little data for an interval.` };
  // In the direction of the change: "18% lower, 9–26%" reads the interval as reductions.
  const [lo, hi] = change < 0 ? [-interval[1], -interval[0]] : interval;
  if (lo > 0) {
    const good = BETTER[metric] === 0 ? "changed" : (change < 0) === (BETTER[metric] < 0) ? "better" : "worse";
    return { supports: good, verdict: `${stated}, 95% interval ${pct(lo)}–${pct(hi)}.` };
  }
  return { supports: "none", verdict: `${stated}, but the 95% interval ${signedPct(lo)} to ${signedPct(hi)} includes no change.` };
}
