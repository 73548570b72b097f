/**
 * Planning within the owner's partner guardrails: the limits an ad account's owner sets on the
 * partner business whose token Autopilot acts with, which the account's platform enforces on every
 * write (refusing, or holding a raise for the owner's approval). Pure: the limits, the budgets of
 * the last 24 hours and the spend the partner already added come in with the snapshot as data.
 *
 * The arithmetic follows the platform's rules (docs/guardrails.md) exactly where the engine knows
 * what the platform will know; where it cannot know exactly (the budget 24 hours before the write,
 * the partner's other raises), it takes the bound that can only make it stricter.
 */
import { money } from "./explain.ts";
import type { AccountSnapshot, PartnerGuardrails, PartnerLimits, ProposedAction, TrimRecord } from "./types.ts";

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;

/** Whether any partner's guardrails bind the caller on this account. */
export function partnerBound(pg: PartnerGuardrails | undefined): pg is PartnerGuardrails {
  return pg !== undefined && pg.limits.length > 0;
}

function hourAllowed(hours: PartnerLimits["allowedHours"], hour: number): boolean {
  if (!hours) return true;
  const { startHour: start, endHour: end } = hours;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/** Whether every binding partner's days and hours allow a change at this local weekday and hour. */
function windowOpen(limits: readonly PartnerLimits[], weekday: number, hour: number): boolean {
  return limits.every((l) => hourAllowed(l.allowedHours, hour) && (l.allowedDays === null || l.allowedDays.includes(weekday)));
}

/** The account's day of the week (0 Sunday … 6 Saturday) for its calendar day YYYY-MM-DD. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

const pad = (hour: number) => `${String(hour).padStart(2, "0")}:00`;

/** The owner's hours and days in words: "09:00–18:00 on Monday, Tuesday (account time)". */
function windowText(limits: readonly PartnerLimits[]): string {
  const parts: string[] = [];
  for (const l of limits) {
    const hours = l.allowedHours ? `${pad(l.allowedHours.startHour)}–${pad(l.allowedHours.endHour)}` : "";
    const days = l.allowedDays ? `on ${l.allowedDays.map((d) => DAY_NAMES[d]).join(", ")}` : "";
    if (hours || days) parts.push([hours, days].filter(Boolean).join(" "));
  }
  return `${parts.join("; ")} (the ad account's time)`;
}

/**
 * When the owner's allowed_hours and allowed_days forbid changing anything now: why, and the next
 * local hour they allow it ("Monday 09:00"), or null when they allow no hour of the week.
 */
export function partnerWindowClosed(snapshot: AccountSnapshot): { next: string | null; notice: string } | undefined {
  const pg = snapshot.partnerGuardrails;
  if (!partnerBound(pg)) return undefined;
  const weekday = weekdayOf(snapshot.clock.today);
  const hour = snapshot.clock.hour;
  if (windowOpen(pg.limits, weekday, hour)) return undefined;
  let next: string | null = null;
  for (let ahead = 1; ahead <= 7 * 24 && next === null; ahead++) {
    const h = (hour + ahead) % 24;
    const d = (weekday + Math.floor((hour + ahead) / 24)) % 7;
    if (windowOpen(pg.limits, d, h)) next = `${DAY_NAMES[d]} ${pad(h)}`;
  }
  const owner = "The ad account's owner allows this partner to change it only";
  const notice =
    next === null
      ? `${owner} ${windowText(pg.limits)}, and no hour of the week is left open: nothing can be changed.`
      : `${owner} ${windowText(pg.limits)}: nothing is changed before ${next}; the actions wait until then.`;
  return { next, notice };
}

/**
 * The protected campaign, ad set or ad the change would touch (itself or what it is in), if any,
 * and the limit that protects it: by id, or by an ad label it carries.
 */
function protectedHit(snapshot: AccountSnapshot, pg: PartnerGuardrails, objectId: string): { id: string; limit: "protected_objects" | "protected_labels"; label?: string } | undefined {
  const ad = snapshot.ads.find((a) => a.id === objectId);
  const adSetId = ad ? ad.adSetId : objectId;
  const campaignId = snapshot.adSets.find((s) => s.id === adSetId)?.campaignId;
  const touches = [objectId, adSetId, campaignId].filter((id): id is string => id !== undefined);
  for (const l of pg.limits) {
    const hit = touches.find((id) => l.protectedObjectIds.includes(id));
    if (hit !== undefined) return { id: hit, limit: "protected_objects" };
  }
  for (const l of pg.limits) {
    if (l.protectedLabelIds.length === 0) continue;
    // Labels that could not be read: anything may carry a protected one.
    if (!pg.labelsOf) return { id: objectId, limit: "protected_labels" };
    for (const id of touches) {
      const label = (pg.labelsOf[id] ?? []).find((labelId) => l.protectedLabelIds.includes(labelId));
      if (label !== undefined) return { id, limit: "protected_labels", label };
    }
  }
  return undefined;
}

interface Ceiling {
  amount: number;
  limit: string;
  /** Why, in plain words, for the reason and the trim record. */
  text: string;
}

/**
 * The most a raise of one ad set from `old` may reach under every binding partner's limits, with
 * the limit that sets it. `added` is what the plan's earlier raises already add, per partner.
 */
function raiseCeiling(snapshot: AccountSnapshot, pg: PartnerGuardrails, adSetId: string, old: number, added: readonly number[]): Ceiling {
  const currency = snapshot.currency;
  let best: Ceiling = { amount: Infinity, limit: "", text: "" };
  const cut = (amount: number, limit: string, text: string) => {
    if (amount < best.amount) best = { amount, limit, text };
  };
  pg.limits.forEach((l, i) => {
    if (l.maxDailyBudgetMinor !== null) cut(l.maxDailyBudgetMinor, "max_daily_budget", `the owner allows at most ${money(l.maxDailyBudgetMinor, currency)} for any daily budget (max_daily_budget)`);
    if (l.maxIncreasePercent !== null) {
      // The platform's test is after × 100 ≤ before × (100 + percent), in whole minor units.
      let most = Math.floor((old * (100 + l.maxIncreasePercent)) / 100);
      while (most * 100 > old * (100 + l.maxIncreasePercent)) most--;
      cut(most, "max_increase_percent", `the owner allows a raise of at most ${l.maxIncreasePercent}% in one change (max_increase_percent)`);
    }
    if (l.maxIncreaseMinor !== null) cut(old + l.maxIncreaseMinor, "max_increase_amount", `the owner allows a raise of at most ${money(l.maxIncreaseMinor, currency)} in one change (max_increase_amount)`);
    if (l.maxDailyIncreasePercent !== null || l.maxDailyIncreaseMinor !== null) {
      if (pg.dayLowMinor === null) {
        const limit = l.maxDailyIncreasePercent !== null ? "max_daily_increase_percent" : "max_daily_increase_amount";
        cut(old, limit, `the budget's last 24 hours could not be read, and the owner limits how much it may rise within 24 hours (${limit})`);
      } else {
        // The platform measures from the budget 24 hours before the write, which is never below the lowest it had since.
        const base = Math.min(old, pg.dayLowMinor[adSetId] ?? old);
        if (l.maxDailyIncreasePercent !== null) {
          let most = Math.floor((base * (100 + l.maxDailyIncreasePercent)) / 100);
          while (most * 100 > base * (100 + l.maxDailyIncreasePercent)) most--;
          cut(most, "max_daily_increase_percent", `the owner allows a budget to rise at most ${l.maxDailyIncreasePercent}% within 24 hours, and it was ${money(base, currency)} then (max_daily_increase_percent)`);
        }
        if (l.maxDailyIncreaseMinor !== null) {
          cut(base + l.maxDailyIncreaseMinor, "max_daily_increase_amount", `the owner allows a budget to rise at most ${money(l.maxDailyIncreaseMinor, currency)} within 24 hours, and it was ${money(base, currency)} then (max_daily_increase_amount)`);
        }
      }
    }
    if (l.maxDailyNewSpendMinor !== null) {
      if (pg.newSpendLast24hMinor === null) {
        cut(old, "max_daily_new_spend", "the spend added in the last 24 hours could not be read, and the owner limits it (max_daily_new_spend)");
      } else {
        const left = Math.max(0, l.maxDailyNewSpendMinor - pg.newSpendLast24hMinor - (added[i] ?? 0));
        cut(old + left, "max_daily_new_spend", `the owner allows at most ${money(l.maxDailyNewSpendMinor, currency)} of new daily spend within 24 hours, and ${money(l.maxDailyNewSpendMinor - left, currency)} of it is used (max_daily_new_spend)`);
      }
    }
    // A raise above approval_above would wait for the owner's approval instead of happening. A media
    // buyer running an account for a client expects its automated changes to take effect when made
    // and to leave the client's larger moves to the client: a held change spends nothing, and its
    // request is the owner's to make. So Autopilot raises up to the threshold and no further, and the
    // reason says that going beyond needs the owner.
    if (l.approvalAboveMinor !== null) cut(l.approvalAboveMinor, "approval_above", `the owner must approve any budget above ${money(l.approvalAboveMinor, currency)}; ask them to raise it further (approval_above)`);
  });
  return best;
}

/**
 * The partner-guardrail step of the final check: drops changes to protected objects, cuts raises to
 * what every binding limit allows (dropping those left with no raise), and says so in each reason.
 * Lowering a budget and pausing are otherwise always allowed, as on the platform. Days and hours do
 * not drop anything here: `partnerWindowClosed` defers the whole plan.
 */
export function applyPartnerGuardrails(snapshot: AccountSnapshot, actions: readonly ProposedAction[], trimmed: TrimRecord[]): ProposedAction[] {
  const pg = snapshot.partnerGuardrails;
  if (!partnerBound(pg)) return [...actions];
  const added = pg.limits.map(() => 0);
  const kept: ProposedAction[] = [];
  for (const a of actions) {
    if (a.kind === "notify") {
      kept.push(a);
      continue;
    }
    const id = a.change.objectId;
    const hit = protectedHit(snapshot, pg, id);
    if (hit !== undefined) {
      const what = hit.id === id ? "it" : `${hit.id}, which it is in,`;
      const detail =
        hit.limit === "protected_objects"
          ? `The owner protects ${what} from changes by this partner (protected_objects).`
          : hit.label !== undefined
            ? `The owner protects what carries the ad label ${pg.labelNames?.[hit.label] ?? hit.label} from changes by this partner, and ${hit.id === id ? "it carries it" : `${hit.id}, which it is in, carries it`} (protected_labels).`
            : `The owner protects objects by ad label from changes by this partner, and this account's labels could not be read (protected_labels).`;
      trimmed.push({ key: a.key, objectId: id, outcome: "dropped", guardrail: "partner_guardrail", limit: hit.limit, detail });
      continue;
    }
    const old = a.change.oldValue;
    const next = a.change.newValue;
    if (a.kind !== "change_budget" || typeof old !== "number" || typeof next !== "number" || next <= old) {
      kept.push(a);
      continue;
    }
    const ceiling = raiseCeiling(snapshot, pg, id, old, added);
    if (ceiling.amount <= old) {
      trimmed.push({ key: a.key, objectId: id, outcome: "dropped", guardrail: "partner_guardrail", limit: ceiling.limit, detail: `No raise is possible: ${ceiling.text}.` });
      continue;
    }
    const out: ProposedAction = ceiling.amount < next ? { ...a, change: { ...a.change, newValue: ceiling.amount }, reason: `${a.reason} (cut to ${money(ceiling.amount, snapshot.currency)}: ${ceiling.text})` } : a;
    if (ceiling.amount < next) {
      trimmed.push({ key: a.key, objectId: id, outcome: "trimmed", guardrail: "partner_guardrail", limit: ceiling.limit, detail: `Cut from ${money(next, snapshot.currency)} to ${money(ceiling.amount, snapshot.currency)}: ${ceiling.text}.` });
    }
    const raise = (out.change.newValue as number) - old;
    for (let i = 0; i < added.length; i++) added[i] = (added[i] ?? 0) + raise;
    kept.push(out);
  }
  return kept;
}
