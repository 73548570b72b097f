/**
 * The Autopilot decision engine: one pure call from an account snapshot to a checked plan.
 *
 *   const plan = planAccount(snapshot);
 *   // plan.execution: "apply" (autopilot may write now), "approval" (queue each action), "none"
 *   // plan.actions[i].change: { objectType, objectId, field, oldValue, newValue }
 *   // plan.actions[i].reason / evidence / expectedEffect: what to show and log
 *
 * Deterministic: the Thompson draws are seeded by the account, the day and the hour, so the same
 * snapshot always gives the same plan (and a plan can be re-derived when auditing it).
 */
import { calibrate, presentEstimates } from "./calibration.ts";
import { decide } from "./decide.ts";
import { enforceGuardrails } from "./guardrails.ts";
import { DEFAULT_SETTINGS, type EngineSettings } from "./settings.ts";
import { seededRng } from "./stats.ts";
import type { AccountSnapshot, Plan } from "./types.ts";

export interface PlanOptions {
  settings?: Partial<EngineSettings>;
  /** Leave per-object estimates out of the plan (large accounts, batch runs). */
  omitEstimates?: boolean;
}

export function planAccount(snapshot: AccountSnapshot, options: PlanOptions = {}): Plan {
  const settings = options.settings ? { ...DEFAULT_SETTINGS, ...options.settings } : DEFAULT_SETTINGS;
  const cal = calibrate(snapshot, settings);
  const rng = seededRng("autopilot", snapshot.accountId, snapshot.clock.today, snapshot.clock.hour);
  const proposed = decide(snapshot, cal, rng);
  const checked = enforceGuardrails(snapshot, proposed, { legacyMonthPacing: settings.legacyMonthPacing });
  return {
    accountId: snapshot.accountId,
    generatedAt: snapshot.clock.now,
    mode: snapshot.guardrails.mode,
    execution: checked.execution,
    notices: checked.notices,
    actions: checked.actions,
    trimmed: checked.trimmed,
    estimates: options.omitEstimates ? [] : presentEstimates(cal),
    ...(checked.deferredUntil ? { deferredUntil: checked.deferredUntil } : {}),
  };
}
