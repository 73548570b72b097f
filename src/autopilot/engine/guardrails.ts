/**
 * The final, independent guardrail check every plan passes before anyone sees it. It trusts
 * nothing the decisions computed: from the snapshot, the history and the proposed changes alone it
 * drops what capabilities, allowed actions, the kill switch, cooldowns or the hourly limit forbid,
 * cuts budget steps to the step limit, and trims raises until the daily and monthly caps hold.
 * A plan that would break a cap is trimmed, never passed on. Last, the owner's partner guardrails
 * (when the caller acts as a partner with limits) cut or drop what the platform would refuse.
 */
import { activeDailyBudget, monthlyDailyLimit } from "./decide.ts";
import { dayNumber } from "./calibration.ts";
import { money } from "./explain.ts";
import { applyPartnerGuardrails, partnerWindowClosed } from "./partnerGuardrails.ts";
import { budgetChangesLastHour, budgetDayAgo, historyByObject, inCooldown, objectAllowed } from "./history.ts";
import type { AccountSnapshot, ActionRecord, AdSetSnapshot, AdSnapshot, AutopilotGuardrails, Execution, ProposedAction, TrimRecord } from "./types.ts";

export interface CheckedPlan {
  actions: ProposedAction[];
  trimmed: TrimRecord[];
  execution: Execution;
  notices: string[];
  /** Set when the owner's partner guardrails allow no change now: the next local time they do ("Monday 09:00"). */
  deferredUntil?: string;
}

/** Whether autopilot mode may start: it needs a daily or a monthly cap. */
export function capsConfigured(g: AutopilotGuardrails): boolean {
  return g.dailyBudgetCapMinor !== null || g.monthlyBudgetCapMinor !== null;
}

export function inQuietHours(g: AutopilotGuardrails, hour: number): boolean {
  const q = g.quietHours;
  if (!q || q.startHour === q.endHour) return false;
  return q.startHour < q.endHour ? hour >= q.startHour && hour < q.endHour : hour >= q.startHour || hour < q.endHour;
}

/**
 * The check, step by step: how the plan may run (`executionOf`; the kill switch stops it all), each
 * action against the guardrails on its own (`checkAction`), the caps over what is left
 * (`enforceCaps`), then the owner's partner guardrails and their time window.
 */
export function enforceGuardrails(snapshot: AccountSnapshot, proposed: readonly ProposedAction[], options: { legacyMonthPacing?: boolean } = {}): CheckedPlan {
  const g = snapshot.guardrails;
  const trimmed: TrimRecord[] = [];
  const drop = (a: ProposedAction, guardrail: TrimRecord["guardrail"], detail: string) =>
    trimmed.push({ key: a.key, objectId: a.change.objectId, outcome: "dropped", guardrail, detail });
  const { notices, execution: runAs } = executionOf(snapshot);
  let execution = runAs;
  if (g.killSwitch) {
    for (const a of proposed) drop(a, "kill_switch", "The kill switch is on: no automated actions.");
    notices.push("The kill switch is on: every automated action is stopped.");
    return { actions: [], trimmed, execution: "none", notices };
  }

  const checking: Checking = {
    snapshot,
    history: historyByObject(snapshot.history),
    allowedObjects: new Set(snapshot.capabilities.objectIds),
    adSets: new Map(snapshot.adSets.map((s) => [s.id, s])),
    ads: new Map(snapshot.ads.map((a) => [a.id, a])),
    seen: new Set<string>(),
    trimmed,
    drop,
  };
  const kept: ProposedAction[] = [];
  for (const original of proposed) {
    const a = checkAction(checking, original);
    if (a) kept.push(a);
  }
  enforceCaps(checking, kept, options.legacyMonthPacing === true);
  // After the caps, which only lower raises: the owner's limits may cut them further, never raise them.
  const actions = applyPartnerGuardrails(snapshot, kept, trimmed);
  const closed = partnerWindowClosed(snapshot);
  if (closed) {
    notices.push(closed.notice);
    if (closed.next === null) return { actions, trimmed, execution: "none", notices };
    if (execution === "apply") execution = "approval";
    return { actions, trimmed, execution, notices, deferredUntil: closed.next };
  }
  return { actions, trimmed, execution, notices };
}

/** How a plan may run in the guardrails' mode: applied, waiting for approval (no cap yet, quiet hours), or not at all (dry run). */
function executionOf(snapshot: AccountSnapshot): { execution: Execution; notices: string[] } {
  const g = snapshot.guardrails;
  const notices: string[] = [];
  let execution: Execution = g.mode === "autopilot" ? "apply" : g.mode === "semi_auto" ? "approval" : "none";
  if (g.mode === "dry_run") notices.push("Dry run: this plan is a preview; nothing will be changed.");
  if (g.mode === "autopilot" && !capsConfigured(g)) {
    execution = "approval";
    notices.push("Autopilot will not start without a daily or monthly budget cap; set one. Until then every action needs your approval.");
  }
  if (execution === "apply" && inQuietHours(g, snapshot.clock.hour)) {
    execution = "approval";
    notices.push(`Quiet hours (${g.quietHours!.startHour}:00–${g.quietHours!.endHour}:00): nothing is applied automatically now; actions wait for approval.`);
  }
  return { execution, notices };
}

/** What checking a plan's actions reads, and the record of what it dropped or cut. */
interface Checking {
  snapshot: AccountSnapshot;
  history: Map<string, ActionRecord[]>;
  allowedObjects: ReadonlySet<string>;
  adSets: Map<string, AdSetSnapshot>;
  ads: Map<string, AdSnapshot>;
  /** Objects a kept action already changes (one change per object in a plan). */
  seen: Set<string>;
  trimmed: TrimRecord[];
  drop: (a: ProposedAction, guardrail: TrimRecord["guardrail"], detail: string) => void;
}

/**
 * One action against the guardrails on its own: allowed, within the connection's access, the only
 * change of its object, out of cooldown, a valid change of a known object; a budget also under the
 * hourly count, and cut to the step limit. Returns the action as it may go (a copy), or undefined
 * when it was dropped.
 */
function checkAction(c: Checking, original: ProposedAction): ProposedAction | undefined {
  const { snapshot, drop } = c;
  const g = snapshot.guardrails;
  const now = snapshot.clock.now;
  const a: ProposedAction = { ...original, change: { ...original.change } };
  const id = a.change.objectId;
  const refuse = (guardrail: TrimRecord["guardrail"], detail: string): undefined => {
    drop(a, guardrail, detail);
    return undefined;
  };
  if (!g.allowedActions.includes(a.kind)) return refuse("allowed_actions", `You have not allowed "${a.kind}" actions.`);
  if (!snapshot.capabilities.actions.includes(a.kind) || !objectAllowed(snapshot, id, c.allowedObjects)) {
    return refuse("capability", `The connection's access does not allow "${a.kind}" on ${id}.`);
  }
  if (c.seen.has(id) && a.kind !== "notify") return refuse("invalid", "Only one change per object in a plan.");
  if (a.kind === "notify") return a;
  const records = c.history.get(id);
  if (inCooldown(records, now, g.cooldownMinutes)) return refuse("cooldown", `${id} changed less than ${g.cooldownMinutes} minutes ago.`);
  if (a.kind === "change_budget") {
    const set = c.adSets.get(id);
    const newValue = a.change.newValue;
    if (!set || set.budget.kind !== "daily" || a.change.field !== "daily_budget" || typeof newValue !== "number" || !Number.isInteger(newValue) || newValue <= 0 || a.change.oldValue !== set.budget.amountMinor) {
      return refuse("invalid", "Not a valid daily budget change of a known ad set.");
    }
    if (budgetChangesLastHour(records, now) >= g.maxBudgetChangesPerHour) {
      return refuse("hourly_limit", `${id} already had ${g.maxBudgetChangesPerHour} budget changes this hour.`);
    }
    const ref = budgetDayAgo(records, now, set.budget.amountMinor);
    const lo = Math.ceil(ref * (1 - g.maxChangePerStep));
    const hi = Math.floor(ref * (1 + g.maxChangePerStep));
    const bounded = Math.max(lo, Math.min(hi, newValue));
    if (bounded !== newValue) {
      if (bounded === set.budget.amountMinor || bounded <= 0) return refuse("step_limit", `More than ${Math.round(g.maxChangePerStep * 100)}% from ${ref} within 24 hours.`);
      c.trimmed.push({ key: a.key, objectId: id, outcome: "trimmed", guardrail: "step_limit", detail: `Cut from ${newValue} to ${bounded}: at most ${Math.round(g.maxChangePerStep * 100)}% from ${ref} within 24 hours.` });
      a.change.newValue = bounded;
      a.reason += ` (cut to ${money(bounded, snapshot.currency)}: at most ${Math.round(g.maxChangePerStep * 100)}% a day)`;
    }
  } else {
    // Ads, and ad sets when a person asks to pause or resume one (the app's checks are these).
    const target = a.change.objectType === "ad_set" ? c.adSets.get(id) : c.ads.get(id);
    const want = a.kind === "pause" ? "PAUSED" : "ACTIVE";
    if (!target || a.change.field !== "status" || a.change.newValue !== want || target.status === want) {
      return refuse("invalid", "Not a valid status change of a known ad or ad set.");
    }
  }
  c.seen.add(id);
  return a;
}

/** Caps: trims raises (largest first), then drops unpauses that bring spend back, until both caps hold. Changes `kept` in place. */
function enforceCaps(c: Checking, kept: ProposedAction[], legacyMonthPacing: boolean): void {
  const { snapshot, drop } = c;
  const g = snapshot.guardrails;
  const today = dayNumber(snapshot.clock.today);
  let limit = Infinity;
  if (g.dailyBudgetCapMinor !== null) limit = Math.min(limit, g.dailyBudgetCapMinor);
  if (g.monthlyBudgetCapMinor !== null) limit = Math.min(limit, monthlyDailyLimit(snapshot, g.monthlyBudgetCapMinor, legacyMonthPacing));
  const totalAfter = (list: readonly ProposedAction[]) => {
    const paused = new Set(list.filter((a) => a.kind === "pause").map((a) => a.change.objectId));
    const revived = new Set(list.filter((a) => a.kind === "unpause").map((a) => a.change.objectId));
    const budgets = new Map(list.filter((a) => a.kind === "change_budget").map((a) => [a.change.objectId, a.change.newValue as number]));
    // An ad set paused or resumed as a whole counts with its new status.
    const setStatus = new Map(list.filter((a) => a.change.objectType === "ad_set" && a.change.field === "status").map((a) => [a.change.objectId, a.change.newValue as "ACTIVE" | "PAUSED"]));
    const view = setStatus.size === 0 ? snapshot : { ...snapshot, adSets: snapshot.adSets.map((s) => ({ ...s, status: setStatus.get(s.id) ?? s.status })) };
    return activeDailyBudget(view, today, paused, revived, budgets);
  };
  const before = activeDailyBudget(snapshot, today, new Set(), new Set());
  let after = totalAfter(kept);
  if (!(after > limit && after > before)) return;
  const cap = g.dailyBudgetCapMinor !== null && g.dailyBudgetCapMinor <= limit ? "daily_cap" : "monthly_cap";
  const raises = kept.filter((a) => a.kind === "change_budget" && (a.change.newValue as number) > (a.change.oldValue as number));
  raises.sort((x, y) => (y.change.newValue as number) - (y.change.oldValue as number) - ((x.change.newValue as number) - (x.change.oldValue as number)));
  for (const a of raises) {
    if (after <= limit) break;
    const excess = Math.ceil(after - Math.max(limit, before));
    const raise = (a.change.newValue as number) - (a.change.oldValue as number);
    if (excess >= raise) {
      kept.splice(kept.indexOf(a), 1);
      drop(a, cap, `The raise would take the account's daily budgets past your cap.`);
    } else {
      a.change.newValue = (a.change.newValue as number) - excess;
      a.reason += ` (cut to ${money(a.change.newValue, snapshot.currency)} to stay within your budget cap)`;
      c.trimmed.push({ key: a.key, objectId: a.change.objectId, outcome: "trimmed", guardrail: cap, detail: `Raise cut by ${excess} to stay within your cap.` });
    }
    after = totalAfter(kept);
  }
  for (const a of kept.filter((x) => x.kind === "unpause")) {
    if (after <= limit || after <= before) break;
    kept.splice(kept.indexOf(a), 1);
    drop(a, cap, "Turning it back on would take the account's daily budgets past your cap.");
    after = totalAfter(kept);
  }
}
