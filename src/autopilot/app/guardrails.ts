import { z } from "zod";
import { capsConfigured, enforceGuardrails } from "../engine/guardrails.ts";
import { partnerWindowClosed } from "../engine/partnerGuardrails.ts";
import type * as Engine from "../engine/types.ts";
import { exactMoney } from "./actionLog.ts";
import { ENGINE_KIND, toEngineGuardrails, toEngineSnapshot } from "./engineAdapter.ts";
import type { PlannerSnapshot, PlannerActionKind, PlannerGuardrails, PlannedChange } from "./planner.ts";
import { PLANNER_ACTION_KINDS, DEFAULT_PLANNER_GUARDRAILS } from "./planner.ts";

export const guardrailsSchema = z
  .object({
    cpaTarget: z.number().positive().optional(),
    roasTarget: z.number().positive().optional(),
    dailyCap: z.number().int().positive().optional(),
    monthlyCap: z.number().int().positive().optional(),
    maxStepPct: z.number().positive().max(100).default(DEFAULT_PLANNER_GUARDRAILS.maxStepPct),
    maxBudgetChangesPerHour: z.number().int().min(1).max(4).default(DEFAULT_PLANNER_GUARDRAILS.maxBudgetChangesPerHour),
    cooldownMinutes: z.number().int().min(0).max(10_080).optional(),
    allowedActions: z.array(z.enum(PLANNER_ACTION_KINDS)).default([...PLANNER_ACTION_KINDS]),
    quietHours: z.object({ start: z.number().int().min(0).max(23), end: z.number().int().min(0).max(23) }).optional(),
  })
  .strict();

/** True when the advertiser set at least one spending cap; without one autopilot mode does not start. */
export function hasCaps(g: PlannerGuardrails): boolean {
  return capsConfigured(toEngineGuardrails(g));
}

export interface GuardrailContext {
  /** The account as it is now (the latest scan with confirmed changes applied), with its action history. */
  snapshot: PlannerSnapshot;
  now: number;
  /** Whether a person approved it: quiet hours and cooldowns only hold back automatic changes. */
  approvedByPerson: boolean;
  /** Restoring a value the object had (undo) is not a new step: the step limit does not apply. */
  skipStepLimit?: boolean;
}

/**
 * The last check before a write, whatever proposed it: the engine's guardrail check (the one
 * source of truth for allowed actions, capabilities, cooldowns, step and hourly limits and the
 * daily and monthly caps, and the owner's partner guardrails) run on a plan of this one change.
 * Anything the engine would drop or cut is a reason not to write it as asked. Returns those reasons in plain language (empty = go).
 */
export function guardrailViolations(kind: PlannerActionKind, change: PlannedChange, ctx: GuardrailContext): string[] {
  const g = ctx.snapshot.guardrails;
  // The engine knows coarser kinds (pausing an ad or an ad set is one "pause"); allow only this one.
  const guardrails: PlannerGuardrails = {
    ...g,
    allowedActions: g.allowedActions.filter((k) => k === kind),
    ...(ctx.approvedByPerson ? { cooldownMinutes: 0 } : {}),
    ...(ctx.skipStepLimit ? { maxStepPct: Number.POSITIVE_INFINITY } : {}),
  };
  const snapshot = toEngineSnapshot({ ...ctx.snapshot, guardrails, now: ctx.now, mode: ctx.approvedByPerson ? "semi_auto" : "autopilot" });
  const budget = change.field === "daily_budget";
  const action: Engine.ProposedAction = {
    key: "check",
    kind: ENGINE_KIND[kind],
    rule: budget ? "reallocate" : kind.startsWith("pause") ? "pause_over_target" : "revive",
    change: {
      objectType: change.objectType === "ad" ? "ad" : "ad_set",
      objectId: change.objectId,
      field: change.field,
      oldValue: budget ? Number(change.old) : change.old,
      newValue: budget ? Number(change.new) : change.new,
    },
    reason: "",
    evidence: { windowDays: 0, spendMinor: 0, conversions: 0, conversionsLagAdjusted: 0, revenueMinor: 0, cpaMinor: null, roas: null, probability: null, probabilityOf: null },
    expectedEffect: null,
  };
  const checked = enforceGuardrails(snapshot, [action]);
  // An object newer than the scan (or one the token never reached) is not in the snapshot; the
  // live read before the write and the hub's own access check decide on it, not a guess here.
  const known = ctx.snapshot.adSets.some((s) => s.id === change.objectId) || ctx.snapshot.ads.some((a) => a.id === change.objectId);
  const problems = checked.trimmed.filter((t) => known || t.guardrail !== "invalid").map((t) => describeTrim(t, kind, change, guardrails, ctx.snapshot.currency));
  if (budget && (!Number.isFinite(Number(change.new)) || Number(change.new) <= 0) && problems.length === 0) problems.push("the new budget must be a positive amount");
  if (!ctx.approvedByPerson && checked.execution !== "apply") problems.push(...checked.notices);
  // The owner's allowed hours and days bind a person's approval too: the hub would refuse the write.
  const closed = partnerWindowClosed(snapshot);
  if (closed) problems.push(closed.notice);
  return [...new Set(problems)];
}

function describeTrim(t: Engine.TrimRecord, kind: PlannerActionKind, change: PlannedChange, g: PlannerGuardrails, currency: string): string {
  switch (t.guardrail) {
    case "allowed_actions":
      return `${kind.replace(/_/g, " ")} is not among the actions you allowed`;
    case "kill_switch":
      return "the kill switch is on";
    case "step_limit": {
      const step = (Math.abs(Number(change.new) - Number(change.old)) / Number(change.old)) * 100;
      return step > g.maxStepPct + 1e-9
        ? `a ${step.toFixed(1)}% change is more than your ${g.maxStepPct}% maximum step`
        : `with the changes of the last 24 hours it would move the budget more than your ${g.maxStepPct}% maximum step`;
    }
    case "hourly_limit":
      return `the ad set already had ${g.maxBudgetChangesPerHour} budget changes in the last hour (limit ${g.maxBudgetChangesPerHour})`;
    case "cooldown":
      return `it changed less than ${g.cooldownMinutes ?? 720} minutes ago (your cooldown between automatic changes)`;
    case "daily_cap":
      return `the account's daily budgets would go over your daily cap of ${exactMoney(g.dailyCap ?? 0, currency)}`;
    case "monthly_cap":
      return `the account's spend this month would go over your monthly cap of ${exactMoney(g.monthlyCap ?? 0, currency)}`;
    default:
      return t.detail.replace(/\.$/, "");
  }
}
