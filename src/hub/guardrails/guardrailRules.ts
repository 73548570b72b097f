import { errors } from "../../errors.ts";
import { minorPerMajor } from "../../inputLimits.ts";

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
  /** The most one change may raise a budget, in minor units (per day of a lifetime budget's schedule). */
  max_increase_amount: number | null;
  /** The most a budget may rise within any 24 hours, in minor units (per day of a lifetime budget's schedule). */
  max_daily_increase_amount: number | null;
  /**
   * The most daily spend the partner may add to the account within any 24 hours, in minor units: the
   * sum of its budget raises and of its new objects' budgets (a lifetime budget per day of its schedule).
   */
  max_daily_new_spend: number | null;
  /** "HH-HH" in the ad account's time zone: the hours the partner may change anything ("22-06" wraps midnight). */
  allowed_hours: string | null;
  /** The days of the week (0 Sunday … 6 Saturday, as Meta numbers them) the partner may change anything, in the ad account's time zone. */
  allowed_days: number[] | null;
  /** Campaigns, ad sets and ads the partner may not change, nor anything in them. */
  protected_objects: string[] | null;
  /**
   * Ad labels (their ids) whose campaigns, ad sets and ads the partner may not change, nor anything
   * in them, and which it may not add to or remove from any object. The Graph edge and the CLI take
   * ids or names; names are resolved to the account's label ids when the guardrail is set.
   */
  protected_labels: string[] | null;
  /** Budgets raised above this (minor units) wait for the owner's approval. */
  approval_above: number | null;
}

export const GUARDRAIL_NAMES = [
  "max_daily_budget",
  "max_increase_percent",
  "max_daily_increase_percent",
  "max_increase_amount",
  "max_daily_increase_amount",
  "max_daily_new_spend",
  "allowed_hours",
  "allowed_days",
  "protected_objects",
  "protected_labels",
  "approval_above",
] as const;
export type GuardrailName = (typeof GUARDRAIL_NAMES)[number];

export const NO_GUARDRAILS: Guardrails = {
  max_daily_budget: null,
  max_increase_percent: null,
  max_daily_increase_percent: null,
  max_increase_amount: null,
  max_daily_increase_amount: null,
  max_daily_new_spend: null,
  allowed_hours: null,
  allowed_days: null,
  protected_objects: null,
  protected_labels: null,
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

/**
 * Meta numbers the days of the week 0 (Sunday) to 6 (Saturday) in its schedules ("Each day must be
 * a value from 0-6. 0 is Sunday, 1 is Monday, ..., 6 is Saturday":
 * https://developers.facebook.com/docs/marketing-api/ad-rules-examples/advanced-scheduling/);
 * allowed_days takes those numbers or the days' English names.
 */
export const DAY_NAMES = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"] as const;

/** The most ids protected_objects may name. */
export const MAX_PROTECTED_OBJECTS = 1000;

/** A list as the Graph edge may give it: a JSON array, a JSON array in a string, or comma-separated text. */
function listOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === "number") return [value];
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (text.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(text);
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return text.split(",").map((part) => part.trim());
}

function parseDays(value: unknown): number[] {
  const items = listOf(value);
  const days = new Set<number>();
  for (const item of items ?? []) {
    const text = typeof item === "string" || typeof item === "number" ? String(item).trim().toUpperCase() : "";
    const byName = DAY_NAMES.findIndex((name) => name === text || name.slice(0, 3) === text);
    const day = /^[0-6]$/.test(text) ? Number(text) : byName;
    if (day < 0) {
      throw errors.invalidParameter(
        `Invalid allowed_days: ${JSON.stringify(item)} is not a day; give days from 0 (Sunday) to 6 (Saturday) as Meta numbers them, or their names (MONDAY or MON), for example [1,2,3,4,5].`,
      );
    }
    days.add(day);
  }
  if (!items || days.size === 0) {
    throw errors.invalidParameter(
      `Invalid allowed_days: ${JSON.stringify(value)} names no day; give at least one, from 0 (Sunday) to 6 (Saturday), for example [1,2,3,4,5], or "" to clear the limit.`,
    );
  }
  return [...days].sort((a, b) => a - b);
}

function parseIds(value: unknown): string[] {
  const items = listOf(value);
  const ids = new Set<string>();
  for (const item of items ?? []) {
    const text = typeof item === "number" ? String(item) : typeof item === "string" ? item.trim() : "";
    if (!/^\d{1,30}$/.test(text)) {
      throw errors.invalidParameter(`Invalid protected_objects: ${JSON.stringify(item)} is not the id of a campaign, ad set or ad.`);
    }
    ids.add(text);
  }
  if (!items || ids.size === 0) {
    throw errors.invalidParameter(
      `Invalid protected_objects: ${JSON.stringify(value)} names no object; give the ids of campaigns, ad sets or ads of the account, for example ["120210000000001"], or "" to clear the limit.`,
    );
  }
  if (ids.size > MAX_PROTECTED_OBJECTS) throw errors.invalidParameter(`Invalid protected_objects: ${ids.size} ids, at most ${MAX_PROTECTED_OBJECTS}.`);
  return [...ids].sort();
}

/**
 * protected_labels as given: label ids or names, each kept as written (trimmed); the service
 * resolves them against the account's labels before anything is stored.
 */
function parseLabelRefs(value: unknown): string[] {
  const items = listOf(value);
  const refs = new Set<string>();
  for (const item of items ?? []) {
    const text = typeof item === "number" ? String(item) : typeof item === "string" ? item.trim() : "";
    if (text === "" || text.length > MAX_LABEL_NAME) {
      throw errors.invalidParameter(`Invalid protected_labels: ${JSON.stringify(item)} is not the id or name of an ad label.`);
    }
    refs.add(text);
  }
  if (!items || refs.size === 0) {
    throw errors.invalidParameter(
      `Invalid protected_labels: ${JSON.stringify(value)} names no label; give the ids or names of ad labels of the account, for example ["Brand"], or "" to clear the limit.`,
    );
  }
  if (refs.size > MAX_PROTECTED_OBJECTS) throw errors.invalidParameter(`Invalid protected_labels: ${refs.size} labels, at most ${MAX_PROTECTED_OBJECTS}.`);
  return [...refs];
}

/** The longest ad label name (the same bound as an ad object's name). */
const MAX_LABEL_NAME = 400;

/** One guardrail value as the Graph edge or the CLI gives it; "" or null clears it. Throws a Graph 100 for anything else. */
export function parseGuardrailValue(name: GuardrailName, value: unknown): number | string | number[] | string[] | null {
  if (value === null || value === "") return null;
  if (name === "allowed_days") return parseDays(value);
  if (name === "protected_objects") return parseIds(value);
  if (name === "protected_labels") return parseLabelRefs(value);
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

/** A list guardrail as it is stored ("1,2,3" or "120…,120…"), and back. */
export function listText(list: readonly (number | string)[] | null): string | null {
  return list === null ? null : list.join(",");
}
export function daysOfText(text: string | null): number[] | null {
  return text === null ? null : text.split(",").map(Number);
}
export function idsOfText(text: string | null): string[] | null {
  return text === null ? null : text.split(",");
}

/** A budget amount as people read it: "50.00 USD (5000)", "5000 JPY". */
export function describeAmount(minor: number, currency: string): string {
  // By Meta's offsets (src/inputLimits.ts): JPY and the other whole-unit currencies have no minor unit.
  const per = minorPerMajor(currency);
  return per === 1 ? `${minor} ${currency}` : `${(minor / per).toFixed(2)} ${currency} (${minor})`;
}

/** A write a partner's principal proposes to an ad object, with what the rules need to judge it. */
export interface ProposedWrite {
  /** "Ad set Summer sale", for messages. */
  label: string;
  currency: string;
  /** The hour of day (0–23) in the ad account's time zone when the write happens. */
  localHour: number;
  /** The day of the week (0 Sunday … 6 Saturday) in the ad account's time zone when the write happens. */
  localDay: number;
  /** The object written, then the ad set and campaign it is in (for a new object, only the ones it goes in). */
  touches: readonly string[];
  /** The ad labels the objects in `touches` carry (`on`: the object's id), for protected_labels. */
  labels?: readonly { id: string; name: string; on: string }[];
  /** The ad labels the write adds to or removes from an object, or renames or deletes. */
  labelChanges?: readonly { id: string; name: string }[];
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
  /** The daily spend the partner added to the account in the 24 hours before this write (minor units). */
  newSpendToday: number;
}

export type Verdict =
  | { kind: "allowed" }
  | { kind: "refused"; guardrail: GuardrailName; value: string; detail: string }
  | { kind: "held"; value: string; detail: string };

/**
 * The daily spend a budget write adds (minor units): a raise, or a new object's whole budget; a
 * lifetime budget counts per day of its schedule, rounded up. Lowering adds nothing.
 */
export function addedDailySpend(budget: { before: number | null; after: number; days: number }): number {
  const added = budget.after - (budget.before ?? 0);
  return added <= 0 ? 0 : Math.ceil(added / Math.max(1, budget.days));
}

const refused = (guardrail: GuardrailName, value: string, detail: string): Verdict => ({ kind: "refused", guardrail, value, detail });

/**
 * Judges one write against one partner's guardrails. Protected objects, days and hours bind every
 * change; lowering a budget is otherwise always allowed (it never adds risk, even above a limit the
 * owner set later); raising one must stay within every limit, and above `approval_above` it is held.
 * Refusals come before holds, so a held change is one the owner could approve as it is.
 */
export function judgeWrite(rules: Guardrails, write: ProposedWrite): Verdict {
  if (rules.protected_objects !== null) {
    const protectedIds = rules.protected_objects;
    const hit = write.touches.find((id) => protectedIds.includes(id));
    if (hit !== undefined) {
      const what = hit === write.touches[0] ? `${write.label} (${hit}) is protected` : `${write.label} is in ${hit}, which is protected,`;
      return refused("protected_objects", protectedIds.join(","), `${what} from changes by this partner.`);
    }
  }
  if (rules.protected_labels !== null) {
    const protectedLabels = rules.protected_labels;
    const value = protectedLabels.join(",");
    const changed = (write.labelChanges ?? []).find((label) => protectedLabels.includes(label.id));
    if (changed !== undefined) {
      return refused("protected_labels", value, `the ad label ${changed.name} (${changed.id}) is protected: this partner may not add it to or remove it from anything, rename it or delete it.`);
    }
    const carried = (write.labels ?? []).find((label) => protectedLabels.includes(label.id));
    if (carried !== undefined) {
      const what = carried.on === write.touches[0] ? `${write.label} carries` : `${write.label} is in ${carried.on}, which carries`;
      return refused("protected_labels", value, `${what} the ad label ${carried.name} (${carried.id}); what carries it, and everything in that, is protected from changes by this partner.`);
    }
  }
  if (rules.allowed_days !== null && !rules.allowed_days.includes(write.localDay)) {
    const names = rules.allowed_days.map((day) => DAY_NAMES[day]).join(", ");
    return refused(
      "allowed_days",
      rules.allowed_days.join(","),
      `changes are allowed only on ${names} in the ad account's time zone; it is ${DAY_NAMES[write.localDay] ?? "?"} there now.`,
    );
  }
  if (rules.allowed_hours !== null && !hourAllowed(rules.allowed_hours, write.localHour)) {
    return refused(
      "allowed_hours",
      rules.allowed_hours,
      `changes are allowed only between ${rules.allowed_hours.replace("-", ":00 and ")}:00 in the ad account's time zone; it is now ${String(write.localHour).padStart(2, "0")}:xx there.`,
    );
  }
  const budget = write.budget;
  if (!budget || (budget.before !== null && budget.after <= budget.before)) return { kind: "allowed" };
  const amount = (minor: number) => describeAmount(minor, write.currency);
  const perDay = budget.kind === "daily" ? "" : ` (per day of its ${budget.days}-day schedule)`;
  if (rules.max_daily_budget !== null) {
    const cap = rules.max_daily_budget * budget.days;
    if (budget.after > cap) {
      const per = budget.kind === "daily" ? "a daily budget" : `a lifetime budget over ${budget.days} day${budget.days === 1 ? "" : "s"}`;
      return refused("max_daily_budget", String(rules.max_daily_budget), `${write.label} would get ${amount(budget.after)}, above the most allowed for ${per}, ${amount(cap)}.`);
    }
  }
  if (budget.before !== null) {
    if (rules.max_increase_percent !== null && budget.after * 100 > budget.before * (100 + rules.max_increase_percent)) {
      return refused(
        "max_increase_percent",
        String(rules.max_increase_percent),
        `${write.label} would rise from ${amount(budget.before)} to ${amount(budget.after)} in one change, more than ${rules.max_increase_percent}%.`,
      );
    }
    if (rules.max_increase_amount !== null && budget.after - budget.before > rules.max_increase_amount * budget.days) {
      return refused(
        "max_increase_amount",
        String(rules.max_increase_amount),
        `${write.label} would rise from ${amount(budget.before)} to ${amount(budget.after)} in one change, by more than ${amount(rules.max_increase_amount * budget.days)}${perDay}.`,
      );
    }
  }
  if (budget.dayAgo !== null) {
    if (rules.max_daily_increase_percent !== null && budget.after * 100 > budget.dayAgo * (100 + rules.max_daily_increase_percent)) {
      const most = Math.floor((budget.dayAgo * (100 + rules.max_daily_increase_percent)) / 100);
      return refused(
        "max_daily_increase_percent",
        String(rules.max_daily_increase_percent),
        `${write.label} was ${amount(budget.dayAgo)} 24 hours ago; ${amount(budget.after)} would raise it by more than ${rules.max_daily_increase_percent}% within 24 hours (at most ${amount(most)} now).`,
      );
    }
    if (rules.max_daily_increase_amount !== null && budget.after - budget.dayAgo > rules.max_daily_increase_amount * budget.days) {
      const most = budget.dayAgo + rules.max_daily_increase_amount * budget.days;
      return refused(
        "max_daily_increase_amount",
        String(rules.max_daily_increase_amount),
        `${write.label} was ${amount(budget.dayAgo)} 24 hours ago; ${amount(budget.after)} would raise it by more than ${amount(rules.max_daily_increase_amount * budget.days)}${perDay} within 24 hours (at most ${amount(most)} now).`,
      );
    }
  }
  if (rules.max_daily_new_spend !== null) {
    const added = addedDailySpend(budget);
    if (write.newSpendToday + added > rules.max_daily_new_spend) {
      const left = Math.max(0, rules.max_daily_new_spend - write.newSpendToday);
      return refused(
        "max_daily_new_spend",
        String(rules.max_daily_new_spend),
        `${write.label} would add ${amount(added)} of daily spend to the account; this partner added ${amount(write.newSpendToday)} in the last 24 hours, so at most ${amount(left)} more is allowed now.`,
      );
    }
  }
  if (rules.approval_above !== null && budget.after > rules.approval_above * budget.days) {
    return {
      kind: "held",
      value: String(rules.approval_above),
      detail: `${write.label} would get ${amount(budget.after)}, above ${amount(rules.approval_above * budget.days)}.`,
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
