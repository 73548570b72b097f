import type * as Engine from "../engine/types.ts";
import { GraphApiError, type GraphClient } from "./graphClient.ts";

/**
 * The owner's partner guardrails as Autopilot reads them through the Graph, like any partner's tool:
 * `GET act_<id>/partner_guardrails` (Grantline's edge, docs/guardrails.md) lists the limits that
 * bind the caller's partner business, and the account's activity log says what its budgets were in
 * the last 24 hours and how much daily spend was added, which the 24-hour limits are measured from.
 */

const DAY_MS = 86_400_000;

/** One row of `act_<id>/partner_guardrails`, as the Graph gives it (only the limits that are set). */
export interface PartnerGuardrailRow {
  business: string;
  max_daily_budget?: number | string;
  max_increase_percent?: number | string;
  max_daily_increase_percent?: number | string;
  max_increase_amount?: number | string;
  max_daily_increase_amount?: number | string;
  max_daily_new_spend?: number | string;
  allowed_hours?: string;
  allowed_days?: number[];
  protected_objects?: string[];
  protected_labels?: string[];
  approval_above?: number | string;
}

/** A budget set or changed on a campaign or ad set, from the activity log. */
export interface BudgetEvent {
  /** Epoch ms (the log gives whole seconds). */
  at: number;
  objectId: string;
  objectType: "campaign" | "adset";
  /** null when the object was created. */
  old: number | null;
  new: number;
  /** Who made it (a person's or system user's id), when the log says. */
  actorId?: string;
}

/** What binds Autopilot's token on the account, read with a scan. */
export interface ScannedPartnerGuardrails {
  /** The rows that bind the token; empty when it acts as the owner's own or none are set. */
  rows: PartnerGuardrailRow[];
  /** Budget events of the 24 hours before `readAt`; null when the log could not be read. */
  budgetEvents: BudgetEvent[] | null;
  /**
   * The people and system users of the token's own businesses who reach the account (`act_<id>/users`
   * shows a partner only those): the principals whose raises the hub counts for the partner. null
   * when unknown; then every raise in the log counts.
   */
  partnerActors: string[] | null;
  /**
   * The ad label ids each campaign, ad set and ad carries, read only when a row protects labels
   * (absent otherwise); null when they could not be read.
   */
  labels?: Record<string, string[]> | null;
  /** The names of the labels in `labels`, by id. */
  labelNames?: Record<string, string>;
  readAt: number;
}

interface ActivityRow {
  actor_id?: string;
  event_type?: string;
  event_time?: string | number;
  object_id?: string;
  extra_data?: string;
}

const BUDGET_EVENTS: Record<string, { objectType: "campaign" | "adset"; created: boolean }> = {
  update_ad_set_budget: { objectType: "adset", created: false },
  create_ad_set: { objectType: "adset", created: true },
  update_campaign_budget: { objectType: "campaign", created: false },
  create_campaign_group: { objectType: "campaign", created: true },
};

/** A budget amount out of an activity's old or new value: the value itself, or its object's daily (else lifetime) budget. */
function budgetValue(value: unknown): number | null {
  if (typeof value === "number" || (typeof value === "string" && /^\d+$/.test(value))) return Number(value);
  if (value && typeof value === "object") {
    const v = value as Record<string, unknown>;
    return budgetValue(v.daily_budget) ?? budgetValue(v.lifetime_budget);
  }
  return null;
}

/** The budget events among activity rows (Meta's AdActivity: event_type, event_time in seconds, extra_data as JSON text with old_value and new_value). */
export function budgetEventsOf(rows: readonly ActivityRow[]): BudgetEvent[] {
  const out: BudgetEvent[] = [];
  for (const row of rows) {
    const kind = BUDGET_EVENTS[row.event_type ?? ""];
    if (!kind || !row.object_id || row.event_time === undefined) continue;
    let extra: { old_value?: unknown; new_value?: unknown };
    try {
      extra = JSON.parse(row.extra_data ?? "{}") as typeof extra;
    } catch {
      continue;
    }
    const after = budgetValue(extra.new_value);
    if (after === null) continue;
    out.push({
      at: Number(row.event_time) * 1000,
      objectId: row.object_id,
      objectType: kind.objectType,
      old: kind.created ? null : budgetValue(extra.old_value),
      new: after,
      ...(row.actor_id ? { actorId: row.actor_id } : {}),
    });
  }
  return out.sort((a, b) => a.at - b.at);
}

/**
 * Reads the guardrails that bind the token on the account, and the budget events of the 24 hours
 * before `now`. Undefined when the Graph has no partner_guardrails edge (Meta's own): nothing binds.
 * The hub lists every partner's rows to the owner's people, whom none binds, so rows count only when
 * the account's owner business (AdAccount `business`) is not one of the token's (`/me/businesses`);
 * when that cannot be told, they count (the cautious side).
 */
export async function readPartnerGuardrails(client: GraphClient, act: string, now: number): Promise<ScannedPartnerGuardrails | undefined> {
  let rows: PartnerGuardrailRow[];
  try {
    rows = (await client.get<{ data?: PartnerGuardrailRow[] }>(`${act}/partner_guardrails`)).data ?? [];
  } catch (error) {
    // Meta has no such edge and answers code 100 ("Tried accessing nonexisting field",
    // https://developers.facebook.com/docs/graph-api/advanced): there, no partner guardrails bind.
    if (error instanceof GraphApiError && error.kind === "invalid") return undefined;
    throw error;
  }
  if (rows.length > 0 && (await ownerSide(client, act))) rows = [];
  if (rows.length === 0) return { rows, budgetEvents: [], partnerActors: [], readAt: now };
  let budgetEvents: BudgetEvent[] | null;
  try {
    // https://developers.facebook.com/docs/marketing-api/reference/ad-account/activities/ (since, event_type, event_time, extra_data)
    const since = Math.floor((now - DAY_MS) / 1000) - 60;
    const activities = await client.getAll<ActivityRow>(`${act}/activities`, { since, fields: "actor_id,event_type,event_time,object_id,extra_data", limit: 500 });
    budgetEvents = budgetEventsOf(activities);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    budgetEvents = null;
  }
  let partnerActors: string[] | null;
  try {
    // https://developers.facebook.com/docs/marketing-api/reference/ad-account/users/
    partnerActors = (await client.getAll<{ id: string }>(`${act}/users`, { fields: "id", limit: 500 })).map((u) => u.id);
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    partnerActors = null;
  }
  const labelled = rows.some((row) => (row.protected_labels ?? []).length > 0) ? await readObjectLabels(client, act) : undefined;
  return { rows, budgetEvents, partnerActors, ...(labelled !== undefined ? { labels: labelled?.labels ?? null, ...(labelled ? { labelNames: labelled.names } : {}) } : {}), readAt: now };
}

/**
 * The ad labels of the account's campaigns, ad sets and ads, for protected_labels: each object's
 * `adlabels` field (list<AdLabel>, https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/
 * and the ad set and ad references). null when any list could not be read.
 */
async function readObjectLabels(client: GraphClient, act: string): Promise<{ labels: Record<string, string[]>; names: Record<string, string> } | null> {
  const labels: Record<string, string[]> = {};
  const names: Record<string, string> = {};
  try {
    for (const edge of ["campaigns", "adsets", "ads"]) {
      for (const object of await client.getAll<{ id: string; adlabels?: { id: string; name?: string }[] }>(`${act}/${edge}`, { fields: "id,adlabels", limit: 500 })) {
        const carried = object.adlabels ?? [];
        for (const label of carried) if (typeof label.name === "string") names[String(label.id)] = label.name;
        if (carried.length > 0) labels[object.id] = carried.map((label) => String(label.id));
      }
    }
  } catch (error) {
    if (!(error instanceof GraphApiError)) throw error;
    return null;
  }
  return { labels, names };
}

async function ownerSide(client: GraphClient, act: string): Promise<boolean> {
  try {
    const account = await client.get<{ business?: { id?: string } }>(act, { fields: "business" });
    const owner = account.business?.id;
    if (!owner) return false;
    const mine = await client.getAll<{ id: string }>("me/businesses", { fields: "id", limit: 100 });
    return mine.some((b) => b.id === owner);
  } catch (error) {
    if (error instanceof GraphApiError) return false;
    throw error;
  }
}

const num = (value: number | string | undefined): number | null => (value === undefined || value === "" ? null : Number(value));

function limitsOf(row: PartnerGuardrailRow): Engine.PartnerLimits {
  const hours = row.allowed_hours ? /^(\d{1,2})-(\d{1,2})$/.exec(row.allowed_hours) : null;
  return {
    business: row.business,
    maxDailyBudgetMinor: num(row.max_daily_budget),
    maxIncreasePercent: num(row.max_increase_percent),
    maxDailyIncreasePercent: num(row.max_daily_increase_percent),
    maxIncreaseMinor: num(row.max_increase_amount),
    maxDailyIncreaseMinor: num(row.max_daily_increase_amount),
    maxDailyNewSpendMinor: num(row.max_daily_new_spend),
    allowedHours: hours ? { startHour: Number(hours[1]), endHour: Number(hours[2]) } : null,
    allowedDays: row.allowed_days ? row.allowed_days.map(Number) : null,
    protectedObjectIds: (row.protected_objects ?? []).map(String),
    protectedLabelIds: (row.protected_labels ?? []).map(String),
    approvalAboveMinor: num(row.approval_above),
  };
}

/** A budget change Autopilot itself made (or may have made) since the scan. */
export interface OwnBudgetChange {
  at: number;
  objectId: string;
  old: number | null;
  new: number;
}

/**
 * The engine's view of the guardrails at `now`: the limits, the lowest budget each ad set had in the
 * last 24 hours and the daily spend added in them, from the scan's activity log and Autopilot's own
 * changes since. The spend counts every raise by the partner's principals (every raise when they are
 * unknown, or the log does not name the actor) and a lifetime budget's raise whole: never less than
 * the hub counts.
 */
export function toEnginePartnerGuardrails(scanned: ScannedPartnerGuardrails | undefined, own: readonly OwnBudgetChange[], now: number): Engine.PartnerGuardrails | undefined {
  if (!scanned || scanned.rows.length === 0) return undefined;
  const limits = scanned.rows.map(limitsOf);
  const labelled = scanned.labels !== undefined ? { labelsOf: scanned.labels, ...(scanned.labelNames ? { labelNames: scanned.labelNames } : {}) } : {};
  if (scanned.budgetEvents === null) return { limits, dayLowMinor: null, newSpendLast24hMinor: null, ...labelled };
  // The log's times are whole seconds: an event logged in the second 24 hours ago may be inside the window.
  const inWindow = (at: number) => at + 1000 > now - DAY_MS && at <= now;
  const partner = scanned.partnerActors == null ? null : new Set(scanned.partnerActors);
  const counts = (e: BudgetEvent) => partner === null || e.actorId === undefined || partner.has(e.actorId);
  const events: BudgetEvent[] = [
    ...scanned.budgetEvents.filter((e) => inWindow(e.at)),
    ...own.filter((c) => c.at > scanned.readAt && inWindow(c.at)).map((c) => ({ ...c, objectType: "adset" as const })),
  ];
  const dayLow: Record<string, number> = {};
  let added = 0;
  for (const e of events) {
    if (e.old !== null && e.objectType === "adset") dayLow[e.objectId] = Math.min(dayLow[e.objectId] ?? Infinity, e.old);
    if (counts(e)) added += Math.max(0, e.new - (e.old ?? 0));
  }
  return { limits, dayLowMinor: dayLow, newSpendLast24hMinor: added, ...labelled };
}
