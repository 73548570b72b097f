import type { AccountSnapshot, ActionKind, Guardrails, PlannedChange } from "./planner.ts";
import { ACTION_KINDS, DEFAULT_GUARDRAILS } from "./planner.ts";
import { z } from "zod";

const HOUR_MS = 3_600_000;

export const guardrailsSchema = z
  .object({
    cpaTarget: z.number().positive().optional(),
    roasTarget: z.number().positive().optional(),
    dailyCap: z.number().int().positive().optional(),
    monthlyCap: z.number().int().positive().optional(),
    maxStepPct: z.number().positive().max(100).default(DEFAULT_GUARDRAILS.maxStepPct),
    maxBudgetChangesPerHour: z.number().int().min(1).max(4).default(DEFAULT_GUARDRAILS.maxBudgetChangesPerHour),
    cooldownMinutes: z.number().int().min(0).max(10_080).optional(),
    allowedActions: z.array(z.enum(ACTION_KINDS)).default([...ACTION_KINDS]),
    quietHours: z.object({ start: z.number().int().min(0).max(23), end: z.number().int().min(0).max(23) }).optional(),
  })
  .strict();

/** True when the advertiser set at least one spending cap; without one autopilot mode does not start. */
export function hasCaps(g: Guardrails): boolean {
  return g.dailyCap !== undefined || g.monthlyCap !== undefined;
}

export function inQuietHours(g: Guardrails, now: number): boolean {
  if (!g.quietHours) return false;
  const hour = new Date(now).getUTCHours();
  const { start, end } = g.quietHours;
  return start <= end ? hour >= start && hour < end : hour >= start || hour < end;
}

export interface GuardrailContext {
  snapshot: Pick<AccountSnapshot, "adSets" | "daily" | "lastDate">;
  /** Budget changes already made (or in flight) per ad set, with their times. */
  recentBudgetChanges: { objectId: string; at: number }[];
  now: number;
  /** Whether a person approved it (quiet hours only hold back automatic changes). */
  approvedByPerson: boolean;
}

/**
 * The last check before a write, whatever proposed it: the kind is allowed, a budget moves at most
 * the step, at most N times an hour, the account stays under its daily and monthly caps, and nothing
 * automatic happens in quiet hours. Returns the reasons it may not go ahead (empty = go).
 */
export function guardrailViolations(g: Guardrails, kind: ActionKind, change: PlannedChange, ctx: GuardrailContext): string[] {
  const problems: string[] = [];
  if (!g.allowedActions.includes(kind)) problems.push(`${kind.replace(/_/g, " ")} is not among the actions you allowed`);
  if (!ctx.approvedByPerson && inQuietHours(g, ctx.now)) problems.push(`it is within your quiet hours (${g.quietHours!.start}:00–${g.quietHours!.end}:00 UTC)`);
  if (change.field === "daily_budget") {
    const oldValue = Number(change.old);
    const newValue = Number(change.new);
    if (!Number.isFinite(newValue) || newValue <= 0) problems.push("the new budget must be a positive amount");
    if (oldValue > 0) {
      const step = (Math.abs(newValue - oldValue) / oldValue) * 100;
      if (step > g.maxStepPct + 1e-9) problems.push(`a ${step.toFixed(1)}% change is more than your ${g.maxStepPct}% maximum step`);
    }
    const lastHour = ctx.recentBudgetChanges.filter((c) => c.objectId === change.objectId && c.at > ctx.now - HOUR_MS).length;
    if (lastHour >= g.maxBudgetChangesPerHour) problems.push(`the ad set already had ${lastHour} budget changes in the last hour (limit ${g.maxBudgetChangesPerHour})`);
    const active = ctx.snapshot.adSets.filter((s) => s.status === "ACTIVE" || s.id === change.objectId);
    const totalAfter = active.reduce((sum, s) => sum + (s.id === change.objectId ? newValue : (s.dailyBudget ?? 0)), 0);
    if (newValue > oldValue && g.dailyCap !== undefined && totalAfter > g.dailyCap) {
      problems.push(`daily budgets would total ${(totalAfter / 100).toFixed(2)}, over your daily cap of ${(g.dailyCap / 100).toFixed(2)}`);
    }
    if (newValue > oldValue && g.monthlyCap !== undefined) {
      const month = ctx.snapshot.lastDate.slice(0, 7);
      const spent = ctx.snapshot.daily.filter((d) => d.date.startsWith(month)).reduce((s, d) => s + d.spend, 0);
      const last = new Date(`${ctx.snapshot.lastDate}T00:00:00Z`);
      const daysInMonth = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() + 1, 0)).getUTCDate();
      const daysLeft = daysInMonth - last.getUTCDate();
      const projected = spent + totalAfter * daysLeft;
      if (projected > g.monthlyCap) {
        problems.push(`the month would reach ${(projected / 100).toFixed(2)} at these budgets, over your monthly cap of ${(g.monthlyCap / 100).toFixed(2)}`);
      }
    }
  }
  return problems;
}
