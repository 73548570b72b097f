import { DEFAULT_MARKET, type DemandEvent, type MarketSettings, type SimAd, type SimAdSet, type SimSite, type World } from "./market.ts";
import { hashSeed, Mulberry32 } from "../random.ts";

/** The shape of a generated world; every range is [low, high) and drawn per object. */
export interface WorldSpec {
  startDate: string;
  accounts: number;
  campaignsPerAccount: number;
  adSetsPerCampaign: number;
  adsPerAdSet: number;
  currency?: string;
  timezone?: string;
  /** Per account; null for no cap. */
  spendCapMinor?: number | null;
  dailyBudgetMinor: [number, number];
  /** Share of ad sets on lifetime budgets (the rest are daily). */
  lifetimeShare?: number;
  /** Length of lifetime budgets in days. */
  lifetimeDays?: number;
  ctr?: [number, number];
  cvr?: [number, number];
  averageOrderValueMinor?: [number, number];
  baseCpmMinor?: [number, number];
  curveExponent?: [number, number];
  audienceSize?: [number, number];
  fatigueRate?: [number, number];
  /** Chance per ad per day of being disapproved. */
  disapprovalDailyHazard?: number;
  /** Chance per site per day that an outage starts. */
  outageDailyHazard?: number;
  outageDays?: [number, number];
  /** Days over which outages are planned. */
  horizonDays?: number;
  /** Destination sites per account (ads pick one). */
  sitesPerAccount?: number;
  market?: Partial<MarketSettings>;
  events?: DemandEvent[];
}

/** The ranges a spec draws its hidden parameters from, defaults filled in: what a prior-aware observer may know. */
export function generatingRanges(spec: WorldSpec): { ctr: [number, number]; cvr: [number, number]; curveExponent: [number, number]; fatigueRate: [number, number] } {
  return { ctr: spec.ctr ?? [0.004, 0.025], cvr: spec.cvr ?? [0.01, 0.06], curveExponent: spec.curveExponent ?? [0.6, 0.9], fatigueRate: spec.fatigueRate ?? [0.1, 0.4] };
}

/** Builds a world from a spec; the same spec and seed always give the same world. */
export function generateWorld(spec: WorldSpec, seed: number): World {
  const rng = new Mulberry32(hashSeed(seed, "world"));
  const horizon = spec.horizonDays ?? 90;
  const { ctr, cvr, curveExponent: exponent, fatigueRate: fatigue } = generatingRanges(spec);
  const aov = spec.averageOrderValueMinor ?? [3000, 12000];
  const cpm = spec.baseCpmMinor ?? [600, 1600];
  const audience = spec.audienceSize ?? [150_000, 1_500_000];
  const world: World = {
    seed,
    startDate: spec.startDate,
    accounts: [],
    campaigns: [],
    adSets: [],
    ads: [],
    sites: [],
    market: { ...DEFAULT_MARKET, ...spec.market, events: spec.events ?? spec.market?.events ?? [] },
  };
  for (let a = 0; a < spec.accounts; a++) {
    const accountId = `sim_act_${a + 1}`;
    world.accounts.push({ id: accountId, currency: spec.currency ?? "USD", timezone: spec.timezone ?? "UTC", spendCapMinor: spec.spendCapMinor ?? null });
    const sites: SimSite[] = [];
    for (let k = 0; k < Math.max(1, spec.sitesPerAccount ?? 2); k++) {
      const site: SimSite = { url: `http://127.0.0.1/sim/${a + 1}/site-${k + 1}/`, downWindows: [] };
      for (let d = 0; d < horizon; d++) {
        if (rng.chance(spec.outageDailyHazard ?? 0)) {
          const length = rng.int(spec.outageDays?.[0] ?? 1, spec.outageDays?.[1] ?? 3);
          site.downWindows.push({ startDay: d, endDay: d + length - 1 });
          d += length;
        }
      }
      sites.push(site);
    }
    world.sites.push(...sites);
    for (let c = 0; c < spec.campaignsPerAccount; c++) {
      const campaignId = `sim_cmp_${world.campaigns.length + 1}`;
      world.campaigns.push({ id: campaignId, accountId, status: "ACTIVE" });
      for (let s = 0; s < spec.adSetsPerCampaign; s++) {
        const adSetId = `sim_as_${world.adSets.length + 1}`;
        const amount = Math.round(rng.logBetween(spec.dailyBudgetMinor[0], spec.dailyBudgetMinor[1]));
        const lifetime = rng.chance(spec.lifetimeShare ?? 0);
        const lifetimeDays = spec.lifetimeDays ?? 30;
        const adSet: SimAdSet = {
          id: adSetId,
          campaignId,
          status: "ACTIVE",
          budget: lifetime ? { kind: "lifetime", amountMinor: amount * lifetimeDays, endDay: lifetimeDays - 1 } : { kind: "daily", amountMinor: amount },
          truth: {
            curveExponent: rng.between(exponent[0], exponent[1]),
            baseCpmMinor: rng.logBetween(cpm[0], cpm[1]),
            referenceSpendMinor: amount,
            audienceSize: Math.round(rng.logBetween(audience[0], audience[1])),
          },
        };
        world.adSets.push(adSet);
        for (let k = 0; k < spec.adsPerAdSet; k++) {
          let disapprovalDay: number | null = null;
          const hazard = spec.disapprovalDailyHazard ?? 0;
          if (hazard > 0) {
            // Geometric waiting time, drawn once so every policy meets the same review outcome.
            const wait = Math.floor(Math.log(1 - rng.uniform()) / Math.log(1 - hazard));
            if (wait < horizon) disapprovalDay = wait;
          }
          const ad: SimAd = {
            id: `sim_ad_${world.ads.length + 1}`,
            adSetId,
            status: "ACTIVE",
            reviewStatus: "APPROVED",
            destinationUrl: sites[rng.int(0, sites.length - 1)]!.url,
            truth: {
              ctr: rng.logBetween(ctr[0], ctr[1]),
              cvr: rng.logBetween(cvr[0], cvr[1]),
              averageOrderValueMinor: Math.round(rng.logBetween(aov[0], aov[1])),
              fatigueRate: rng.between(fatigue[0], fatigue[1]),
              disapprovalDay,
            },
          };
          world.ads.push(ad);
        }
      }
    }
  }
  return world;
}
