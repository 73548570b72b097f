import { errors } from "../../errors.ts";

/**
 * Partner guardrails as rules: what each limit means, how its value is written, and the verdict on
 * one proposed write. Pure, so the enforcement in hub/access, the Graph edge's validation and the
 * reference model of the property test all read the same definitions.
 */

/** The limits an owner may set on one partner, under their Graph names; null means no limit. */
export interface Guardrails {
  /** Per ad set and per campaign, in minor units; a lifetime budget may be this much per day of its schedule. */
  max_daily_budget: number | null;
  /** The most one change may raise a budget, in percent of the budget before it. */
  max_increase_percent: number | null;
  /** The most a budget may rise within any 24 hours, in percent of the budget 24 hours before. */
  max_daily_increase_percent: number | null;
  /** "HH-HH" in the ad account's time zone: the hours the partner may change anything ("22-06" wraps midnight). */
  allowed_hours: string | null;
  /** Budgets raised above this (minor units) wait for the owner's approval. */
  approval_above: number | null;
}

export const GUARDRAIL_NAMES = ["max_daily_budget", "max_increase_percent", "max_daily_increase_percent", "allowed_hours", "approval_above"] as const;
export type GuardrailName = (typeof GUARDRAIL_NAMES)[number];

export const NO_GUARDRAILS: Guardrails = {
  max_daily_budget: null,
  max_increase_percent: null,
  max_daily_increase_percent: null,
  allowed_hours: null,
  approval_above: null,
};

/** The largest amount a guardrail may name: the same bound as any budget (see adParams' minorUnits). */
const MAX_AMOUNT = 1_000_000_000_000;
const MAX_PERCENT = 100_000;

/** The hours as a half-open range of local hours, start ≤ h < end (wrapping midnight when start > end). */
export function parseHours(text: string): { start: number; end: number } | undefined {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start > 23 || end < 1 || end > 24 || start === end) return undefined;
  return { start, end };
}

export function hourAllowed(text: string, hour: number): boolean {
  const range = parseHours(text);
  if (!range) return false;
  return range.start < range.end ? hour >= range.start && hour < range.end : hour >= range.start || hour < range.end;
}

/** One guardrail value as the Graph edge or the CLI gives it; "" or null clears it. Throws a Graph 100 for anything else. */
export function parseGuardrailValue(name: GuardrailName, value: unknown): number | string | null {
  if (value === null || value === "") return null;
  if (name === "allowed_hours") {
    if (typeof value !== "string" || !parseHours(value)) {
      throw errors.invalidParameter(
        `Invalid allowed_hours: ${JSON.stringify(value)} must be "HH-HH" with hours from 00 to 24 in the ad account's time zone, start and end different (for example "09-18", or "22-06" across midnight).`,
      );
    }
    const { start, end } = parseHours(value)!;
    return `${String(start).padStart(2, "0")}-${String(end).padStart(2, "0")}`;
  }
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : "";
  const percent = name === "max_increase_percent" || name === "max_daily_increase_percent";
  const max = percent ? MAX_PERCENT : MAX_AMOUNT;
  const what = percent ? "a whole number of percent, 0 or more" : "a whole number of the currency's minor units, 0 or more (5000 means 50.00 in USD)";
  if (!/^\d+$/.test(text) || Number(text) > max) {
    throw errors.invalidParameter(`Invalid ${name}: ${JSON.stringify(value)} must be ${what}${Number(text) > max ? `, at most ${max}` : ""}.`);
  }
  return Number(text);
}

/** A budget amount as people read it: "50.00 USD (5000)". */
export function describeAmount(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency} (${minor})`;
}

/** A write a partner's principal proposes to an ad object, with what the rules need to judge it. */
export interface ProposedWrite {
  /** "Ad set Summer sale", for messages. */
  label: string;
  currency: string;
  /** The hour of day (0–23) in the ad account's time zone when the write happens. */
  localHour: number;
  /** Present when the write sets or changes a budget amount. */
  budget?: {
    kind: "daily" | "lifetime";
    /** null when the object is being created. */
    before: number | null;
    after: number;
    /** Days of a lifetime budget's schedule (at least 1); 1 for a daily budget. */
    days: number;
    /** The budget 24 hours ago, or its first amount when the object is younger; null for a new object. */
    dayAgo: number | null;
  };
}

export type Verdict =
  | { kind: "allowed" }
  | { kind: "refused"; guardrail: GuardrailName; value: string; detail: string }
  | { kind: "held"; value: string; detail: string };

/**
 * Judges one write against one partner's guardrails. Lowering a budget is always allowed (it never
 * adds risk, even above a limit the owner set later); raising one must stay within every limit, and
 * above `approval_above` it is held. Refusals come before holds, so a held change is one the owner
 * could approve as it is.
 */
export function judgeWrite(rules: Guardrails, write: ProposedWrite): Verdict {
  if (rules.allowed_hours !== null && !hourAllowed(rules.allowed_hours, write.localHour)) {
    return {
      kind: "refused",
      guardrail: "allowed_hours",
      value: rules.allowed_hours,
      detail: `changes are allowed only between ${rules.allowed_hours.replace("-", ":00 and ")}:00 in the ad account's time zone; it is now ${String(write.localHour).padStart(2, "0")}:xx there.`,
    };
  }
  const budget = write.budget;
  if (!budget || (budget.before !== null && budget.after <= budget.before)) return { kind: "allowed" };
  const money = (minor: number) => describeAmount(minor, write.currency);
  if (rules.max_daily_budget !== null) {
    const cap = rules.max_daily_budget * budget.days;
    if (budget.after > cap) {
      const per = budget.kind === "daily" ? "a daily budget" : `a lifetime budget over ${budget.days} day${budget.days === 1 ? "" : "s"}`;
      return {
        kind: "refused",
        guardrail: "max_daily_budget",
        value: String(rules.max_daily_budget),
        detail: `${write.label} would get ${money(budget.after)}, above the most allowed for ${per}, ${money(cap)}.`,
      };
    }
  }
  if (rules.max_increase_percent !== null && budget.before !== null && budget.after * 100 > budget.before * (100 + rules.max_increase_percent)) {
    return {
      kind: "refused",
      guardrail: "max_increase_percent",
      value: String(rules.max_increase_percent),
      detail: `${write.label} would rise from ${money(budget.before)} to ${money(budget.after)} in one change, more than ${rules.max_increase_percent}%.`,
    };
  }
  if (rules.max_daily_increase_percent !== null && budget.dayAgo !== null && budget.after * 100 > budget.dayAgo * (100 + rules.max_daily_increase_percent)) {
    const most = Math.floor((budget.dayAgo * (100 + rules.max_daily_increase_percent)) / 100);
    return {
      kind: "refused",
      guardrail: "max_daily_increase_percent",
      value: String(rules.max_daily_increase_percent),
      detail: `${write.label} was ${money(budget.dayAgo)} 24 hours ago; ${money(budget.after)} would raise it by more than ${rules.max_daily_increase_percent}% within 24 hours (at most ${money(most)} now).`,
    };
  }
  if (rules.approval_above !== null && budget.after > rules.approval_above * budget.days) {
    return {
      kind: "held",
      value: String(rules.approval_above),
      detail: `${write.label} would get ${money(budget.after)}, above ${money(rules.approval_above * budget.days)}.`,
    };
  }
  return { kind: "allowed" };
}

const DAY = 24 * 60 * 60 * 1000;

/** Whole days (at least 1) a lifetime budget is spent over. */
export function scheduleDays(start: number | null, end: number | null, now: number): number {
  if (end === null) return 1;
  return Math.max(1, Math.ceil((end - (start ?? now)) / DAY));
}

/** The budget of a campaign or ad set as the guardrails see it: its amount, daily or lifetime. */
export function budgetOf(row: { daily_budget: number | null; lifetime_budget: number | null }): { kind: "daily" | "lifetime"; amount: number } | null {
  if (row.daily_budget !== null) return { kind: "daily", amount: Number(row.daily_budget) };
  if (row.lifetime_budget !== null) return { kind: "lifetime", amount: Number(row.lifetime_budget) };
  return null;
}
