import { hashSeed } from "../../../random.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../../graphIds.ts";
import { addDays } from "../accountTime.ts";
import { describeChange } from "../actionLog.ts";
import type { ActionRow, InsightRow } from "../../store/autopilot.repository.ts";
import type { PilotView } from "./pilotView.ts";
import { differenceInDifferences, metricOf, MIN_TREND_DAYS, sums, versusBaselineTrend, versusCounterfactual, type Comparison, type DayTotals, type Method, type Metric } from "./pilotStats.ts";

/** What each method compares with, in the report's words. */
export const METHOD_LABELS: Record<Method, string> = {
  counterfactual: "the same simulated market from the pilot's start, replayed with no changes",
  holdout: "the holdout accounts over the same days (difference in differences)",
  baseline_trend: "the baseline's weekday pattern and trend, projected over the pilot days",
};

/** The methods in the order the report leads with the first available: the most direct comparison first. */
const LEAD_ORDER: Method[] = ["counterfactual", "holdout", "baseline_trend"];

export interface PeriodTotals {
  spend: number;
  conversions: number;
  revenue: number;
  cpa: number | null;
  roas: number | null;
}

/** An action Autopilot's log has from the pilot, with the object's results 7 days before and after it. */
export interface PilotAction {
  id: string;
  ad_account_id: string;
  state: string;
  time: number;
  text: string;
  effect: { days: number; before: PeriodTotals; after: PeriodTotals; cpa_change: number | null } | null;
  /** Why there is no effect: not executed, too few days after it, no spend. */
  effect_note: string | null;
}

export interface PilotReport {
  pilot: PilotView;
  /** The pilot days the scans cover so far. */
  period: { from: string; to: string; days: number };
  baseline: { from: string; to: string; days: number; per_day: PeriodTotals };
  pilot_totals: PeriodTotals;
  headline: Metric;
  /** The method the verdict comes from: the first available of counterfactual, holdout, baseline trend. */
  lead: Method | null;
  verdict: string;
  comparisons: (Comparison & { label: string })[];
  actions: PilotAction[];
  notes: string[];
}

export interface PilotReportInput {
  pilot: PilotView;
  /** Bare account ids → daily totals from their latest scans (pilot and holdout accounts). */
  scanned: Map<string, DayTotals[]>;
  /** The last day every pilot and holdout account's scan covers. */
  scannedUntil: string | null;
  /** Bare account ids → the baseline recorded at the start. */
  baseline: Map<string, DayTotals[]>;
  /** The no-change replay, summed over the pilot accounts, when the simulator has one. */
  counterfactual: DayTotals[] | null;
  actions: ActionRow[];
  /** Bare account id of each action's connection, and the ad-level rows of that account's latest scan. */
  accountOfConnection: Map<string, string>;
  insights: Map<string, InsightRow[]>;
  /** Seeds the bootstrap (the pilot's id), so the same data give the same report. */
  seed: string;
  /** Today (UTC) and the day the pilot was stopped, if it was. */
  today: string;
  stoppedOn: string | null;
}


function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** The accounts' days summed by date over `dates`; a day an account did not deliver counts as zero. */
function summed(dates: readonly string[], accounts: readonly string[], days: Map<string, DayTotals[]>): DayTotals[] {
  const byDate = new Map(dates.map((date) => [date, { date, spend: 0, conversions: 0, revenue: 0 }]));
  for (const account of accounts)
    for (const d of days.get(account) ?? []) {
      const day = byDate.get(d.date);
      if (!day) continue;
      day.spend += d.spend;
      day.conversions += d.conversions;
      day.revenue += d.revenue;
    }
  return [...byDate.values()];
}

/** Sums of days (divided by `per`, for per-day figures) with their CPA and ROAS. */
export function periodTotals(days: readonly DayTotals[], per = 1): PeriodTotals {
  const total = sums(days);
  const s = { spend: total.spend / per, conversions: total.conversions / per, revenue: total.revenue / per };
  return { ...s, cpa: metricOf("cpa", s), roas: metricOf("roas", s) };
}

/** The pilot's days with data: from its start to the earliest of its end, the day it was stopped, yesterday and the scans' last day. */
function periodOf(input: PilotReportInput): string[] {
  const ends = [input.pilot.end_date, addDays(input.today, -1), ...(input.stoppedOn ? [input.stoppedOn] : []), ...(input.scannedUntil ? [input.scannedUntil] : [])];
  const to = ends.sort()[0]!;
  return input.scannedUntil === null || to < input.pilot.start_date ? [] : datesBetween(input.pilot.start_date, to);
}

function comparisons(input: PilotReportInput, period: string[], notes: string[]): (Comparison & { label: string })[] {
  const accounts = input.pilot.accounts.map(assetIdFromGraph);
  const holdout = input.pilot.holdout.map(assetIdFromGraph);
  const baseDates = [...new Set([...input.baseline.values()].flat().map((d) => d.date))].sort();
  const baseline = baseDates.length > 0 ? datesBetween(baseDates[0]!, baseDates[baseDates.length - 1]!) : [];
  const pilotPeriod = summed(period, accounts, input.scanned);
  const pilotBaseline = summed(baseline, accounts, input.baseline);
  const seed = hashSeed(input.seed);
  const out: (Comparison & { label: string })[] = [];
  const add = (c: Comparison) => out.push({ ...c, label: METHOD_LABELS[c.method] });
  if (input.counterfactual) {
    const byDate = new Map(input.counterfactual.map((d) => [d.date, d]));
    if (period.every((date) => byDate.has(date))) add(versusCounterfactual(pilotPeriod, period.map((date) => byDate.get(date)!), { seed }));
    else notes.push("The simulator's replay does not cover every pilot day, so there is no no-change counterfactual.");
  }
  if (holdout.length > 0 && baseline.length > 0) {
    add(differenceInDifferences({ pilotBaseline, pilotPeriod, holdoutBaseline: summed(baseline, holdout, input.baseline), holdoutPeriod: summed(period, holdout, input.scanned) }, { seed }));
  }
  if (baseline.length >= MIN_TREND_DAYS) add(versusBaselineTrend(pilotBaseline, pilotPeriod, { seed }));
  else notes.push(`The baseline has ${baseline.length} days; the trend projection needs at least ${MIN_TREND_DAYS}.`);
  return out.sort((a, b) => LEAD_ORDER.indexOf(a.method) - LEAD_ORDER.indexOf(b.method));
}

/** Results of one object (ad or ad set) over days by date, from the account's ad-level rows. */
function objectTotals(rows: readonly InsightRow[], objectId: string, from: string, to: string): PeriodTotals {
  const days = rows.filter((r) => (r.ad_id === objectId || r.adset_id === objectId || r.campaign_id === objectId) && r.date >= from && r.date <= to);
  return periodTotals(days);
}

export const EFFECT_DAYS = 7;

/** The object's CPA over the 7 days before the change against the 7 days after it (the day of the change in neither). */
function effectOf(action: ActionRow, rows: readonly InsightRow[], lastDay: string | null): Pick<PilotAction, "effect" | "effect_note"> {
  if (action.state !== "CONFIRMED" || action.executed_at === null) return { effect: null, effect_note: "not carried out" };
  const day = new Date(action.executed_at).toISOString().slice(0, 10);
  const afterEnd = addDays(day, EFFECT_DAYS);
  if (lastDay === null || lastDay < afterEnd) return { effect: null, effect_note: `fewer than ${EFFECT_DAYS} scanned days after it` };
  const before = objectTotals(rows, action.object_id, addDays(day, -EFFECT_DAYS), addDays(day, -1));
  const after = objectTotals(rows, action.object_id, addDays(day, 1), afterEnd);
  const cpaChange = before.cpa !== null && after.cpa !== null && before.cpa > 0 ? after.cpa / before.cpa - 1 : null;
  return { effect: { days: EFFECT_DAYS, before, after, cpa_change: cpaChange }, effect_note: cpaChange === null ? "CPA not comparable (no conversions or no spend on one side)" : null };
}

/**
 * The before/after report: the pilot period against each available counterfactual, the verdict of
 * the one it leads with (on CPA, or ROAS when the workspace targets ROAS only), and every action
 * Autopilot took in the pilot with its measured effect where there is one.
 */
export function buildPilotReport(input: PilotReportInput): PilotReport {
  const notes: string[] = [];
  const period = periodOf(input);
  const accounts = input.pilot.accounts.map(assetIdFromGraph);
  const guardrails = input.pilot.settings.guardrails;
  const headline: Metric = guardrails.roasTarget !== undefined && guardrails.cpaTarget === undefined ? "roas" : "cpa";
  const found = period.length > 0 ? comparisons(input, period, notes) : [];
  if (period.length === 0) notes.push("No pilot day has been scanned yet: scan the workspace once the pilot's first day is over.");
  const lead = found[0] ?? null;
  const verdict = lead ? `${lead.estimates[headline].verdict.replace(/\.$/, "")} (against ${lead.label}).` : "Nothing to compare yet.";
  const baselineDays = [...new Set([...input.baseline.values()].flat().map((d) => d.date))].sort();
  const lastDay = input.scannedUntil;
  return {
    pilot: input.pilot,
    period: { from: input.pilot.start_date, to: period[period.length - 1] ?? input.pilot.start_date, days: period.length },
    baseline: {
      from: baselineDays[0] ?? "",
      to: baselineDays[baselineDays.length - 1] ?? "",
      days: baselineDays.length,
      per_day: periodTotals(summed(baselineDays, accounts, input.baseline), Math.max(baselineDays.length, 1)),
    },
    pilot_totals: periodTotals(summed(period, accounts, input.scanned)),
    headline,
    lead: lead?.method ?? null,
    verdict,
    comparisons: found,
    actions: input.actions.map((a) => {
      const account = input.accountOfConnection.get(a.connection_id) ?? "";
      return { id: a.id, ad_account_id: adAccountGraphId(account), state: a.state, time: a.executed_at ?? a.updated_at, text: describeChange(a, a.state === "CONFIRMED" ? "done" : "proposed"), ...effectOf(a, input.insights.get(account) ?? [], lastDay) };
    }),
    notes,
  };
}
