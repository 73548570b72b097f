/**
 * "Simulate impact" as Autopilot asks for it and the simulator answers it: the request, the answer
 * and their limits. They sit below both so that Autopilot can ask a simulator it does not import (in
 * this process or on the hub over HTTP) and the simulator answers without knowing who asks.
 */

/** Most days and runs one forecast may take (it runs the account 2 × runs × days times). */
export const FORECAST_LIMITS = { days: 90, runs: 200 } as const;

/** One configured change: an ad set's or ad's `status`, or an ad set's `daily_budget` (minor units). */
export interface PlannedEdit {
  objectId: string;
  field: "status" | "daily_budget";
  value: string | number;
}

export interface ForecastRequest {
  /** The ad account, `act_<id>` or its bare id. */
  accountId: string;
  edits: readonly PlannedEdit[];
  days: number;
  runs: number;
}

/** A mean with its 80% interval (10th to 90th percentile over the runs). */
export interface Interval {
  mean: number;
  low: number;
  high: number;
}

export interface ForecastTotals {
  /** Minor units. */
  spend: Interval;
  conversions: Interval;
  /** Minor units. */
  revenue: Interval;
  /** Minor units per conversion; null when a run had no conversions. */
  cpa: Interval | null;
  roas: Interval | null;
}

export interface ImpactForecast {
  from: string;
  to: string;
  days: number;
  runs: number;
  baseline: ForecastTotals;
  plan: ForecastTotals;
  /** Plan minus baseline, run by run. */
  delta: ForecastTotals;
  /** Share of runs in which the plan ends with more conversions than the baseline (ties count half). */
  probability_more_conversions: number;
  /** Edits applied, and those naming objects the market does not have (ignored). */
  applied: number;
  unknown_objects: string[];
}
