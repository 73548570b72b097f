/**
 * The engine as a simulator policy: each evening it turns what the advertiser sees (statuses,
 * budgets, insights reported so far) into one snapshot per account, asks the engine for a plan
 * and hands back the plan's writes. The guardrails are the advertiser's: the target CPA, a daily
 * cap equal to the account's starting budgets (so the engine reallocates money rather than adding
 * it) and a monthly cap of a full month of them. Like the Autopilot app, it checks every ad's
 * landing page each evening (the simulated site's up or down, nothing hidden) and passes the checks on.
 */
import { planAccount, type PlanOptions } from "../engine/engine.ts";
import { DEFAULT_GUARDRAILS, type AccountSnapshot, type ActionRecord, type AdSetSnapshot, type DailyInsight, type AutopilotGuardrails, type Plan } from "../engine/types.ts";
import type { Observation, Policy, PolicyChange } from "../../simulator/policies.ts";

const DAY_MS = 86_400_000;

export interface AutopilotPolicyOptions extends PlanOptions {
  /** Guardrails over the defaults (target CPA and caps are filled in from the scenario). */
  guardrails?: Partial<AutopilotGuardrails>;
  /** Daily cap as a multiple of the account's starting budgets (default 1). */
  dailyCapRatio?: number;
  /** Called with every plan, for inspection. */
  onPlan?: (plan: Plan, snapshot: AccountSnapshot) => void;
}

export function autopilotPolicy(options: AutopilotPolicyOptions = {}): Policy {
  const history = new Map<string, ActionRecord[]>();
  const dailyCaps = new Map<string, number>();
  // The link monitor's log: the days each ad's landing page failed its evening check.
  const downDates = new Map<string, string[]>();
  return {
    name: "autopilot",
    decide(obs: Observation): PolicyChange[] {
      const firstRow = obs.rows[0];
      // Day index 0's date, from any row (rows carry both); before any delivery there is nothing to judge.
      if (!firstRow) return [];
      const startDay = Math.floor(Date.parse(`${firstRow.date}T00:00:00Z`) / DAY_MS) - firstRow.dayIndex;
      const dateOf = (dayIndex: number) => new Date((startDay + dayIndex) * DAY_MS).toISOString().slice(0, 10);
      const now = (startDay + obs.dayIndex) * DAY_MS + 23 * 3_600_000;

      const spentBySet = new Map<string, number>();
      const rowsByAccount = new Map<string, DailyInsight[]>();
      const accountOfSet = new Map(obs.adSets.map((s) => [s.id, s.accountId]));
      for (const row of obs.rows) {
        spentBySet.set(row.adSetId, (spentBySet.get(row.adSetId) ?? 0) + row.spend);
        const accountId = accountOfSet.get(row.adSetId)!;
        const list = rowsByAccount.get(accountId) ?? [];
        list.push({ adId: row.ad_id, date: row.date, impressions: row.impressions, reach: row.reach, clicks: row.link_clicks ?? row.clicks, spendMinor: row.spend, conversions: row.conversions, revenueMinor: row.revenue });
        rowsByAccount.set(accountId, list);
      }

      for (const ad of obs.ads) {
        if (!ad.destinationDown) continue;
        const dates = downDates.get(ad.id) ?? [];
        dates.push(dateOf(obs.dayIndex));
        downDates.set(ad.id, dates);
      }

      const changes: PolicyChange[] = [];
      for (const accountId of new Set(obs.adSets.map((s) => s.accountId))) {
        const sets = obs.adSets.filter((s) => s.accountId === accountId);
        if (!dailyCaps.has(accountId)) {
          // The advertiser's budget as it stood at the start: what the caps are set to.
          const start = sets.reduce((x, s) => x + (s.budget.kind === "daily" ? s.budget.amountMinor : s.budget.amountMinor / (s.budget.endDay + 1)), 0);
          dailyCaps.set(accountId, Math.round(start * (options.dailyCapRatio ?? 1)));
        }
        const dailyCap = dailyCaps.get(accountId)!;
        const setIds = new Set(sets.map((s) => s.id));
        const adSets: AdSetSnapshot[] = sets.map((s) => ({
          id: s.id,
          campaignId: s.campaignId,
          name: s.id,
          status: s.status,
          // Every simulated ad set is created on day index 0.
          createdDate: dateOf(0),
          budget: s.budget.kind === "daily" ? { kind: "daily", amountMinor: s.budget.amountMinor } : { kind: "lifetime", amountMinor: s.budget.amountMinor, spentMinor: spentBySet.get(s.id) ?? 0, endDate: dateOf(s.budget.endDay), startDate: dateOf(0) },
        }));
        const snapshot: AccountSnapshot = {
          accountId,
          currency: "USD",
          clock: { now, today: dateOf(obs.dayIndex), hour: 23 },
          campaigns: [...new Set(sets.map((s) => s.campaignId))].map((id) => ({ id, name: id, status: "ACTIVE" })),
          adSets,
          ads: obs.ads.filter((a) => setIds.has(a.adSetId)).map((a) => ({ id: a.id, adSetId: a.adSetId, name: a.id, status: a.status, reviewStatus: a.reviewStatus, linkCheck: { down: a.destinationDown === true, downDates: downDates.get(a.id) ?? [] } })),
          insights: rowsByAccount.get(accountId) ?? [],
          guardrails: {
            ...DEFAULT_GUARDRAILS,
            mode: "autopilot",
            targetCpaMinor: obs.targetCpaMinor,
            dailyBudgetCapMinor: dailyCap,
            monthlyBudgetCapMinor: dailyCap * 31,
            ...options.guardrails,
          },
          capabilities: { actions: ["change_budget", "pause", "unpause", "notify"], objectIds: [accountId] },
          history: history.get(accountId) ?? [],
        };
        const plan = planAccount(snapshot, { ...options, omitEstimates: true });
        options.onPlan?.(plan, snapshot);
        if (plan.execution !== "apply") continue;
        const records = history.get(accountId) ?? [];
        for (const action of plan.actions) {
          const c = action.change;
          if (action.kind === "change_budget" && typeof c.newValue === "number") changes.push({ kind: "set_budget", adSetId: c.objectId, amountMinor: c.newValue, reason: action.reason });
          else if (action.kind === "pause") changes.push({ kind: "pause_ad", adId: c.objectId, reason: action.reason });
          else if (action.kind === "unpause") changes.push({ kind: "resume_ad", adId: c.objectId, reason: action.reason });
          else continue;
          records.push({ at: now, objectId: c.objectId, kind: action.kind, field: c.field, oldValue: c.oldValue ?? "", newValue: c.newValue ?? "", by: "autopilot" });
        }
        history.set(accountId, records);
      }
      return changes;
    },
  };
}
