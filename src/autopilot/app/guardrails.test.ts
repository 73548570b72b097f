import { describe, expect, it } from "vitest";
import { guardrailViolations, hasCaps } from "./guardrails.ts";
import { DEFAULT_PLANNER_GUARDRAILS, type PlannerSnapshot, type PlannerGuardrails, type PlannedChange } from "./planner.ts";

const NOW = Date.UTC(2026, 5, 15, 12);

function account(guardrails: Partial<PlannerGuardrails> = {}, history: PlannerSnapshot["history"] = []): PlannerSnapshot {
  const daily = [];
  for (let d = 1; d <= 14; d++) {
    const date = new Date(NOW - d * 86_400_000).toISOString().slice(0, 10);
    for (const ad of ["a1", "a2", "a3"]) daily.push({ adId: ad, adSetId: ad === "a3" ? "s2" : "s1", campaignId: "c1", date, impressions: 1000, clicks: 20, spend: 2000, conversions: 1, revenue: 5000 });
  }
  return {
    accountId: "1",
    accountName: "Acme",
    currency: "USD",
    timeZone: "UTC",
    lastDate: new Date(NOW - 86_400_000).toISOString().slice(0, 10),
    campaigns: [{ id: "c1", name: "Summer", status: "ACTIVE" }],
    adSets: [
      { id: "s1", campaignId: "c1", name: "Lookalike", status: "ACTIVE", effectiveStatus: "ACTIVE", dailyBudget: 5000 },
      { id: "s2", campaignId: "c1", name: "Interests", status: "PAUSED", effectiveStatus: "PAUSED", dailyBudget: 4000 },
    ],
    ads: [
      { id: "a1", adSetId: "s1", campaignId: "c1", name: "A1", status: "ACTIVE", effectiveStatus: "ACTIVE" },
      { id: "a2", adSetId: "s1", campaignId: "c1", name: "A2", status: "ACTIVE", effectiveStatus: "ACTIVE" },
      { id: "a3", adSetId: "s2", campaignId: "c1", name: "A3", status: "ACTIVE", effectiveStatus: "ACTIVE" },
    ],
    daily,
    guardrails: { ...DEFAULT_PLANNER_GUARDRAILS, ...guardrails },
    capabilities: ["ads_read", "ads_management"],
    history,
    now: NOW,
    mode: "autopilot",
    killSwitch: false,
  };
}

const budget = (from: number, to: number): PlannedChange => ({ objectType: "adset", objectId: "s1", objectName: "Lookalike", field: "daily_budget", old: String(from), new: String(to) });
const resume: PlannedChange = { objectType: "adset", objectId: "s2", objectName: "Interests", field: "status", old: "PAUSED", new: "ACTIVE" };

describe("the app's last check before a write (the engine's guardrails)", () => {
  it("lets a change within every limit through", () => {
    expect(guardrailViolations("change_budget", budget(5000, 5500), { snapshot: account({ dailyCap: 20_000 }), now: NOW, approvedByPerson: false })).toEqual([]);
  });

  it("refuses more than the step, over the daily cap, and kinds the advertiser did not allow", () => {
    expect(guardrailViolations("change_budget", budget(5000, 7000), { snapshot: account(), now: NOW, approvedByPerson: true })).toEqual(["a 40.0% change is more than your 20% maximum step"]);
    expect(guardrailViolations("change_budget", budget(5000, 6000), { snapshot: account({ dailyCap: 5500 }), now: NOW, approvedByPerson: true })).toEqual([
      "the account's daily budgets would go over your daily cap of $55.00",
    ]);
    expect(guardrailViolations("change_budget", budget(5000, 5500), { snapshot: account({ allowedActions: ["pause_ad"] }), now: NOW, approvedByPerson: true })).toEqual([
      "change budget is not among the actions you allowed",
    ]);
  });

  it("counts an ad set turned back on against the daily cap", () => {
    // 50 + 40 a day would go over a 60 cap; under a 100 cap it may go.
    expect(guardrailViolations("resume_adset", resume, { snapshot: account({ dailyCap: 6000 }), now: NOW, approvedByPerson: true })).toEqual([
      "the account's daily budgets would go over your daily cap of $60.00",
    ]);
    expect(guardrailViolations("resume_adset", resume, { snapshot: account({ dailyCap: 10_000 }), now: NOW, approvedByPerson: true })).toEqual([]);
  });

  it("holds automatic changes in quiet hours and cooldowns, not a person's", () => {
    const quiet = account({ dailyCap: 20_000, quietHours: { start: 10, end: 14 } });
    expect(guardrailViolations("change_budget", budget(5000, 5500), { snapshot: quiet, now: NOW, approvedByPerson: false }).join(" ")).toMatch(/Quiet hours/);
    expect(guardrailViolations("change_budget", budget(5000, 5500), { snapshot: quiet, now: NOW, approvedByPerson: true })).toEqual([]);

    const changed = account({ dailyCap: 20_000 }, [{ objectId: "s1", kind: "change_budget", field: "daily_budget", oldValue: "4800", newValue: "5000", state: "CONFIRMED", at: NOW - 30 * 60_000 }]);
    expect(guardrailViolations("change_budget", budget(5000, 5200), { snapshot: changed, now: NOW, approvedByPerson: false })).toEqual([
      "it changed less than 720 minutes ago (your cooldown between automatic changes)",
    ]);
    expect(guardrailViolations("change_budget", budget(5000, 5200), { snapshot: changed, now: NOW, approvedByPerson: true })).toEqual([]);
  });

  it("measures the step from the budget a day ago, and lets an undo restore it", () => {
    const raised = account({}, [{ objectId: "s1", kind: "change_budget", field: "daily_budget", oldValue: "4200", newValue: "5000", state: "CONFIRMED", at: NOW - 3 * 3_600_000 }]);
    expect(guardrailViolations("change_budget", budget(5000, 5500), { snapshot: raised, now: NOW, approvedByPerson: true })).toEqual([
      "with the changes of the last 24 hours it would move the budget more than your 20% maximum step",
    ]);
    expect(guardrailViolations("change_budget", budget(5000, 4200), { snapshot: raised, now: NOW, approvedByPerson: true, skipStepLimit: true })).toEqual([]);
  });

  it("needs a daily or monthly cap for autopilot mode", () => {
    expect(hasCaps(DEFAULT_PLANNER_GUARDRAILS)).toBe(false);
    expect(hasCaps({ ...DEFAULT_PLANNER_GUARDRAILS, monthlyCap: 100_000 })).toBe(true);
  });
});
