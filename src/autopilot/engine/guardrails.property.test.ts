import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Mulberry32 } from "../../random.ts";
import { planAccount } from "./engine.ts";
import { enforceGuardrails } from "./guardrails.ts";
import { ACTION_KINDS, DEFAULT_GUARDRAILS, type AccountSnapshot, type ActionKind, type ActionRecord, type AdSetSnapshot, type AdSnapshot, type DailyInsight, type Plan, type ProposedAction } from "./types.ts";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const TODAY = "2026-03-20";
const NOW = Date.parse(`${TODAY}T21:00:00Z`);
const dateBefore = (days: number) => new Date(Date.parse(`${TODAY}T00:00:00Z`) - days * DAY).toISOString().slice(0, 10);

/** A random account: ad sets with daily or lifetime budgets, ads, 21 days of insights, history, guardrails and capabilities. */
const accountArb = fc
  .record({
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    sets: fc.array(fc.record({ budget: fc.integer({ min: 300, max: 60_000 }), ads: fc.integer({ min: 1, max: 4 }), lifetime: fc.boolean(), paused: fc.boolean() }), { minLength: 1, maxLength: 7 }),
    targetCpa: fc.option(fc.integer({ min: 300, max: 12_000 })),
    targetRoas: fc.option(fc.double({ min: 0.3, max: 6, noNaN: true })),
    dailyCapRatio: fc.option(fc.double({ min: 0.5, max: 1.4, noNaN: true }), { freq: 5 }),
    monthlyCapRatio: fc.option(fc.double({ min: 5, max: 40, noNaN: true }), { freq: 5 }),
    step: fc.double({ min: 0.01, max: 0.6, noNaN: true }),
    perHour: fc.integer({ min: 1, max: 4 }),
    cooldown: fc.integer({ min: 0, max: 24 * 60 }),
    // Weighted toward permissive settings so that the limits behind them get exercised.
    allowed: fc.oneof(fc.constant([...ACTION_KINDS]), fc.subarray([...ACTION_KINDS])),
    capActions: fc.oneof(fc.constant([...ACTION_KINDS]), fc.subarray([...ACTION_KINDS])),
    capShare: fc.double({ min: 0, max: 1, noNaN: true }),
    wholeAccount: fc.oneof(fc.constant(true), fc.boolean()),
    historyCount: fc.integer({ min: 0, max: 12 }),
    burst: fc.integer({ min: 0, max: 4 }),
    mode: fc.constantFrom("semi_auto" as const, "autopilot" as const, "autopilot" as const, "dry_run" as const),
    kill: fc.integer({ min: 0, max: 19 }),
    hour: fc.integer({ min: 0, max: 23 }),
  })
  .map((p): AccountSnapshot => {
    const rng = new Mulberry32(p.seed);
    const adSets: AdSetSnapshot[] = [];
    const ads: AdSnapshot[] = [];
    const insights: DailyInsight[] = [];
    p.sets.forEach((spec, s) => {
      const id = `s${s}`;
      adSets.push({
        id,
        campaignId: s % 2 === 0 ? "c1" : "c2",
        name: id,
        status: spec.paused && rng.chance(0.5) ? "PAUSED" : "ACTIVE",
        budget: spec.lifetime ? { kind: "lifetime", amountMinor: spec.budget * 30, spentMinor: rng.int(0, spec.budget * 20), endDate: dateBefore(-rng.int(-2, 20)) } : { kind: "daily", amountMinor: spec.budget },
      });
      for (let k = 0; k < spec.ads; k++) {
        const adId = `${id}_a${k}`;
        const ad: AdSnapshot = { id: adId, adSetId: id, name: adId, status: rng.chance(0.8) ? "ACTIVE" : "PAUSED", reviewStatus: rng.chance(0.9) ? "APPROVED" : "DISAPPROVED" };
        // Some accounts run link checks: landing pages down now and on some recent days.
        if (rng.chance(0.4)) ad.linkCheck = { down: rng.chance(0.4), downDates: [0, 1, 2, 3, 4].filter(() => rng.chance(0.3)).map(dateBefore) };
        ads.push(ad);
        const rate = rng.logBetween(1 / 20_000, 1 / 300);
        for (let age = 0; age < 21; age++) {
          const spend = rng.int(0, Math.round(spec.budget / spec.ads) * 1.25);
          const conversions = rng.poisson(spend * rate * (age < 7 ? 0.5 + age * 0.07 : 1));
          const impressions = Math.round(spend / 8);
          insights.push({ adId, date: dateBefore(age), impressions, reach: Math.round(impressions / 1.3), clicks: rng.poisson(impressions * 0.012), spendMinor: spend, conversions, revenueMinor: conversions * rng.int(1000, 9000) });
        }
      }
    });
    const objects = ["c1", "c2", ...adSets.map((s) => s.id), ...ads.map((a) => a.id)];
    const history: ActionRecord[] = [];
    for (let h = 0; h < p.historyCount; h++) {
      const set = adSets[rng.int(0, adSets.length - 1)]!;
      if (rng.chance(0.6) && set.budget.kind === "daily") {
        const old = Math.round(set.budget.amountMinor * rng.between(0.6, 1.4));
        history.push({ at: NOW - rng.int(0, 30) * HOUR - rng.int(0, 59) * 60_000, objectId: set.id, kind: "change_budget", field: "daily_budget", oldValue: old, newValue: set.budget.amountMinor, by: rng.chance(0.7) ? "autopilot" : "person:1" });
      } else {
        const ad = ads[rng.int(0, ads.length - 1)]!;
        history.push({ at: NOW - rng.int(0, 72) * HOUR, objectId: ad.id, kind: ad.status === "PAUSED" ? "pause" : "unpause", field: "status", oldValue: ad.status === "PAUSED" ? "ACTIVE" : "PAUSED", newValue: ad.status, by: rng.chance(0.7) ? "autopilot" : "person:1" });
      }
    }
    // A burst of recent budget changes on one ad set, for the hourly limit.
    const bursty = adSets.find((s) => s.budget.kind === "daily");
    if (bursty && bursty.budget.kind === "daily") {
      for (let k = 0; k < p.burst; k++) history.push({ at: NOW - rng.int(1, 50) * 60_000, objectId: bursty.id, kind: "change_budget", field: "daily_budget", oldValue: bursty.budget.amountMinor, newValue: bursty.budget.amountMinor, by: "autopilot" });
    }
    const sum = adSets.reduce((x, s) => x + (s.budget.kind === "daily" ? s.budget.amountMinor : s.budget.amountMinor / 30), 0);
    return {
      accountId: "act_9",
      currency: "USD",
      clock: { now: NOW, today: TODAY, hour: p.hour },
      campaigns: [
        { id: "c1", name: "One", status: "ACTIVE" },
        { id: "c2", name: "Two", status: rng.chance(0.8) ? "ACTIVE" : "PAUSED" },
      ],
      adSets,
      ads,
      insights,
      guardrails: {
        ...DEFAULT_GUARDRAILS,
        mode: p.mode,
        targetCpaMinor: p.targetCpa,
        targetRoas: p.targetRoas,
        dailyBudgetCapMinor: p.dailyCapRatio === null ? null : Math.round(sum * p.dailyCapRatio),
        monthlyBudgetCapMinor: p.monthlyCapRatio === null ? null : Math.round(sum * p.monthlyCapRatio),
        maxChangePerStep: p.step,
        maxBudgetChangesPerHour: p.perHour,
        cooldownMinutes: p.burst > 0 && p.hour % 2 === 0 ? 0 : p.cooldown,
        allowedActions: p.allowed,
        quietHours: p.hour % 3 === 0 ? { startHour: 22, endHour: 6 } : null,
        killSwitch: p.kill === 0,
      },
      capabilities: { actions: p.capActions, objectIds: p.wholeAccount ? ["act_9"] : objects.filter(() => rng.uniform() < p.capShare) },
      history,
    };
  });

// ---- The reference model: the rules written out plainly, independent of the engine's code. ----

function mayWrite(snapshot: AccountSnapshot, objectId: string): boolean {
  const ids = new Set(snapshot.capabilities.objectIds);
  const ad = snapshot.ads.find((a) => a.id === objectId);
  const setId = ad ? ad.adSetId : objectId;
  const set = snapshot.adSets.find((s) => s.id === setId);
  return ids.has(snapshot.accountId) || ids.has(objectId) || ids.has(setId) || (set !== undefined && ids.has(set.campaignId));
}

function liveBudgetSum(snapshot: AccountSnapshot, actions: readonly ProposedAction[]): number {
  const status = new Map(snapshot.ads.map((a) => [a.id, a.status as string]));
  const budgets = new Map<string, number>();
  for (const a of actions) {
    if (a.kind === "pause" || a.kind === "unpause") status.set(a.change.objectId, a.change.newValue as string);
    if (a.kind === "change_budget") budgets.set(a.change.objectId, a.change.newValue as number);
  }
  const today = Date.parse(`${TODAY}T00:00:00Z`) / DAY;
  let total = 0;
  for (const s of snapshot.adSets) {
    const campaign = snapshot.campaigns.find((c) => c.id === s.campaignId)!;
    const live = snapshot.ads.some((a) => a.adSetId === s.id && status.get(a.id) === "ACTIVE" && a.reviewStatus === "APPROVED");
    if (s.status !== "ACTIVE" || campaign.status !== "ACTIVE" || !live) continue;
    if (s.budget.kind === "daily") total += budgets.get(s.id) ?? s.budget.amountMinor;
    else {
      const left = Date.parse(`${s.budget.endDate}T00:00:00Z`) / DAY - today + 1;
      total += left > 0 ? Math.max(0, s.budget.amountMinor - s.budget.spentMinor) / left : 0;
    }
  }
  return total;
}

function checkAgainstModel(snapshot: AccountSnapshot, actions: readonly ProposedAction[]): void {
  const g = snapshot.guardrails;
  if (g.killSwitch) expect(actions).toEqual([]);
  const touched = new Set<string>();
  for (const a of actions) {
    const id = a.change.objectId;
    expect(g.allowedActions).toContain(a.kind);
    expect(snapshot.capabilities.actions).toContain(a.kind);
    expect(mayWrite(snapshot, id)).toBe(true);
    if (a.kind === "notify") continue;
    expect(touched.has(id)).toBe(false);
    touched.add(id);
    const records = snapshot.history.filter((r) => r.objectId === id && r.at <= NOW);
    expect(records.some((r) => r.kind !== "notify" && r.at > NOW - g.cooldownMinutes * 60_000)).toBe(false);
    if (a.kind === "change_budget") {
      const set = snapshot.adSets.find((s) => s.id === id)!;
      expect(set.budget.kind).toBe("daily");
      const current = set.budget.amountMinor;
      expect(a.change.oldValue).toBe(current);
      const next = a.change.newValue as number;
      expect(Number.isInteger(next) && next > 0).toBe(true);
      const lastDay = records.filter((r) => r.field === "daily_budget" && r.at > NOW - 24 * HOUR).sort((x, y) => x.at - y.at);
      const ref = lastDay.length > 0 ? (lastDay[0]!.oldValue as number) : current;
      expect(Math.abs(next - ref)).toBeLessThanOrEqual(g.maxChangePerStep * ref + 1e-9);
      expect(records.filter((r) => r.field === "daily_budget" && r.at > NOW - HOUR).length).toBeLessThan(g.maxBudgetChangesPerHour);
    } else {
      const ad = snapshot.ads.find((x) => x.id === id)!;
      expect(ad.status).toBe(a.kind === "pause" ? "ACTIVE" : "PAUSED");
    }
  }
  // Caps: a plan never takes the account past a cap, and never further past one it is already over.
  const before = liveBudgetSum(snapshot, []);
  const after = liveBudgetSum(snapshot, actions);
  const month = snapshot.insights.filter((r) => r.date.startsWith(TODAY.slice(0, 7))).reduce((x, r) => x + r.spendMinor, 0);
  // March 20th: month-to-date spend includes today's, so what is left covers the 11 days after today
  // and today's hours not yet spent.
  const daysToCome = 11 + Math.max(0, 23 - snapshot.clock.hour) / 24;
  const limits = [g.dailyBudgetCapMinor ?? Infinity, g.monthlyBudgetCapMinor === null ? Infinity : (g.monthlyBudgetCapMinor - month) / daysToCome];
  for (const limit of limits) if (after > before) expect(after).toBeLessThanOrEqual(limit + 1e-6);
}

function checkPlan(snapshot: AccountSnapshot, plan: Plan): void {
  checkAgainstModel(snapshot, plan.actions);
  const g = snapshot.guardrails;
  if (g.mode === "autopilot" && g.dailyBudgetCapMinor === null && g.monthlyBudgetCapMinor === null) expect(plan.execution).not.toBe("apply");
  if (g.killSwitch || g.mode === "dry_run") expect(plan.execution).toBe("none");
  if (g.quietHours && (snapshot.clock.hour >= 22 || snapshot.clock.hour < 6)) expect(plan.execution).not.toBe("apply");
}

describe("guardrails, for random accounts, targets and caps", () => {
  it("no plan exceeds a cap, a step limit or a cooldown, or acts where capabilities do not allow", () => {
    fc.assert(
      fc.property(accountArb, (snapshot) => checkPlan(snapshot, planAccount(snapshot))),
      { numRuns: 300, seed: 6 },
    );
  });

  it("the engine only turns back on ads it paused itself, and never stops an ad set's last running ad", () => {
    fc.assert(
      fc.property(accountArb, (snapshot) => {
        const actions = planAccount(snapshot).actions;
        for (const a of actions.filter((x) => x.kind === "unpause")) {
          const last = snapshot.history.filter((r) => r.objectId === a.change.objectId && r.field === "status").sort((x, y) => x.at - y.at).at(-1);
          expect(last).toMatchObject({ by: "autopilot", newValue: "PAUSED" });
        }
        const status = new Map(snapshot.ads.map((ad) => [ad.id, ad.status as string]));
        for (const a of actions) if (a.kind === "pause" || a.kind === "unpause") status.set(a.change.objectId, a.change.newValue as string);
        for (const set of snapshot.adSets) {
          const running = (st: Map<string, string> | null) => snapshot.ads.filter((ad) => ad.adSetId === set.id && ad.reviewStatus === "APPROVED" && (st ? st.get(ad.id) : ad.status) === "ACTIVE").length;
          if (running(null) > 0) expect(running(status)).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300, seed: 8 },
    );
  });

  it("the final check turns any proposed plan, however wild, into one that keeps every rule", () => {
    const wild = (snapshot: AccountSnapshot) =>
      fc.array(
        fc.record({
          kind: fc.constantFrom<ActionKind>("change_budget", ...ACTION_KINDS),
          // Often the first daily ad set, the one with the burst of recent changes.
          target: fc.oneof(fc.constant(Math.max(0, snapshot.adSets.findIndex((s) => s.budget.kind === "daily"))), fc.integer({ min: 0, max: snapshot.adSets.length + snapshot.ads.length - 1 })),
          factor: fc.double({ min: 0, max: 4, noNaN: true }),
        }),
        { maxLength: 20 },
      );
    fc.assert(
      fc.property(
        accountArb.chain((snapshot) => fc.tuple(fc.constant(snapshot), wild(snapshot))),
        ([snapshot, raw]) => {
          const proposed: ProposedAction[] = raw.map((r, i) => {
            const set = r.target < snapshot.adSets.length ? snapshot.adSets[r.target]! : undefined;
            const ad = set ? undefined : snapshot.ads[r.target - snapshot.adSets.length]!;
            const id = set?.id ?? ad!.id;
            const old = set ? set.budget.amountMinor : ad!.status;
            const change =
              r.kind === "change_budget"
                ? { objectType: "ad_set" as const, objectId: id, field: "daily_budget" as const, oldValue: old, newValue: Math.round((typeof old === "number" ? old : 1000) * r.factor) }
                : r.kind === "notify"
                  ? { objectType: "ad" as const, objectId: id, field: "none" as const, oldValue: null, newValue: null }
                  : { objectType: "ad" as const, objectId: id, field: "status" as const, oldValue: old, newValue: r.kind === "pause" ? "PAUSED" : "ACTIVE" };
            return { key: `k${i}`, kind: r.kind, rule: "reallocate", change, reason: "test", evidence: { windowDays: 7, spendMinor: 0, conversions: 0, conversionsLagAdjusted: 0, revenueMinor: 0, cpaMinor: null, roas: null, probability: null, probabilityOf: null }, expectedEffect: null };
          });
          checkAgainstModel(snapshot, enforceGuardrails(snapshot, proposed).actions);
        },
      ),
      { numRuns: 1000, seed: 7 },
    );
  });
});
