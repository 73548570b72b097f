/**
 * The JSON shapes Autopilot's routes answer with, shared by the server and the console (which
 * imports these types only, so this file imports nothing).
 */

/** One action as the queue and the action log show it. */
export interface LogEntry {
  id: string;
  time: number;
  state: string;
  /** One plain-language line: what happened (or is proposed) and why. */
  text: string;
  reason: string;
  expected_effect: string;
  evidence: Record<string, unknown>;
  source: string;
  approved_by: string | null;
  idempotency_key: string;
  outcome: unknown;
  undo_of: string | null;
  can_undo: boolean;
  /** Meta's ad rule history shape: `results[].actions[]` with field, old_value and new_value. */
  rule_history: {
    timestamp: string;
    is_manual: boolean;
    results: { object_id: string; object_type: string; actions: { action: string; field: string; old_value: string | null; new_value: string }[] }[];
  };
}

/** How a scheduled job last ended (see scheduler.ts). */
export interface JobOutcome {
  ok: boolean;
  /** The error, as a person may read it; only when not ok. */
  error?: string;
  /** What the run did: connections scanned, rows read, proposals queued, changes applied, alerts raised… */
  counts: Record<string, number>;
  notes: string[];
  duration_ms: number;
}

/** The built-in schedule as it stands for the workspace; nulls until the server's schedule has seen it. */
export interface ScheduleView {
  /** The daily scan, then plan (semi-auto) or run (autopilot mode). */
  next_scan_at: number | null;
  last_run_at: number | null;
  last_outcome: JobOutcome | null;
  /**
   * The last scan that finished, however it was started (the schedule, "Scan now", the CLI): a
   * person's scan counts as a run of the job too, so the schedule never says "never" after one.
   */
  last_scan: { at: number; status: string; rows: number; error: string | null } | null;
  monitors: { next_at: number | null; last_run_at: number | null; last_outcome: JobOutcome | null };
}

/** A rate's posterior mean with its 80% interval, all 0–1. */
export interface RateView {
  mean: number;
  low: number;
  high: number;
}

/** One ad in its ad set's creative standings (`GET /autopilot/workspaces/{id}/creatives`). */
export interface CreativeView {
  id: string;
  name: string;
  status: string;
  /** A new creative still earning its test's evidence (the keep-set does not pause it as a loser). */
  in_test: boolean;
  /** Share of its ad set's spend over the last 7 days with delivery, 0–1. */
  spend_share_7d: number;
  /** Posterior means with 80% intervals: click-through, and purchases per click. */
  ctr: RateView;
  cvr: RateView;
  /** Posterior chance of being the ad set's best ad per impression; null for ads the keep-set does not weigh. */
  chance_of_best: number | null;
}

/** One connected account's creative standings; `through` is null (and there are no ad sets) until the account is first scanned. */
export interface CreativeReport {
  connection: string;
  ad_account_id: string;
  /** The last day of the scan the standings rest on. */
  through: string | null;
  ad_sets: { id: string; name: string; ads: CreativeView[] }[];
}

/** What a pilot started now would be held to: its length's limits and the baseline it would record. */
export interface PilotTerms {
  min_days: number;
  max_days: number;
  default_days: number;
  /** The first day of a pilot started now (UTC). */
  start_date: string;
  /** The days of scanned history recorded as its baseline: the 90 days before the start. */
  baseline: { days: number; from: string; to: string };
}

/** A pilot as the CLI and the console show it (`presentPilot`). */
export interface PilotView {
  id: string;
  workspace: string;
  /** running | stopped | finished (past its end date) */
  status: "running" | "stopped" | "finished";
  accounts: string[];
  holdout: string[];
  start_date: string;
  end_date: string;
  days: number;
  currency: string;
  settings: { mode: string; kill_switch: boolean; guardrails: Record<string, unknown> };
  /** Whether the simulator's no-change counterfactual can be replayed for it. */
  counterfactual: boolean;
  created_at: number;
  stopped_at: number | null;
}
