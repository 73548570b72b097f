import type { ScannedPartnerGuardrails } from "./partnerGuardrails.ts";

/**
 * The narrow interface between the app (connections, scans, execution) and the decision engine:
 * the app builds an account snapshot from what it read through the Graph, the engine returns a
 * plan, and the app carries the plan out through its guarded path. The app makes no decisions.
 */

/** Changes the app makes, per object level (the engine's `ActionKind` is coarser: one "pause" for ads and ad sets). */
export const PLANNER_ACTION_KINDS = ["pause_ad", "resume_ad", "pause_adset", "resume_adset", "change_budget"] as const;
export type PlannerActionKind = (typeof PLANNER_ACTION_KINDS)[number];

/** The guardrails as the advertiser sets and the workspace stores them (major-unit CPA, percent steps); the engine's `AutopilotGuardrails` are in its own units. */
export interface PlannerGuardrails {
  /** Cost per purchase target, in the account's major currency units. */
  cpaTarget?: number | undefined;
  /** Purchase value per unit spent. */
  roasTarget?: number | undefined;
  /** Most the account may spend a day (sum of ad set daily budgets), minor units. */
  dailyCap?: number | undefined;
  /** Most the account may spend in a calendar month, minor units. */
  monthlyCap?: number | undefined;
  /** Largest budget change of one object in one step, percent; default 20. */
  maxStepPct: number;
  /** At most this many budget changes per ad set per hour; default 4 (Meta's own limit). */
  maxBudgetChangesPerHour: number;
  allowedActions: PlannerActionKind[];
  /** Minimum minutes between two automated changes of the same object; default 720. */
  cooldownMinutes?: number | undefined;
  /** Hours (0–23, UTC) during which nothing is changed automatically; start may be after end (overnight). */
  quietHours?: { start: number; end: number } | undefined;
}

export const DEFAULT_PLANNER_GUARDRAILS: PlannerGuardrails = {
  maxStepPct: 20,
  maxBudgetChangesPerHour: 4,
  allowedActions: [...PLANNER_ACTION_KINDS],
};

export interface SnapshotAdSet {
  id: string;
  campaignId: string;
  name: string;
  status: string;
  effectiveStatus: string;
  /** Minor units; null when the budget is set elsewhere. */
  dailyBudget: number | null;
  lifetimeBudget?: number | null | undefined;
  /** End date of a lifetime budget, YYYY-MM-DD. */
  endDate?: string | undefined;
  /** Start date of the ad set, YYYY-MM-DD (a lifetime budget's planned pace runs from it). */
  startDate?: string | undefined;
}

export interface SnapshotAd {
  id: string;
  adSetId: string;
  campaignId: string;
  name: string;
  status: string;
  effectiveStatus: string;
  reviewFeedback?: Record<string, string> | undefined;
  linkUrl?: string | undefined;
  /** The monitor's checks of its landing page: down at the latest check, and the days it failed one. */
  linkCheck?: { down: boolean; downDates: string[] } | undefined;
  /** The day the ad was created (its Graph `created_time`, in the account's time zone); absent in older scans. */
  createdDate?: string | undefined;
}

export interface SnapshotDay {
  adId: string;
  adSetId: string;
  campaignId: string;
  date: string;
  impressions: number;
  clicks: number;
  /** Minor units. */
  spend: number;
  conversions: number;
  /** Minor units. */
  revenue: number;
}

export interface SnapshotAction {
  objectId: string;
  kind: PlannerActionKind;
  field: string;
  oldValue: string | null;
  newValue: string;
  state: string;
  at: number;
  approvedBy?: string | null | undefined;
}

/** Everything the engine may look at for one ad account, as the app's scan read it; `toEngineSnapshot` makes the engine's `AccountSnapshot` of it. */
export interface PlannerSnapshot {
  accountId: string;
  accountName: string;
  currency: string;
  /** The account's IANA time zone: its days and hours. */
  timeZone: string;
  /** The last full day of data (yesterday in the account's zone when scanned). */
  lastDate: string;
  campaigns: { id: string; name: string; status: string }[];
  adSets: SnapshotAdSet[];
  ads: SnapshotAd[];
  daily: SnapshotDay[];
  guardrails: PlannerGuardrails;
  /** What the connection's token may do: `ads_read`, `ads_management`, … */
  capabilities: string[];
  /** Recent actions on these objects (cooldowns, change counts). */
  history: SnapshotAction[];
  /** Epoch ms the plan is made at. */
  now: number;
  /** The workspace's mode ("dry_run" for a preview) and kill switch. */
  mode: "semi_auto" | "autopilot" | "dry_run";
  killSwitch: boolean;
  /** The owner's partner guardrails that bind the token, as the latest scan read them (docs/guardrails.md). */
  partnerGuardrails?: ScannedPartnerGuardrails | undefined;
}

/** One machine-readable change: on `objectId`, `field` goes from `old` to `new`. */
export interface PlannedChange {
  objectType: "ad" | "adset";
  objectId: string;
  objectName: string;
  field: "status" | "daily_budget";
  old: string;
  new: string;
}

export interface PlanItem {
  kind: PlannerActionKind;
  change: PlannedChange;
  /** Plain-language reason, e.g. "its CPA $18 is 28% under your $25 target over 7 days, 64 conversions". */
  reason: string;
  evidence: Record<string, unknown>;
  expectedEffect: string;
}

/** What a planner answers, as plan items the app can queue and write; `fromEnginePlan` makes it of the engine's `Plan`. */
export interface PlannerPlan {
  items: PlanItem[];
  /** Things the engine wants the advertiser to know (too little data, learning phase, …). */
  notes: string[];
  /** The engine's verdict on applying: "apply" (autopilot may write now), "approval" (queue), "none". Default "apply". */
  execution?: "apply" | "approval" | "none" | undefined;
  /** When the owner's partner guardrails allow no change now: the next local time they do ("Monday 09:00"). */
  deferredUntil?: string | undefined;
}

export type Planner = (snapshot: PlannerSnapshot) => PlannerPlan | Promise<PlannerPlan>;

/** The change and the Graph write that makes it: `POST /{id}` with `{field: value}`. */
export function writeOf(change: PlannedChange): Record<string, string | number> {
  return change.field === "daily_budget" ? { daily_budget: Number(change.new) } : { status: change.new };
}
