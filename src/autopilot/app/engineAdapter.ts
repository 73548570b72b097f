import { planAccount } from "../engine/engine.ts";
import { adAccountGraphId } from "../../graphIds.ts";
import { accountClock } from "./accountTime.ts";
import { money } from "../engine/explain.ts";
import type * as Engine from "../engine/types.ts";
import { toEnginePartnerGuardrails } from "./partnerGuardrails.ts";
import type { PlannerSnapshot, PlannerActionKind, PlannerGuardrails, PlannerPlan, PlanItem, Planner } from "./planner.ts";

/**
 * The decision engine (src/autopilot/engine) behind the app's Planner interface: the app's snapshot
 * (what the scan read through the Graph, the advertiser's guardrails, the token's scopes and the
 * action log) in the engine's terms, and the engine's checked plan back as plan items.
 */

export const ENGINE_KIND: Record<PlannerActionKind, Engine.ActionKind> = {
  pause_ad: "pause",
  pause_adset: "pause",
  resume_ad: "unpause",
  resume_adset: "unpause",
  change_budget: "change_budget",
};

/** The advertiser's guardrails in the engine's terms (minor units, fractions, engine action kinds). */
export function toEngineGuardrails(g: PlannerGuardrails, mode: PlannerSnapshot["mode"] = "semi_auto", killSwitch = false): Engine.AutopilotGuardrails {
  return {
    mode,
    targetCpaMinor: g.cpaTarget === undefined ? null : Math.round(g.cpaTarget * 100),
    targetRoas: g.roasTarget ?? null,
    dailyBudgetCapMinor: g.dailyCap ?? null,
    monthlyBudgetCapMinor: g.monthlyCap ?? null,
    maxChangePerStep: g.maxStepPct / 100,
    maxBudgetChangesPerHour: g.maxBudgetChangesPerHour,
    cooldownMinutes: g.cooldownMinutes ?? 12 * 60,
    allowedActions: [...new Set([...g.allowedActions.map((k) => ENGINE_KIND[k]), "notify" as const])],
    quietHours: g.quietHours ? { startHour: g.quietHours.start, endHour: g.quietHours.end } : null,
    killSwitch,
  };
}

/** The action log's budget changes that may have happened (confirmed, unknown, being written). */
const MAYBE_DONE = new Set(["CONFIRMED", "UNKNOWN", "executing"]);

export function toEngineSnapshot(s: PlannerSnapshot): Engine.AccountSnapshot {
  const writes = s.capabilities.includes("ads_management");
  const { today, hour } = accountClock(s.now, s.timeZone);
  const spentByAdSet = new Map<string, number>();
  for (const d of s.daily) spentByAdSet.set(d.adSetId, (spentByAdSet.get(d.adSetId) ?? 0) + d.spend);
  const ownBudgetChanges = s.history
    .filter((h) => h.field === "daily_budget" && MAYBE_DONE.has(h.state) && Number.isFinite(Number(h.newValue)))
    .map((h) => ({ at: h.at, objectId: h.objectId, old: h.oldValue === null || h.oldValue === "" ? null : Number(h.oldValue), new: Number(h.newValue) }));
  const partnerGuardrails = toEnginePartnerGuardrails(s.partnerGuardrails, ownBudgetChanges, s.now);
  return {
    ...(partnerGuardrails ? { partnerGuardrails } : {}),
    accountId: adAccountGraphId(s.accountId),
    currency: s.currency,
    clock: { now: s.now, today, hour },
    campaigns: s.campaigns.map((c) => ({ id: c.id, name: c.name, status: c.status === "ACTIVE" ? "ACTIVE" : "PAUSED" })),
    adSets: s.adSets.map((a) => ({
      id: a.id,
      campaignId: a.campaignId,
      name: a.name,
      status: a.status === "ACTIVE" ? "ACTIVE" : "PAUSED",
      budget:
        a.dailyBudget !== null
          ? { kind: "daily", amountMinor: a.dailyBudget }
          : { kind: "lifetime", amountMinor: a.lifetimeBudget ?? 0, spentMinor: spentByAdSet.get(a.id) ?? 0, endDate: a.endDate ?? s.lastDate, ...(a.startDate ? { startDate: a.startDate } : {}) },
    })),
    ads: s.ads.map((a) => ({
      id: a.id,
      adSetId: a.adSetId,
      name: a.name,
      status: a.status === "ACTIVE" ? "ACTIVE" : "PAUSED",
      reviewStatus: a.effectiveStatus === "DISAPPROVED" ? "DISAPPROVED" : a.effectiveStatus === "WITH_ISSUES" ? "WITH_ISSUES" : a.effectiveStatus === "PENDING_REVIEW" ? "PENDING_REVIEW" : "APPROVED",
      ...(a.linkCheck ? { linkCheck: a.linkCheck } : {}),
      ...(a.createdDate ? { createdDate: a.createdDate } : {}),
    })),
    insights: s.daily.map((d) => ({ adId: d.adId, date: d.date, impressions: d.impressions, clicks: d.clicks, spendMinor: d.spend, conversions: d.conversions, revenueMinor: d.revenue })),
    guardrails: toEngineGuardrails(s.guardrails, s.mode, s.killSwitch),
    // The token reaches this account only (the scan read nothing else); without ads_management it may only advise.
    capabilities: { actions: writes ? ["change_budget", "pause", "unpause", "notify"] : ["notify"], objectIds: [adAccountGraphId(s.accountId)] },
    history: s.history
      .filter((h) => h.state === "CONFIRMED" || h.state === "UNKNOWN" || h.state === "executing")
      // Budgets as numbers: the engine measures the 24-hour step from a numeric old value.
      .map((h) =>
        h.field === "daily_budget"
          ? { at: h.at, objectId: h.objectId, kind: ENGINE_KIND[h.kind], field: "daily_budget" as const, oldValue: h.oldValue === null ? "" : Number(h.oldValue), newValue: Number(h.newValue), by: h.approvedBy ?? "autopilot" }
          : { at: h.at, objectId: h.objectId, kind: ENGINE_KIND[h.kind], field: "status" as const, oldValue: h.oldValue ?? "", newValue: h.newValue, by: h.approvedBy ?? "autopilot" },
      ),
  };
}

function effectText(effect: Engine.ExpectedEffect | null, currency: string): string {
  if (!effect) return "no measurable change expected";
  const sign = (n: number) => (n >= 0 ? `+${n.toFixed(1)}` : n.toFixed(1));
  const spend = effect.spendPerDayMinor === 0 ? "same spend" : `${effect.spendPerDayMinor > 0 ? "+" : "-"}${money(Math.abs(effect.spendPerDayMinor), currency)} spend a day`;
  return `${sign(effect.conversionsPerDay)} conversions a day (80%: ${sign(effect.conversionsPerDayLow)} to ${sign(effect.conversionsPerDayHigh)}), ${spend}`;
}

/** The engine's plan as plan items; advice that writes nothing and the engine's notices become notes. */
export function fromEnginePlan(plan: Engine.Plan, snapshot: PlannerSnapshot): PlannerPlan {
  const names = new Map<string, string>([...snapshot.adSets.map((s) => [s.id, s.name] as const), ...snapshot.ads.map((a) => [a.id, a.name] as const)]);
  const items: PlanItem[] = [];
  const notes = [...plan.notices];
  for (const action of plan.actions) {
    const c = action.change;
    if (action.kind === "notify" || c.field === "none" || c.objectType === "account" || c.newValue === null) {
      notes.push(action.reason);
      continue;
    }
    const level = c.objectType === "ad" ? "ad" : "adset";
    const kind: PlannerActionKind = action.kind === "change_budget" ? "change_budget" : action.kind === "pause" ? (level === "ad" ? "pause_ad" : "pause_adset") : level === "ad" ? "resume_ad" : "resume_adset";
    items.push({
      kind,
      change: { objectType: level, objectId: c.objectId, objectName: names.get(c.objectId) ?? c.objectId, field: c.field, old: String(c.oldValue ?? ""), new: String(c.newValue) },
      // The log says what was done itself; the engine's reason starts by saying it too.
      reason: action.reason.replace(/^(Paused|Turned on|Turned|Unpaused|Resumed|Revived|Raised|Lowered|Set) '[^']*'[^:]*: /, ""),
      evidence: { rule: action.rule, ...action.evidence, engine_key: action.key, ...(plan.deferredUntil ? { deferred_until: plan.deferredUntil } : {}) },
      expectedEffect: effectText(action.expectedEffect, snapshot.currency),
    });
  }
  for (const t of plan.trimmed) {
    const which = t.guardrail === "partner_guardrail" ? `The owner's guardrail ${t.limit ?? ""}` : `Guardrail ${t.guardrail}`;
    notes.push(`${which} ${t.outcome} a change on ${names.get(t.objectId) ?? t.objectId}: ${t.detail}`);
  }
  for (const e of plan.estimates) if (e.status !== "ok" && e.note) notes.push(`${names.get(e.objectId) ?? e.objectId}: ${e.note}`);
  return { items, notes, execution: plan.execution, ...(plan.deferredUntil ? { deferredUntil: plan.deferredUntil } : {}) };
}

/** The engine as the app's planner. */
export const enginePlanner: Planner = (snapshot) => fromEnginePlan(planAccount(toEngineSnapshot(snapshot)), snapshot);
