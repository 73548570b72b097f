/**
 * Partner guardrails as the console reads and writes them (docs/guardrails.md): their shapes, the
 * limits in words with money in the account's currency, and the form's draft turned into the
 * parameters of `POST /{act_id}/partner_guardrails`. Pure: the hub judges every value; the hooks
 * are in guardrails.ts and the UI in Guardrails.tsx, loaded when a page shows it.
 */

/** One partner's guardrails as `GET /{act_id}/partner_guardrails` answers them (unset limits are left out). */
export interface GuardrailSet {
  business: string;
  max_daily_budget?: number;
  max_increase_percent?: number;
  max_daily_increase_percent?: number;
  max_increase_amount?: number;
  max_daily_increase_amount?: number;
  max_daily_new_spend?: number;
  allowed_hours?: string;
  allowed_days?: number[];
  protected_objects?: string[];
  /** Ad label ids: whatever carries one (or is in something that does) is protected. */
  protected_labels?: string[];
  approval_above?: number;
}

export interface PendingChange {
  id: string;
  business: string;
  object_type: "campaign" | "adset";
  object_id: string;
  params: Record<string, unknown>;
  reason: string;
  requested_by: string;
  requested_time: string;
  expiration_time: string;
  status: string;
}

/** A campaign or ad set of the account, for names and the protected-objects picker. */
export interface AdObject {
  id: string;
  name: string;
  kind: "Campaign" | "Ad set" | "Ad label";
}

export const AMOUNTS = ["max_daily_budget", "max_increase_amount", "max_daily_increase_amount", "max_daily_new_spend", "approval_above"] as const;
export const PERCENTS = ["max_increase_percent", "max_daily_increase_percent"] as const;
export type AmountName = (typeof AMOUNTS)[number];
export type PercentName = (typeof PERCENTS)[number];
export type GuardrailField = AmountName | PercentName | "allowed_hours" | "allowed_days" | "protected_objects" | "protected_labels";

/** Monday first, as people read a week; the values are Meta's day numbers (0 Sunday … 6 Saturday). */
export const WEEK = [
  { value: "1", label: "Monday" },
  { value: "2", label: "Tuesday" },
  { value: "3", label: "Wednesday" },
  { value: "4", label: "Thursday" },
  { value: "5", label: "Friday" },
  { value: "6", label: "Saturday" },
  { value: "0", label: "Sunday" },
];

/** Digits after the point in the currency (2 for USD, 0 for JPY): budgets are in its minor units. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units as people read money: 70000 → "700.00 USD". */
export function formatMoney(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  return `${(minor / 10 ** digits).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${currency}`;
}

/** "700", "700.5", "1,250.00" typed in major units → minor units; undefined when it is not an amount. */
export function toMinor(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const clean = text.trim().replaceAll(",", "");
  const pattern = digits === 0 ? /^\d+$/ : new RegExp(`^\\d+(\\.\\d{0,${digits}})?$`);
  if (!pattern.test(clean)) return undefined;
  const [whole, fraction = ""] = clean.split(".");
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
}

export function toMajorText(minor: number | undefined, currency: string): string {
  if (minor === undefined) return "";
  const digits = minorDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

export const hourLabel = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/** The guardrails in sentences, in the order an owner thinks of them. */
export function describeGuardrails(g: GuardrailSet, currency: string, objects: readonly AdObject[], side: "owner" | "partner", timezone?: string): string[] {
  const money = (minor: number) => formatMoney(minor, currency);
  const lines: string[] = [];
  if (g.max_daily_budget !== undefined) lines.push(`No campaign or ad set above ${money(g.max_daily_budget)} a day (a lifetime budget: that much per day of its schedule).`);
  if (g.max_increase_percent !== undefined) lines.push(`One change raises a budget by at most ${g.max_increase_percent}%.`);
  if (g.max_increase_amount !== undefined) lines.push(`One change raises a budget by at most ${money(g.max_increase_amount)}.`);
  if (g.max_daily_increase_percent !== undefined) lines.push(`A budget rises by at most ${g.max_daily_increase_percent}% within 24 hours.`);
  if (g.max_daily_increase_amount !== undefined) lines.push(`A budget rises by at most ${money(g.max_daily_increase_amount)} within 24 hours.`);
  if (g.max_daily_new_spend !== undefined) lines.push(`At most ${money(g.max_daily_new_spend)} of new daily spend within 24 hours (budget raises plus the budgets of new campaigns and ad sets).`);
  if (g.allowed_hours !== undefined) {
    const [from, to] = g.allowed_hours.split("-").map(Number);
    const where = timezone ? ` (${timezone}, the account's time zone)` : " (the account's time zone)";
    lines.push(from === 0 && to === 24 ? "Changes at any hour." : `Changes only from ${hourLabel(from!)} to ${hourLabel(to!)}${where}.`);
  }
  if (g.allowed_days !== undefined) {
    const names = WEEK.filter((d) => g.allowed_days!.includes(Number(d.value))).map((d) => d.label);
    lines.push(names.length === 7 ? "Changes on any day." : `Changes only on ${names.join(", ")}.`);
  }
  if (g.protected_objects !== undefined) {
    const names = g.protected_objects.map((id) => {
      const object = objects.find((o) => o.id === id);
      return object ? `${object.kind.toLowerCase()} ${object.name}` : id;
    });
    lines.push(`May not change ${names.join(", ")}, nor anything in ${g.protected_objects.length === 1 ? "it" : "them"}.`);
  }
  if (g.protected_labels !== undefined) {
    const names = g.protected_labels.map((id) => objects.find((o) => o.id === id && o.kind === "Ad label")?.name ?? id);
    lines.push(`May not change anything labelled ${names.join(" or ")}, nor anything in it, nor add, remove, rename or delete ${names.length === 1 ? "that label" : "those labels"}.`);
  }
  if (g.approval_above !== undefined) lines.push(`A budget raised above ${money(g.approval_above)} a day waits for ${side === "owner" ? "your" : "the owner's"} approval.`);
  return lines;
}

// ---- the form ----------------------------------------------------------------------------------

/** What the form holds: amounts in major units as typed, hours as from/to, days and objects as ids. */
export interface GuardrailDraft {
  amounts: Record<AmountName, string>;
  percents: Record<PercentName, string>;
  hoursFrom: string | null;
  hoursTo: string | null;
  days: string[];
  protectedObjects: string[];
  protectedLabels: string[];
}

export function draftOf(g: GuardrailSet | undefined, currency: string): GuardrailDraft {
  const [from, to] = g?.allowed_hours?.split("-").map((h) => String(Number(h))) ?? [null, null];
  return {
    amounts: Object.fromEntries(AMOUNTS.map((name) => [name, toMajorText(g?.[name], currency)])) as Record<AmountName, string>,
    percents: Object.fromEntries(PERCENTS.map((name) => [name, g?.[name] === undefined ? "" : String(g[name])])) as Record<PercentName, string>,
    hoursFrom: from ?? null,
    hoursTo: to ?? null,
    days: (g?.allowed_days ?? []).map(String),
    protectedObjects: g?.protected_objects ?? [],
    protectedLabels: g?.protected_labels ?? [],
  };
}

export type FieldErrors = Partial<Record<GuardrailField, string>>;

/**
 * The draft as the Graph edge takes it: minor units, "HH-HH", day numbers, ids; "" for a limit left
 * empty (which clears it). Only the form's own checks (an amount that is not a number, one hour of
 * two) are made here; whether the values make sense is the hub's to say.
 */
export function paramsOf(draft: GuardrailDraft, currency: string): { params: Record<string, string | number | number[] | string[]>; errors: FieldErrors; any: boolean } {
  const params: Record<string, string | number | number[] | string[]> = {};
  const errors: FieldErrors = {};
  for (const name of AMOUNTS) {
    const text = draft.amounts[name].trim();
    if (text === "") params[name] = "";
    else {
      const minor = toMinor(text, currency);
      if (minor === undefined) errors[name] = `Type an amount in ${currency}, such as ${minorDigits(currency) === 0 ? "5000" : "50.00"}.`;
      else params[name] = minor;
    }
  }
  for (const name of PERCENTS) {
    const text = draft.percents[name].trim();
    if (text === "") params[name] = "";
    else if (!/^\d+$/.test(text)) errors[name] = "Type a whole number of percent, such as 20.";
    else params[name] = Number(text);
  }
  if (draft.hoursFrom === null && draft.hoursTo === null) params.allowed_hours = "";
  else if (draft.hoursFrom === null || draft.hoursTo === null) errors.allowed_hours = "Choose both hours, or neither for any time of day.";
  else params.allowed_hours = `${draft.hoursFrom.padStart(2, "0")}-${draft.hoursTo.padStart(2, "0")}`;
  params.allowed_days = draft.days.length === 0 ? "" : draft.days.map(Number).sort((a, b) => a - b);
  params.protected_objects = draft.protectedObjects.length === 0 ? "" : draft.protectedObjects;
  params.protected_labels = draft.protectedLabels.length === 0 ? "" : draft.protectedLabels;
  const any = Object.values(params).some((v) => v !== "");
  return { params, errors, any };
}

const PARAM_WORDS: Record<string, string> = { daily_budget: "daily budget", lifetime_budget: "lifetime budget", status: "status", name: "name", end_time: "end time" };

/** What a held change would do, in words: "daily budget to 700.00 USD". */
export function describeParams(params: Record<string, unknown>, currency: string): string {
  return Object.entries(params)
    .map(([key, value]) => {
      const words = PARAM_WORDS[key] ?? key.replaceAll("_", " ");
      const shown = (key === "daily_budget" || key === "lifetime_budget" || key === "spend_cap") && /^\d+$/.test(String(value)) ? formatMoney(Number(value), currency) : String(value);
      return `${words} to ${shown}`;
    })
    .join(", ");
}
