import { dateOfIndex, simulateDay, type SimState, type World } from "./market.ts";
import { hashSeed, Mulberry32 } from "../random.ts";
import type { ForecastTotals, ImpactForecast, Interval, PlannedEdit } from "../impactForecast.ts";

/**
 * "Simulate impact": a plan's changes run forward on a copy of the market, against doing nothing,
 * over many random streams. Each stream is shared by the plan and the baseline (common random
 * numbers), so the difference shows the plan's effect, not the noise of two different days; the
 * spread over streams is the uncertainty. Nothing here touches the hub or the stored state.
 */

export interface ForecastOptions {
  /** The first day simulated (the market's next day). */
  firstDay: number;
  days: number;
  /** Random streams; more narrows the intervals' own noise. */
  runs: number;
  /** Seeds the streams; the same seed gives the same forecast. */
  streamSeed: number;
}

interface RunTotals {
  spend: number;
  conversions: number;
  revenue: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function interval(values: readonly number[]): Interval {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  return { mean, low: quantile(sorted, 0.1), high: quantile(sorted, 0.9) };
}

/** Ratios only where every run has a denominator; otherwise there is no honest interval. */
function ratioInterval(values: readonly (number | null)[]): Interval | null {
  return values.every((v) => v !== null) ? interval(values as number[]) : null;
}

function totalsOf(runs: readonly RunTotals[]): ForecastTotals {
  return {
    spend: interval(runs.map((r) => r.spend)),
    conversions: interval(runs.map((r) => r.conversions)),
    revenue: interval(runs.map((r) => r.revenue)),
    cpa: ratioInterval(runs.map((r) => (r.conversions > 0 ? r.spend / r.conversions : null))),
    roas: ratioInterval(runs.map((r) => (r.spend > 0 ? r.revenue / r.spend : null))),
  };
}

/** A copy of the world with the edits made; edits naming unknown objects are returned apart. */
export function applyEdits(world: World, edits: readonly PlannedEdit[]): { world: World; applied: number; unknown: string[] } {
  const copy = structuredClone(world);
  const adSets = new Map(copy.adSets.map((s) => [s.id, s]));
  const ads = new Map(copy.ads.map((a) => [a.id, a]));
  let applied = 0;
  const unknown: string[] = [];
  for (const edit of edits) {
    const adSet = adSets.get(edit.objectId);
    const ad = ads.get(edit.objectId);
    if (edit.field === "status" && (adSet || ad) && (edit.value === "ACTIVE" || edit.value === "PAUSED")) {
      (adSet ?? ad)!.status = edit.value;
      applied++;
    } else if (edit.field === "daily_budget" && adSet?.budget.kind === "daily" && Number.isInteger(Number(edit.value)) && Number(edit.value) > 0) {
      adSet.budget = { kind: "daily", amountMinor: Number(edit.value) };
      applied++;
    } else {
      unknown.push(edit.objectId);
    }
  }
  return { world: copy, applied, unknown };
}

function runForward(world: World, state: SimState, options: ForecastOptions, run: number): RunTotals {
  const totals = { spend: 0, conversions: 0, revenue: 0 };
  for (let d = options.firstDay; d < options.firstDay + options.days; d++) {
    const day = simulateDay(world, state, d, new Mulberry32(hashSeed(options.streamSeed, "forecast", run, d)));
    for (const ad of day.ads) {
      totals.spend += ad.spendMinor;
      // Every conversion the day eventually reports, late ones included.
      totals.conversions += ad.conversions;
      totals.revenue += ad.revenueMinor;
    }
  }
  return totals;
}

/** The plan's edits against doing nothing, from the market's current state, `runs` times. */
export function forecastImpact(world: World, state: SimState, edits: readonly PlannedEdit[], options: ForecastOptions): ImpactForecast {
  const planned = applyEdits(world, edits);
  const baseline: RunTotals[] = [];
  const plan: RunTotals[] = [];
  for (let run = 0; run < options.runs; run++) {
    // A day changes the state only (the world is what the advertiser configured), so each run forks the state.
    baseline.push(runForward(world, structuredClone(state), options, run));
    plan.push(runForward(planned.world, structuredClone(state), options, run));
  }
  const deltas = plan.map((p, i) => ({ spend: p.spend - baseline[i]!.spend, conversions: p.conversions - baseline[i]!.conversions, revenue: p.revenue - baseline[i]!.revenue }));
  const cpa = (r: RunTotals) => (r.conversions > 0 ? r.spend / r.conversions : null);
  const roas = (r: RunTotals) => (r.spend > 0 ? r.revenue / r.spend : null);
  const diff = (f: (r: RunTotals) => number | null) => plan.map((p, i) => (f(p) === null || f(baseline[i]!) === null ? null : f(p)! - f(baseline[i]!)!));
  const wins = deltas.reduce((n, d) => n + (d.conversions > 0 ? 1 : d.conversions === 0 ? 0.5 : 0), 0);
  return {
    from: dateOfIndex(world, options.firstDay),
    to: dateOfIndex(world, options.firstDay + options.days - 1),
    days: options.days,
    runs: options.runs,
    baseline: totalsOf(baseline),
    plan: totalsOf(plan),
    delta: {
      spend: interval(deltas.map((d) => d.spend)),
      conversions: interval(deltas.map((d) => d.conversions)),
      revenue: interval(deltas.map((d) => d.revenue)),
      cpa: ratioInterval(diff(cpa)),
      roas: ratioInterval(diff(roas)),
    },
    probability_more_conversions: options.runs > 0 ? wins / options.runs : 0,
    applied: planned.applied,
    unknown_objects: planned.unknown,
  };
}
