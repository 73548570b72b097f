/**
 * The Autopilot decision engine's contract: what a caller hands in (a snapshot of one ad account)
 * and what it gets back (a plan). Pure data, no I/O: the partner app reads the account through the
 * Graph surface, builds a snapshot, asks for a plan, and queues or applies the plan's actions.
 *
 * Money is in minor currency units (cents), times are epoch milliseconds, dates are the account's
 * own calendar days as YYYY-MM-DD.
 */

export type RunStatus = "ACTIVE" | "PAUSED";
export type ReviewStatus = "APPROVED" | "PENDING_REVIEW" | "DISAPPROVED" | "WITH_ISSUES";

/** Write actions the engine can propose (Meta's rule actions CHANGE_BUDGET, PAUSE, UNPAUSE), plus advice that writes nothing. */
export type ActionKind = "change_budget" | "pause" | "unpause" | "notify";
export const ACTION_KINDS: readonly ActionKind[] = ["change_budget", "pause", "unpause", "notify"];

export type Mode = "semi_auto" | "autopilot" | "dry_run";

export interface CampaignSnapshot {
  id: string;
  name: string;
  status: RunStatus;
}

export type BudgetSnapshot =
  | { kind: "daily"; amountMinor: number }
  /**
   * Lifetime budgets are reported and counted against caps but never reallocated. `startDate` (the
   * ad set's start) gives the budget's planned daily pace; without it the pace is read from what is left.
   */
  | { kind: "lifetime"; amountMinor: number; spentMinor: number; endDate: string; startDate?: string };

export interface AdSetSnapshot {
  id: string;
  campaignId: string;
  name: string;
  status: RunStatus;
  budget: BudgetSnapshot;
  /**
   * The day the ad set was created (Graph `created_time`), when known: its learning phase starts
   * then. Without it, its first day of delivery in the insights is taken as its launch.
   */
  createdDate?: string;
}

export interface AdSnapshot {
  id: string;
  adSetId: string;
  name: string;
  status: RunStatus;
  reviewStatus: ReviewStatus;
  /**
   * The caller's link check of the ad's destination URL (an HTTP request; optional). `down`: the
   * latest check failed; `downDates`: the days a check failed, whose conversions say nothing about
   * the ad itself (people clicked and could not buy), so the estimates leave them out.
   */
  linkCheck?: { down: boolean; downDates: readonly string[] };
  /**
   * The day the ad was created (Graph `created_time`), when known. An ad created days after its ad
   * set started delivering is a new creative under test (`creativeTest*` settings).
   */
  createdDate?: string;
}

/** One ad's delivery on one day, as reported so far (recent days' conversions are still arriving). */
export interface DailyInsight {
  adId: string;
  date: string;
  impressions: number;
  /** People reached that day; frequency is impressions over reach. Optional. */
  reach?: number;
  /** Link clicks (Meta's inline_link_clicks). */
  clicks: number;
  spendMinor: number;
  conversions: number;
  revenueMinor: number;
}

export interface QuietHours {
  /** Local hour (0–23) the quiet period starts, inclusive. */
  startHour: number;
  /** Local hour it ends, exclusive; may be below startHour to wrap midnight. */
  endHour: number;
}

/** What the advertiser set. Null caps mean "not set". */
export interface AutopilotGuardrails {
  mode: Mode;
  /** Target cost per conversion; at least one of the two targets is needed for pausing and scaling. */
  targetCpaMinor: number | null;
  /** Target revenue over spend. */
  targetRoas: number | null;
  /** Cap on the sum of the account's daily budgets (lifetime budgets count at their daily pace). */
  dailyBudgetCapMinor: number | null;
  /** Cap on the account's spend in a calendar month. */
  monthlyBudgetCapMinor: number | null;
  /** Largest change of one object's budget within any 24 hours, as a fraction (0.2 = ±20%). */
  maxChangePerStep: number;
  /** Budget changes one ad set may take within an hour (Meta allows 4). */
  maxBudgetChangesPerHour: number;
  /** Minimum time between two automated changes of the same object. */
  cooldownMinutes: number;
  /** Action kinds the advertiser allows the engine to propose. */
  allowedActions: readonly ActionKind[];
  quietHours: QuietHours | null;
  /** Stops every automated action at once. */
  killSwitch: boolean;
}

export const DEFAULT_GUARDRAILS: AutopilotGuardrails = {
  mode: "semi_auto",
  targetCpaMinor: null,
  targetRoas: null,
  dailyBudgetCapMinor: null,
  monthlyBudgetCapMinor: null,
  maxChangePerStep: 0.2,
  maxBudgetChangesPerHour: 4,
  cooldownMinutes: 12 * 60,
  allowedActions: ACTION_KINDS,
  quietHours: null,
  killSwitch: false,
};

/**
 * What the caller's token may do: the action kinds its tasks allow and the objects it may write.
 * An object is writable when its own id, its campaign's or its account's id is listed.
 */
export interface Capabilities {
  actions: readonly ActionKind[];
  objectIds: readonly string[];
}

/** A change already made to the account (by the engine, a person or another tool). */
export interface ActionRecord {
  at: number;
  objectId: string;
  kind: ActionKind;
  field: ChangeField;
  oldValue: number | string;
  newValue: number | string;
  /** "autopilot" for the engine's own applied actions. */
  by: string;
}

export interface Clock {
  now: number;
  /** The account's calendar day at `now`. */
  today: string;
  /** The account's local hour at `now`, 0–23. */
  hour: number;
}

export interface AccountSnapshot {
  accountId: string;
  currency: string;
  clock: Clock;
  campaigns: readonly CampaignSnapshot[];
  adSets: readonly AdSetSnapshot[];
  ads: readonly AdSnapshot[];
  /** Daily insights per ad; 7–90 days is typical. Today's row, if present, is partial. */
  insights: readonly DailyInsight[];
  guardrails: AutopilotGuardrails;
  capabilities: Capabilities;
  history: readonly ActionRecord[];
  /** Spend of the current calendar month so far; derived from insights when absent. */
  monthToDateSpendMinor?: number;
  /**
   * The limits the ad account's owner set on the partner business the caller's token belongs to
   * (partner guardrails), which the account's platform enforces on every write; absent or with no
   * `limits` when none bind the caller (it acts as the owner's own, or the owner set none).
   */
  partnerGuardrails?: PartnerGuardrails;
}

/**
 * One partner business's guardrails as the owner set them (docs/guardrails.md); null means no limit.
 * Money in minor units; hours and days in the ad account's time zone.
 */
export interface PartnerLimits {
  /** The partner business they were set on (for messages). */
  business: string;
  maxDailyBudgetMinor: number | null;
  /** Most one change may raise a budget, in percent of the budget before it. */
  maxIncreasePercent: number | null;
  /** Most a budget may rise within any 24 hours, in percent of what it was 24 hours before. */
  maxDailyIncreasePercent: number | null;
  maxIncreaseMinor: number | null;
  maxDailyIncreaseMinor: number | null;
  /** Most daily spend the partner may add to the account (the sum of its raises) within any 24 hours. */
  maxDailyNewSpendMinor: number | null;
  /** Local hours changes are allowed, start inclusive, end exclusive (start > end wraps midnight; 0–24 is all day). */
  allowedHours: { startHour: number; endHour: number } | null;
  /** Local days of the week changes are allowed (0 Sunday … 6 Saturday, as Meta numbers them). */
  allowedDays: readonly number[] | null;
  /** Campaigns, ad sets and ads that may not be changed, nor anything in them. */
  protectedObjectIds: readonly string[];
  /** Ad labels (ids) whose campaigns, ad sets and ads may not be changed, nor anything in them. */
  protectedLabelIds: readonly string[];
  /** A raise above this waits for the owner's approval. */
  approvalAboveMinor: number | null;
}

export interface PartnerGuardrails {
  /** Every partner business whose guardrails bind the caller (a principal of several is bound by all). */
  limits: readonly PartnerLimits[];
  /**
   * Per ad set, the lowest daily budget it had at any time in the last 24 hours (the account's
   * activity log and the engine's own changes). The platform measures the 24-hour limits from the
   * budget as it was 24 hours before the write, which is never below this; an ad set not listed
   * kept its current budget. null when the last 24 hours could not be read.
   */
  dayLowMinor: Readonly<Record<string, number>> | null;
  /**
   * At least the daily spend the partner added to the account in the last 24 hours (every raise and
   * new budget seen there, by anyone: more than the platform counts, never less); null when unknown.
   */
  newSpendLast24hMinor: number | null;
  /**
   * The ad labels (ids) each campaign, ad set and ad carries, read when a limit protects labels (an
   * object not listed carries none); null when they could not be read: then every object counts as
   * carrying a protected label, and nothing is changed.
   */
  labelsOf?: Readonly<Record<string, readonly string[]>> | null;
  /** The labels' names, by id, for the reasons given. */
  labelNames?: Readonly<Record<string, string>>;
}

export type ChangeField = "daily_budget" | "status" | "none";

export interface Change {
  objectType: "ad_set" | "ad" | "account";
  objectId: string;
  field: ChangeField;
  oldValue: number | string | null;
  newValue: number | string | null;
}

/** Numbers behind a decision, over the window it names. */
export interface Evidence {
  windowDays: number;
  spendMinor: number;
  conversions: number;
  /** Conversions expected once attribution settles (reported ÷ completeness). */
  conversionsLagAdjusted: number;
  revenueMinor: number;
  cpaMinor: number | null;
  roas: number | null;
  /** Posterior probability behind the decision (e.g. P(CPA over target)). */
  probability: number | null;
  /** What that probability is about. */
  probabilityOf: string | null;
}

/** Expected change in daily conversions (and revenue) if applied, with a 80% credible interval. */
export interface ExpectedEffect {
  conversionsPerDay: number;
  conversionsPerDayLow: number;
  conversionsPerDayHigh: number;
  spendPerDayMinor: number;
}

export type DecisionRule = "reallocate" | "scale_winner" | "cap_trim" | "pause_over_target" | "pause_loser" | "broken_link" | "revive" | "fatigue" | "creative_test_cap";

export interface ProposedAction {
  /** Stable within a plan: the idempotency key's base. */
  key: string;
  kind: ActionKind;
  rule: DecisionRule;
  change: Change;
  reason: string;
  evidence: Evidence;
  expectedEffect: ExpectedEffect | null;
}

export interface TrimRecord {
  key: string;
  objectId: string;
  /** What the guardrail check did: cut the change down, or drop it. */
  outcome: "trimmed" | "dropped";
  guardrail: "capability" | "allowed_actions" | "kill_switch" | "step_limit" | "hourly_limit" | "cooldown" | "daily_cap" | "monthly_cap" | "partner_guardrail" | "invalid";
  detail: string;
  /** For `partner_guardrail`: the owner's limit that cut or dropped it, under its Graph name (max_increase_percent). */
  limit?: string;
}

export type EstimateStatus = "ok" | "learning" | "insufficient_data";

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

/** One ad set's or ad's calibration, for display and for the caller's own checks. */
export interface ObjectEstimate {
  objectType: "ad_set" | "ad";
  objectId: string;
  status: EstimateStatus;
  /** Plain words for learning and insufficient data. */
  note: string | null;
  spendMinor: number;
  conversions: number;
  conversionsLagAdjusted: number;
  /** Conversions in the last 7 days, lag-adjusted (Meta wants about 50 to leave learning). */
  weeklyConversions: number;
  /** Cost per conversion, 80% credible interval (Infinity when unbounded). */
  cpaMinor: Interval;
  ctr: Interval;
  cvr: Interval;
  revenuePerConversionMinor: number;
}

export type Execution = "apply" | "approval" | "none";

export interface Plan {
  accountId: string;
  generatedAt: number;
  mode: Mode;
  /** "apply": autopilot may apply the actions now; "approval": each needs a person; "none": nothing may happen. */
  execution: Execution;
  /** Why execution is narrower than the mode asks (no caps, quiet hours, kill switch). */
  notices: string[];
  actions: ProposedAction[];
  /** What the final guardrail check trimmed or dropped. */
  trimmed: TrimRecord[];
  estimates: ObjectEstimate[];
  /**
   * When the owner's partner guardrails allow no change now (allowed_hours, allowed_days): the next
   * local time they do, "Monday 09:00"; the actions wait until then.
   */
  deferredUntil?: string;
}
