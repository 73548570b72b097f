import { z } from "zod";
import { errors } from "../errors.ts";
import { localDate, offsetMinutes } from "../hub/ads/adTime.ts";
import { systemContext } from "../hub/context.ts";
import { assetIdFromGraph } from "../graphIds.ts";
import type { Hub } from "../hub/hub.ts";
import {
  DEFAULT_MARKET,
  dayRng,
  MAX_LAG_DAYS,
  initialState,
  simulateDay,
  toInsightRow,
  type AdDayDelivery,
  type AdSetState,
  type AdState,
  type ReviewStatus,
  type SimAd,
  type SimAdSet,
  type SimBudget,
  type SimSite,
  type SimState,
  type World,
} from "./market.ts";
import { forecastImpact } from "./forecast.ts";
import { FORECAST_LIMITS, type ForecastRequest, type ImpactForecast } from "../impactForecast.ts";
import { hourlyRows } from "./hourly.ts";
import { hashSeed, Mulberry32 } from "../random.ts";
import { accountsFilingAdObjects, findSimulationRun, loadHubAdObjects, saveSimulationRun } from "./simulation.repository.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days over which site outages and disapprovals are planned ahead. */
const HORIZON_DAYS = 400;
const DISAPPROVAL_DAILY_HAZARD = 0.002;
const OUTAGE_DAILY_HAZARD = 0.01;

/** Market state by hub id, so ads added or removed between runs keep their own history. */
interface StoredState {
  accounts: Record<string, number>;
  adSets: Record<string, AdSetState>;
  ads: Record<string, AdState>;
}

export interface SimulationSummary {
  days: number;
  from: string;
  to: string;
  ads: number;
  spend: number;
  impressions: number;
  clicks: number;
  conversions: number;
  revenue: number;
}

const dateOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The simulated market running over the hub's own ad accounts: hidden true parameters for every
 * ad set and ad (drawn from the seed and the object's id, so they never change), delivery day by
 * day from the budgets and statuses in the hub, and insight rows written where the Graph reads them,
 * with conversions reported as attribution lag allows — so recent days look worse than they will.
 */
export interface HubSimulationOptions {
  /** Chance per ad and day that review disapproves it; default 0.2%. */
  disapprovalDailyHazard?: number;
  /** Recent days whose hourly rows are written too (the hourly breakdown); default 14, 0 for none. */
  hourlyDays?: number;
}

const HOURLY_DAYS = 14;

export class HubSimulation {
  private readonly disapprovalHazard: number;
  private readonly hourlyDays: number;

  constructor(
    private readonly hub: Hub,
    options: HubSimulationOptions = {},
  ) {
    this.disapprovalHazard = options.disapprovalDailyHazard ?? DISAPPROVAL_DAILY_HAZARD;
    this.hourlyDays = options.hourlyDays ?? HOURLY_DAYS;
  }

  /** Creates `days` days of history ending yesterday (hub clock); the store must have none yet. */
  async backfill(days: number, options: { seed?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<SimulationSummary> {
    if (await findSimulationRun(this.hub.store.db)) {
      throw errors.invalidParameter("This hub already has simulated history; use `grantline sim advance` to add days.");
    }
    const today = Date.parse(`${dateOf(this.hub.now())}T00:00:00Z`);
    const empty: StoredState = { accounts: {}, adSets: {}, ads: {} };
    await saveSimulationRun(this.hub.store.db, {
      id: 1,
      seed: options.seed ?? 1,
      start_date: dateOf(today - days * DAY_MS),
      next_day: 0,
      state_json: JSON.stringify(empty),
      recent_json: "[]",
      updated_at: this.hub.now(),
    });
    return this.advance(days, options);
  }

  /** Simulates `days` more days for every active ad and writes their insights. */
  async advance(days: number, options: { onProgress?: (done: number, total: number) => void } = {}): Promise<SimulationSummary> {
    if (!Number.isInteger(days) || days < 1 || days > 3650) throw errors.invalidParameter("days must be a whole number from 1 to 3650.");
    const db = this.hub.store.db;
    const run = (await findSimulationRun(db)) ?? {
      id: 1,
      seed: 1,
      start_date: dateOf(this.hub.now()),
      next_day: 0,
      state_json: JSON.stringify({ accounts: {}, adSets: {}, ads: {} }),
      recent_json: "[]",
      updated_at: this.hub.now(),
    };
    const world = buildWorld(await loadHubAdObjects(db), run.seed, run.start_date, this.disapprovalHazard);
    const state = toArrays(world, JSON.parse(run.state_json) as StoredState);
    let recent = JSON.parse(run.recent_json) as AdDayDelivery[];
    const simulated: AdDayDelivery[] = [];
    const last = run.next_day + days - 1;
    for (let dayIndex = run.next_day; dayIndex <= last; dayIndex++) {
      const result = simulateDay(world, state, dayIndex, dayRng(world, dayIndex));
      simulated.push(...result.ads);
      for (const event of result.events) {
        if (event.type === "ad_disapproved") {
          await this.hub.ads.setReviewStatus(systemContext(), event.adId, {
            review_status: "DISAPPROVED",
            feedback: "The ad was disapproved in review (simulated).",
          });
        }
      }
      options.onProgress?.(dayIndex - run.next_day + 1, days);
    }
    // A day's row changes for MAX_LAG_DAYS after it as late conversions are reported. `recent` holds
    // the days still changing after the previous run; they and the new days are written once, as
    // reported at the end of the last day, which leaves the same rows as writing every day.
    const changing = [...recent, ...simulated];
    await this.hub.insights.upsertDailyRows(changing.map((d) => toInsightRow(d, last)));
    // The hours of recent days, as reported by the end of the last day (for the hourly breakdown).
    const hourly = changing.filter((d) => d.dayIndex > last - this.hourlyDays).flatMap((d) => hourlyRows(toInsightRow(d, last)));
    if (hourly.length > 0) await this.hub.insights.upsertHourlyRows(hourly);
    recent = changing.filter((d) => d.dayIndex + MAX_LAG_DAYS > last);
    await saveSimulationRun(db, {
      ...run,
      next_day: last + 1,
      state_json: JSON.stringify(fromArrays(world, state)),
      recent_json: JSON.stringify(recent),
      updated_at: this.hub.now(),
    });
    return summarize(world, run.next_day, last, simulated.map((d) => toInsightRow(d, last)), new Set(simulated.map((d) => d.adId)).size);
  }

  /**
   * The day in progress, hour by hour: for each ad account whose own calendar (its time zone) is on
   * the market's next day, that day's delivery is worked out on a copy of the state and the hours
   * already over there are written as hourly rows, as reported so far. The day itself is simulated
   * and stored by the next `advance`, from the same random stream, so its hours read the same then
   * unless budgets or statuses changed. `hours`: the most hours over among the accounts on that day.
   */
  async reportDayInProgress(): Promise<{ date: string; hours: number; rows: number } | undefined> {
    const db = this.hub.store.db;
    const run = await findSimulationRun(db);
    if (!run) return undefined;
    const now = this.hub.now();
    const dayIndex = run.next_day;
    const date = dateOf(Date.parse(`${run.start_date}T00:00:00Z`) + dayIndex * DAY_MS);
    const world = buildWorld(await loadHubAdObjects(db), run.seed, run.start_date, this.disapprovalHazard);
    const hoursOf = new Map<string, number>();
    for (const account of world.accounts) {
      const zone = account.timezone || "UTC";
      if (localDate(now, zone) === date) hoursOf.set(account.id, new Date(now + offsetMinutes(now, zone) * 60_000).getUTCHours());
    }
    if (hoursOf.size === 0) return undefined;
    const state = toArrays(world, JSON.parse(run.state_json) as StoredState);
    const day = simulateDay(world, state, dayIndex, dayRng(world, dayIndex));
    const rows = day.ads.flatMap((d) => (hoursOf.has(d.accountId) ? hourlyRows(toInsightRow(d, dayIndex), hoursOf.get(d.accountId)!) : []));
    if (rows.length > 0) await this.hub.insights.upsertHourlyRows(rows);
    return { date, hours: Math.max(...hoursOf.values()), rows: rows.length };
  }

  /**
   * The hub's market forked for one ad account: the same hidden truths and the state the market
   * reached, run forward with and without the edits. Reads the store, writes nothing.
   */
  async forecast(request: ForecastRequest): Promise<ImpactForecast> {
    const { days, runs } = request;
    if (!Number.isInteger(days) || days < 1 || days > FORECAST_LIMITS.days) throw errors.invalidParameter(`days must be a whole number from 1 to ${FORECAST_LIMITS.days}.`);
    if (!Number.isInteger(runs) || runs < 1 || runs > FORECAST_LIMITS.runs) throw errors.invalidParameter(`runs must be a whole number from 1 to ${FORECAST_LIMITS.runs}.`);
    const accountId = assetIdFromGraph(request.accountId);
    const db = this.hub.store.db;
    const run = await findSimulationRun(db);
    const objects = objectsOf(await loadHubAdObjects(db), [accountId]);
    if (objects.accounts.length === 0) throw errors.invalidParameter(`The simulator has no ad account act_${accountId}.`);
    const seed = run?.seed ?? 1;
    const world = buildWorld(objects, seed, run?.start_date ?? dateOf(this.hub.now()), this.disapprovalHazard);
    const state = toArrays(world, run ? (JSON.parse(run.state_json) as StoredState) : { accounts: {}, adSets: {}, ads: {} });
    return forecastImpact(world, state, request.edits, { firstDay: run?.next_day ?? 0, days, runs, streamSeed: hashSeed(seed, "forecast", accountId) });
  }

  /**
   * The market as it stands for these accounts (their objects, budgets, statuses and hidden state),
   * kept so that `replayUnchanged` can later run them on from here with nothing changed: a pilot's
   * no-change counterfactual. Null when the market has not run or has none of the accounts.
   */
  async checkpoint(accountIds: readonly string[]): Promise<string | null> {
    const db = this.hub.store.db;
    const run = await findSimulationRun(db);
    const objects = objectsOf(await loadHubAdObjects(db), accountIds.map(assetIdFromGraph));
    if (!run || objects.accounts.length === 0) return null;
    const stored = JSON.parse(run.state_json) as StoredState;
    const only = <T>(record: Record<string, T>, ids: { id: string }[]) => Object.fromEntries(ids.filter((o) => o.id in record).map((o) => [o.id, record[o.id]!]));
    const state: StoredState = { accounts: only(stored.accounts, objects.accounts), adSets: only(stored.adSets, objects.adSets), ads: only(stored.ads, objects.ads) };
    const checkpoint: Checkpoint = { seed: run.seed, startDate: run.start_date, nextDay: run.next_day, objects, state };
    return JSON.stringify(checkpoint);
  }

  /**
   * The checkpoint's accounts run on from its day to the market's latest day with nothing changed,
   * on the same seed, summed by day and reported as the market reports its days now (late
   * conversions of recent days still missing), so it compares with a scan of the real days. The
   * world holds only these accounts, so its random draws differ from the full market's: the replay
   * is the same market with nothing changed, not the same luck.
   */
  async replayUnchanged(checkpoint: string): Promise<{ date: string; spend: number; conversions: number; revenue: number }[]> {
    const run = await findSimulationRun(this.hub.store.db);
    const from = JSON.parse(checkpoint) as Checkpoint;
    if (!run) return [];
    const last = run.next_day - 1;
    const world = buildWorld(from.objects, from.seed, from.startDate, this.disapprovalHazard);
    const state = toArrays(world, from.state);
    const out = [];
    for (let dayIndex = from.nextDay; dayIndex <= last; dayIndex++) {
      const day = simulateDay(world, state, dayIndex, dayRng(world, dayIndex));
      const rows = day.ads.map((d) => toInsightRow(d, last));
      out.push({ date: day.date, spend: rows.reduce((s, r) => s + r.spend, 0), conversions: rows.reduce((s, r) => s + r.conversions, 0), revenue: rows.reduce((s, r) => s + r.revenue, 0) });
    }
    return out;
  }

  /**
   * The ad accounts a checkpoint (as `checkpoint` wrote it, but sent back by its holder, so perhaps
   * forged) makes the market run: those it names, and those the hub files its campaigns, ad sets
   * and ads under, since the market draws an object's hidden truths from its id alone. Undefined
   * when it does not have a checkpoint's shape.
   */
  async accountsNamedBy(checkpoint: string): Promise<string[] | undefined> {
    const objects = objectsNamedBy(checkpoint);
    if (!objects) return undefined;
    const filing = await accountsFilingAdObjects(this.hub.store.db, {
      campaignIds: objects.campaigns.map((c) => c.id),
      adSetIds: objects.adSets.map((s) => s.id),
      adIds: objects.ads.map((a) => a.id),
    });
    const named = [...objects.accounts.map((a) => a.id), ...objects.campaigns.map((c) => c.account_id), ...filing];
    return [...new Set(named)];
  }
}

const idOf = z.object({ id: z.string() });
const checkpointObjects = z.object({
  objects: z.object({ accounts: z.array(idOf), campaigns: z.array(idOf.extend({ account_id: z.string() })), adSets: z.array(idOf), ads: z.array(idOf) }),
});

function objectsNamedBy(checkpoint: string) {
  try {
    const parsed = checkpointObjects.safeParse(JSON.parse(checkpoint));
    return parsed.success ? parsed.data.objects : undefined;
  } catch {
    return undefined;
  }
}

interface Checkpoint {
  seed: number;
  startDate: string;
  nextDay: number;
  objects: HubObjects;
  state: StoredState;
}

/** The ad objects of some accounts only. */
function objectsOf(all: HubObjects, accountIds: readonly string[]): HubObjects {
  const wanted = new Set(accountIds);
  const accounts = all.accounts.filter((a) => wanted.has(a.id));
  const campaigns = all.campaigns.filter((c) => wanted.has(c.account_id));
  const campaignIds = new Set(campaigns.map((c) => c.id));
  const adSets = all.adSets.filter((s) => campaignIds.has(s.campaign_id));
  const adSetIds = new Set(adSets.map((s) => s.id));
  return { accounts, campaigns, adSets, ads: all.ads.filter((a) => adSetIds.has(a.adset_id)) };
}

function summarize(
  world: World,
  first: number,
  last: number,
  rows: { spend: number; impressions: number; clicks: number; conversions: number; revenue: number }[],
  ads: number,
): SimulationSummary {
  const start = Date.parse(`${world.startDate}T00:00:00Z`);
  const sum = (pick: (r: (typeof rows)[number]) => number) => rows.reduce((total, r) => total + pick(r), 0);
  return {
    days: last - first + 1,
    from: dateOf(start + first * DAY_MS),
    to: dateOf(start + last * DAY_MS),
    ads,
    spend: sum((r) => r.spend) / 100,
    impressions: sum((r) => r.impressions),
    clicks: sum((r) => r.clicks),
    conversions: sum((r) => r.conversions),
    revenue: sum((r) => r.revenue) / 100,
  };
}

type HubObjects = Awaited<ReturnType<typeof loadHubAdObjects>>;

/** The market's view of the hub: what runs, on which budgets, towards which sites, with hidden truths. */
function buildWorld(objects: HubObjects, seed: number, startDate: string, disapprovalHazard: number): World {
  const start = Date.parse(`${startDate}T00:00:00Z`);
  const dayOf = (ms: number | null) => (ms === null ? null : Math.floor((ms - start) / DAY_MS));
  const activeAccounts = new Set(objects.accounts.filter((a) => a.account_status === 1).map((a) => a.id));
  const adSetsPerCampaign = new Map<string, number>();
  for (const s of objects.adSets) adSetsPerCampaign.set(s.campaign_id, (adSetsPerCampaign.get(s.campaign_id) ?? 0) + 1);
  const campaignById = new Map(objects.campaigns.map((c) => [c.id, c]));

  const adSets: SimAdSet[] = objects.adSets.map((s) => {
    const rng = new Mulberry32(hashSeed(seed, "adset", s.id));
    const campaign = campaignById.get(s.campaign_id);
    const share = adSetsPerCampaign.get(s.campaign_id) ?? 1;
    // A campaign budget (Advantage campaign budget) is spread evenly over its ad sets.
    const daily = s.daily_budget ?? (campaign?.daily_budget ? Math.floor(campaign.daily_budget / share) : null);
    const lifetime = s.lifetime_budget ?? (campaign?.lifetime_budget ? Math.floor(campaign.lifetime_budget / share) : null);
    const budget: SimBudget =
      lifetime !== null
        ? { kind: "lifetime", amountMinor: lifetime, endDay: dayOf(s.end_time ?? campaign?.stop_time ?? null) ?? HORIZON_DAYS }
        : { kind: "daily", amountMinor: daily ?? 0 };
    const reference = budget.kind === "daily" ? Math.max(budget.amountMinor, 100) : Math.max(Math.floor(budget.amountMinor / 30), 100);
    return {
      id: s.id,
      campaignId: s.campaign_id,
      status: s.status === "ACTIVE" ? "ACTIVE" : "PAUSED",
      budget,
      truth: {
        curveExponent: rng.between(0.6, 0.9),
        baseCpmMinor: rng.logBetween(600, 1600),
        referenceSpendMinor: reference,
        audienceSize: Math.round(rng.logBetween(150_000, 1_500_000)),
      },
    };
  });

  const urls = [...new Set(objects.ads.map((a) => a.link_url ?? ""))].sort();
  const sites: SimSite[] = urls.map((url) => siteFor(seed, url));

  const ads: SimAd[] = objects.ads.map((a) => {
    const rng = new Mulberry32(hashSeed(seed, "ad", a.id));
    const draw = rng.uniform();
    const wait = disapprovalHazard > 0 ? Math.floor(Math.log(1 - draw) / Math.log(1 - disapprovalHazard)) : Infinity;
    const reviewStatus: ReviewStatus = a.review_status === "APPROVED" ? "APPROVED" : a.review_status === "DISAPPROVED" ? "DISAPPROVED" : "PENDING_REVIEW";
    return {
      id: a.id,
      adSetId: a.adset_id,
      status: a.status === "ACTIVE" ? "ACTIVE" : "PAUSED",
      reviewStatus,
      destinationUrl: a.link_url ?? "",
      truth: {
        ctr: rng.logBetween(0.004, 0.025),
        cvr: rng.logBetween(0.01, 0.06),
        averageOrderValueMinor: Math.round(rng.logBetween(3000, 12000)),
        fatigueRate: rng.between(0.1, 0.4),
        disapprovalDay: wait < HORIZON_DAYS ? wait : null,
      },
    };
  });

  return {
    seed,
    startDate,
    accounts: objects.accounts.map((a) => ({ id: a.id, currency: a.currency, timezone: a.timezone_name, spendCapMinor: a.spend_cap })),
    campaigns: objects.campaigns.map((c) => ({
      id: c.id,
      accountId: c.account_id,
      status: c.status === "ACTIVE" && activeAccounts.has(c.account_id) ? "ACTIVE" : "PAUSED",
    })),
    adSets,
    ads,
    sites,
    market: DEFAULT_MARKET,
  };
}

/**
 * A destination site and the days it is down, drawn from the seed and its URL alone, so the
 * landing-page server can tell the same outages without building the world.
 */
export function siteFor(seed: number, url: string): SimSite {
  const rng = new Mulberry32(hashSeed(seed, "site", url));
  const downWindows = [];
  for (let d = 0; d < HORIZON_DAYS; d++) {
    if (rng.chance(OUTAGE_DAILY_HAZARD)) {
      const length = rng.int(1, 3);
      downWindows.push({ startDay: d, endDay: d + length - 1 });
      d += length;
    }
  }
  return { url, downWindows };
}

/** The run's seed and the simulated day it has reached (the last day simulated), if any. */
export async function simulatedToday(hub: Hub): Promise<{ seed: number; dayIndex: number; date: string } | undefined> {
  const run = await findSimulationRun(hub.store.db);
  if (!run || run.next_day === 0) return undefined;
  const dayIndex = run.next_day - 1;
  return { seed: run.seed, dayIndex, date: dateOf(Date.parse(`${run.start_date}T00:00:00Z`) + dayIndex * DAY_MS) };
}

function toArrays(world: World, stored: StoredState): SimState {
  const state = initialState(world);
  world.accounts.forEach((a, i) => (state.accountSpentMinor[i] = stored.accounts[a.id] ?? 0));
  world.adSets.forEach((s, i) => {
    const saved = stored.adSets[s.id];
    if (saved) state.adSets[i] = saved;
  });
  world.ads.forEach((a, i) => {
    const saved = stored.ads[a.id];
    // The hub's review status wins: a person or the review may have changed it since.
    if (saved) state.ads[i] = { ...saved, reviewStatus: a.reviewStatus };
  });
  return state;
}

function fromArrays(world: World, state: SimState): StoredState {
  return {
    accounts: Object.fromEntries(world.accounts.map((a, i) => [a.id, state.accountSpentMinor[i]!])),
    adSets: Object.fromEntries(world.adSets.map((s, i) => [s.id, state.adSets[i]!])),
    ads: Object.fromEntries(world.ads.map((a, i) => [a.id, state.ads[i]!])),
  };
}
