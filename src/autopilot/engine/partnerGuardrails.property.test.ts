import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { judgeWrite, type Guardrails as HubGuardrails, type ProposedWrite } from "../../hub/guardrails/guardrailRules.ts";
import { Mulberry32 } from "../../random.ts";
import { planAccount } from "./engine.ts";
import { enforceGuardrails } from "./guardrails.ts";
import { weekdayOf } from "./partnerGuardrails.ts";
import { ACTION_KINDS, DEFAULT_GUARDRAILS, type AccountSnapshot, type AdSetSnapshot, type AdSnapshot, type DailyInsight, type PartnerLimits, type Plan, type ProposedAction } from "./types.ts";

/**
 * Autopilot plans within the owner's partner guardrails: for random limits (one or two binding
 * partners) and random accounts, every change of a plan is one the hub's own rule evaluator
 * (hub/guardrails/guardrailRules.ts, which the engine may not import) allows as it is: not refused,
 * not held. The hub judges each write with what it knows at that moment: the budget 24 hours
 * before, and the spend the partner added in those 24 hours plus the plan's earlier raises. The
 * engine is given what the app can know: a lowest budget no higher than the hub's baseline, and a
 * spend no lower than the hub's count.
 */

const DAY = 86_400_000;
const TODAY = "2026-03-20";
const dateBefore = (days: number) => new Date(Date.parse(`${TODAY}T00:00:00Z`) - days * DAY).toISOString().slice(0, 10);

/** The account's ad labels (ids); the objects carry them at random. */
const LABELS = ["901", "902", "903"] as const;

const hubRulesArb = (ids: readonly string[]) =>
  fc
    .record({
      max_daily_budget: fc.option(fc.integer({ min: 0, max: 80_000 }), { freq: 2 }),
      max_increase_percent: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 2 }),
      max_daily_increase_percent: fc.option(fc.integer({ min: 0, max: 80 }), { freq: 2 }),
      max_increase_amount: fc.option(fc.integer({ min: 0, max: 20_000 }), { freq: 2 }),
      max_daily_increase_amount: fc.option(fc.integer({ min: 0, max: 30_000 }), { freq: 2 }),
      max_daily_new_spend: fc.option(fc.integer({ min: 0, max: 40_000 }), { freq: 2 }),
      hours: fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 24 })).filter(([s, e]) => s !== e), { freq: 3 }),
      allowed_days: fc.option(fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 7 }), { freq: 3 }),
      protected_objects: fc.option(fc.subarray([...ids], { maxLength: 3 }), { freq: 3 }),
      protected_labels: fc.option(fc.subarray([...LABELS], { minLength: 1, maxLength: 2 }), { freq: 3 }),
      approval_above: fc.option(fc.integer({ min: 0, max: 70_000 }), { freq: 2 }),
    })
    .map(
      (r): HubGuardrails => ({
        max_daily_budget: r.max_daily_budget,
        max_increase_percent: r.max_increase_percent,
        max_daily_increase_percent: r.max_daily_increase_percent,
        max_increase_amount: r.max_increase_amount,
        max_daily_increase_amount: r.max_daily_increase_amount,
        max_daily_new_spend: r.max_daily_new_spend,
        allowed_hours: r.hours ? `${String(r.hours[0]).padStart(2, "0")}-${String(r.hours[1]).padStart(2, "0")}` : null,
        allowed_days: r.allowed_days ? [...r.allowed_days].sort() : null,
        protected_objects: r.protected_objects && r.protected_objects.length > 0 ? r.protected_objects : null,
        protected_labels: r.protected_labels,
        approval_above: r.approval_above,
      }),
    );

/** The hub's limits as the app hands them to the engine (the Graph's row, in the engine's terms). */
function engineLimits(business: string, g: HubGuardrails): PartnerLimits {
  const hours = g.allowed_hours?.split("-").map(Number);
  return {
    business,
    maxDailyBudgetMinor: g.max_daily_budget,
    maxIncreasePercent: g.max_increase_percent,
    maxDailyIncreasePercent: g.max_daily_increase_percent,
    maxIncreaseMinor: g.max_increase_amount,
    maxDailyIncreaseMinor: g.max_daily_increase_amount,
    maxDailyNewSpendMinor: g.max_daily_new_spend,
    allowedHours: hours ? { startHour: hours[0]!, endHour: hours[1]! } : null,
    allowedDays: g.allowed_days,
    protectedObjectIds: g.protected_objects ?? [],
    protectedLabelIds: g.protected_labels ?? [],
    approvalAboveMinor: g.approval_above,
  };
}

interface World {
  snapshot: AccountSnapshot;
  rules: HubGuardrails[];
  /** The hub's baseline per ad set: the budget 24 hours ago. */
  dayAgo: Map<string, number>;
  /** The spend the hub counts for the partner in the last 24 hours. */
  newSpend: number;
  /** The ad labels each object carries. */
  labels: Record<string, string[]>;
}

const worldArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    budgets: fc.array(fc.integer({ min: 300, max: 60_000 }), { minLength: 1, maxLength: 5 }),
    targetCpa: fc.integer({ min: 300, max: 12_000 }),
    mode: fc.constantFrom("semi_auto" as const, "autopilot" as const),
    step: fc.double({ min: 0.05, max: 1, noNaN: true }),
    hour: fc.integer({ min: 0, max: 23 }),
    day: fc.integer({ min: 0, max: 6 }),
    partners: fc.integer({ min: 1, max: 2 }),
    newSpend: fc.integer({ min: 0, max: 30_000 }),
    overCount: fc.option(fc.integer({ min: 0, max: 10_000 })),
    historyUnknown: fc.integer({ min: 0, max: 9 }),
    labelsUnknown: fc.integer({ min: 0, max: 9 }),
  })
  .chain((p) => {
    const ids = ["c1", ...p.budgets.map((_, i) => `s${i}`), ...p.budgets.map((_, i) => `s${i}_a0`)];
    return fc.tuple(fc.constant(p), fc.array(hubRulesArb(ids), { minLength: p.partners, maxLength: p.partners }));
  })
  .map(([p, rules]): World => {
    const rng = new Mulberry32(p.seed);
    const today = dateBefore(-((p.day - weekdayOf(TODAY) + 7) % 7));
    const adSets: AdSetSnapshot[] = [];
    const ads: AdSnapshot[] = [];
    const insights: DailyInsight[] = [];
    const dayAgo = new Map<string, number>();
    const dayLow: Record<string, number> = {};
    p.budgets.forEach((budget, s) => {
      const id = `s${s}`;
      adSets.push({ id, campaignId: "c1", name: id, status: "ACTIVE", budget: { kind: "daily", amountMinor: budget } });
      // Someone changed it within the last 24 hours: the hub measures from what it was before.
      if (rng.chance(0.5)) {
        const then = Math.max(1, Math.round(budget * rng.between(0.4, 1.6)));
        dayAgo.set(id, then);
        dayLow[id] = Math.min(then, budget, rng.chance(0.3) ? Math.round(then * rng.between(0.5, 1)) : then);
      }
      for (let k = 0; k < 2; k++) {
        const adId = `${id}_a${k}`;
        ads.push({ id: adId, adSetId: id, name: adId, status: "ACTIVE", reviewStatus: "APPROVED" });
        const rate = rng.logBetween(1 / 5_000, 1 / 300);
        for (let age = 0; age < 21; age++) {
          const spend = rng.int(0, Math.round(budget / 2));
          const conversions = rng.poisson(spend * rate);
          insights.push({ adId, date: dateBefore(age), impressions: Math.round(spend / 8), clicks: rng.poisson(spend / 700), spendMinor: spend, conversions, revenueMinor: conversions * 4000 });
        }
      }
    });
    // Some objects carry ad labels (the campaign, ad sets and ads alike).
    const labels: Record<string, string[]> = {};
    for (const id of ["c1", ...adSets.map((x) => x.id), ...ads.map((x) => x.id)]) {
      const carried = LABELS.filter(() => rng.chance(0.15));
      if (carried.length > 0) labels[id] = [...carried];
    }
    const sum = p.budgets.reduce((a, b) => a + b, 0);
    const snapshot: AccountSnapshot = {
      accountId: "act_9",
      currency: "USD",
      clock: { now: Date.parse(`${today}T${String(p.hour).padStart(2, "0")}:30:00Z`), today, hour: p.hour },
      campaigns: [{ id: "c1", name: "One", status: "ACTIVE" }],
      adSets,
      ads,
      insights,
      guardrails: { ...DEFAULT_GUARDRAILS, mode: p.mode, targetCpaMinor: p.targetCpa, dailyBudgetCapMinor: sum * 3, maxChangePerStep: p.step, cooldownMinutes: 0 },
      capabilities: { actions: ACTION_KINDS, objectIds: ["act_9"] },
      history: [],
      partnerGuardrails: {
        limits: rules.map((r, i) => engineLimits(`partner${i}`, r)),
        dayLowMinor: p.historyUnknown === 0 ? null : dayLow,
        newSpendLast24hMinor: p.overCount === null ? null : p.newSpend + p.overCount,
        // Now and then the labels could not be read.
        labelsOf: p.labelsUnknown === 0 ? null : labels,
      },
    };
    return { snapshot, rules, dayAgo, newSpend: p.newSpend, labels };
  });

/** Every write of the plan, judged by the hub one after the other, as the app would make them. */
function hubAllowsEveryWrite(world: World, actions: readonly ProposedAction[], execution: Plan["execution"]): void {
  const { snapshot } = world;
  const localDay = weekdayOf(snapshot.clock.today);
  let added = 0;
  for (const a of actions) {
    if (a.kind === "notify") continue;
    const id = a.change.objectId;
    const ad = snapshot.ads.find((x) => x.id === id);
    const adSetId = ad ? ad.adSetId : id;
    const campaignId = snapshot.adSets.find((s) => s.id === adSetId)!.campaignId;
    const old = a.change.oldValue;
    const next = a.change.newValue;
    const budget = a.kind === "change_budget" && typeof old === "number" && typeof next === "number" ? { kind: "daily" as const, before: old, after: next, days: 1, dayAgo: next > old ? (world.dayAgo.get(id) ?? old) : null } : undefined;
    const touches = ad ? [id, adSetId, campaignId] : [id, campaignId];
    const carried = touches.flatMap((on) => (world.labels[on] ?? []).map((labelId) => ({ id: labelId, name: `Label ${labelId}`, on })));
    const write: ProposedWrite = { label: `Ad set ${id}`, currency: "USD", localHour: snapshot.clock.hour, localDay, touches, labels: carried, ...(budget ? { budget } : {}), newSpendToday: world.newSpend + added };
    for (const rules of world.rules) {
      // Outside the allowed hours and days nothing may be applied now; the rest must hold whenever it is.
      const judged = execution === "apply" ? rules : { ...rules, allowed_hours: null, allowed_days: null };
      expect(judgeWrite(judged, write), JSON.stringify({ rules, write })).toEqual({ kind: "allowed" });
    }
    if (budget && budget.after > budget.before) added += budget.after - budget.before;
  }
}

function windowOpen(world: World): boolean {
  const day = weekdayOf(world.snapshot.clock.today);
  const hour = world.snapshot.clock.hour;
  return world.rules.every((r) => {
    if (r.allowed_days !== null && !r.allowed_days.includes(day)) return false;
    if (r.allowed_hours === null) return true;
    const [start, end] = r.allowed_hours.split("-").map(Number) as [number, number];
    return start < end ? hour >= start && hour < end : hour >= start || hour < end;
  });
}

describe("Autopilot's plans within the owner's partner guardrails", () => {
  it("no planned change is one the hub would refuse or hold, and nothing is applied outside the allowed hours and days", () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const plan = planAccount(world.snapshot);
        hubAllowsEveryWrite(world, plan.actions, plan.execution);
        if (!windowOpen(world)) expect(plan.execution).not.toBe("apply");
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it("the final check turns any raise, pause or resume into one the hub allows, and says why it cut one", () => {
    const wild = (snapshot: AccountSnapshot) =>
      fc.array(fc.record({ target: fc.integer({ min: 0, max: snapshot.adSets.length + snapshot.ads.length - 1 }), factor: fc.double({ min: 0.5, max: 4, noNaN: true }) }), { maxLength: 8 });
    fc.assert(
      fc.property(
        worldArb.chain((world) => fc.tuple(fc.constant(world), wild(world.snapshot))),
        ([world, raw]) => {
          const snapshot = { ...world.snapshot, guardrails: { ...world.snapshot.guardrails, maxChangePerStep: 10, dailyBudgetCapMinor: null, mode: "semi_auto" as const } };
          const proposed: ProposedAction[] = raw.map((r, i) => {
            const set = r.target < snapshot.adSets.length ? snapshot.adSets[r.target]! : undefined;
            const ad = set ? undefined : snapshot.ads[r.target - snapshot.adSets.length]!;
            const change = set
              ? { objectType: "ad_set" as const, objectId: set.id, field: "daily_budget" as const, oldValue: set.budget.amountMinor, newValue: Math.max(1, Math.round(set.budget.amountMinor * r.factor)) }
              : { objectType: "ad" as const, objectId: ad!.id, field: "status" as const, oldValue: "ACTIVE", newValue: "PAUSED" };
            return { key: `k${i}`, kind: set ? "change_budget" : "pause", rule: "reallocate", change, reason: "test", evidence: { windowDays: 7, spendMinor: 0, conversions: 0, conversionsLagAdjusted: 0, revenueMinor: 0, cpaMinor: null, roas: null, probability: null, probabilityOf: null }, expectedEffect: null };
          });
          const checked = enforceGuardrails(snapshot, proposed);
          hubAllowsEveryWrite({ ...world, snapshot }, checked.actions, checked.execution);
          for (const a of checked.actions) {
            const original = proposed.find((p) => p.key === a.key)!;
            if (a.change.newValue !== original.change.newValue) expect(a.reason).toMatch(/^test \(cut to \$[\d,.]+: the (owner|budget|spend)/);
          }
          for (const t of checked.trimmed.filter((x) => x.guardrail === "partner_guardrail")) expect(t.detail).toContain(`(${t.limit})`);
        },
      ),
      { numRuns: 1000, seed: 17 },
    );
  });
});
