import { DEFAULT_GUARDRAILS, type AccountSnapshot, type AdSetSnapshot, type AdSnapshot, type DailyInsight, type AutopilotGuardrails } from "../../src/autopilot/engine/types.ts";

export const DAY_MS = 86_400_000;
export const TODAY = "2026-03-20";
/** 23:00 on TODAY, UTC. */
export const NOW = Date.parse(`${TODAY}T23:00:00Z`);

export const dateBefore = (days: number): string => new Date(Date.parse(`${TODAY}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);

export interface AdSetSpec {
  id: string;
  name?: string;
  budget: number;
  /** Per ad: conversions per minor unit of spend, and daily spend. */
  ads: { id: string; name?: string; status?: "ACTIVE" | "PAUSED"; rate: number; dailySpend: number; ctr?: number | ((age: number) => number) }[];
}

/** Deterministic insights: each day's conversions are rate × spend, as reported with the default lag. */
export function buildSnapshot(sets: AdSetSpec[], guardrails: Partial<AutopilotGuardrails> = {}, days = 14, overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  const lag = [0.5, 0.18, 0.1, 0.07, 0.05, 0.04, 0.03, 0.03];
  const completeness = (age: number) => lag.slice(0, age + 1).reduce((a, b) => a + b, 0);
  const adSets: AdSetSnapshot[] = [];
  const ads: AdSnapshot[] = [];
  const insights: DailyInsight[] = [];
  for (const set of sets) {
    adSets.push({ id: set.id, campaignId: "c1", name: set.name ?? set.id, status: "ACTIVE", budget: { kind: "daily", amountMinor: set.budget } });
    for (const ad of set.ads) {
      ads.push({ id: ad.id, adSetId: set.id, name: ad.name ?? ad.id, status: ad.status ?? "ACTIVE", reviewStatus: "APPROVED" });
      // Error diffusion keeps each ad's reported totals true to its rate despite whole conversions.
      let carry = 0;
      for (let age = days - 1; age >= 0; age--) {
        const impressions = Math.round(ad.dailySpend / 10);
        const ctr = typeof ad.ctr === "function" ? ad.ctr(age) : (ad.ctr ?? 0.01);
        const eventual = ad.rate * ad.dailySpend;
        carry += eventual * Math.min(1, completeness(age));
        const reported = Math.max(0, Math.round(carry));
        carry -= reported;
        insights.push({ adId: ad.id, date: dateBefore(age), impressions, reach: Math.round(impressions / 1.5), clicks: Math.round(impressions * ctr), spendMinor: ad.dailySpend, conversions: reported, revenueMinor: reported * 5000 });
      }
    }
  }
  return {
    accountId: "act_1",
    currency: "USD",
    clock: { now: NOW, today: TODAY, hour: 23 },
    campaigns: [{ id: "c1", name: "Summer Sale", status: "ACTIVE" }],
    adSets,
    ads,
    insights,
    guardrails: { ...DEFAULT_GUARDRAILS, mode: "autopilot", targetCpaMinor: 2500, dailyBudgetCapMinor: 1_000_000, monthlyBudgetCapMinor: 30_000_000, ...guardrails },
    capabilities: { actions: ["change_budget", "pause", "unpause", "notify"], objectIds: ["act_1"] },
    history: [],
    ...overrides,
  };
}
