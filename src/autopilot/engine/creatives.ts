/**
 * Creative standings: per ad set, each ad's click-through and purchases per click (posterior means
 * with 80% intervals), its recent share of the ad set's spend, whether it is a new creative in test,
 * and its chance of being the ad set's best per impression, as the keep-set weighs it.
 */
import { calibrate } from "./calibration.ts";
import { creativeTests } from "./creativeTests.ts";
import { adQuality, chancesOfBest, linkDown, pausedByEngine, qualityCtr } from "./decide.ts";
import { historyByObject } from "./history.ts";
import { DEFAULT_SETTINGS, type EngineSettings } from "./settings.ts";
import { betaInterval80, betaMean, seededRng, type BetaPosterior } from "./stats.ts";
import type { AccountSnapshot, RunStatus } from "./types.ts";

export interface RateEstimate {
  mean: number;
  low: number;
  high: number;
}

export interface CreativeStanding {
  adId: string;
  name: string;
  status: RunStatus;
  inTest: boolean;
  /** Share of the ad set's spend over its last 7 days with delivery. */
  spendShare7d: number;
  ctr: RateEstimate;
  /** Purchases per click, pooled toward the account's. */
  cvr: RateEstimate;
  /** P(best per impression) among the ads the keep-set weighs (running with a working page, or paused by the engine); null for the others. */
  chanceOfBest: number | null;
}

export interface AdSetStandings {
  adSetId: string;
  name: string;
  ads: CreativeStanding[];
}

const estimate = (b: BetaPosterior): RateEstimate => ({ mean: betaMean(b), ...betaInterval80(b) });

/** Every ad set's creative standings; deterministic for the same snapshot. */
export function creativeStandings(snapshot: AccountSnapshot, settings: EngineSettings = DEFAULT_SETTINGS): AdSetStandings[] {
  const cal = calibrate(snapshot, settings);
  const tests = creativeTests(snapshot, cal);
  const history = historyByObject(snapshot.history);
  const rng = seededRng("creatives", snapshot.accountId, snapshot.clock.today);
  return cal.adSets.map((set) => {
    const members = set.adIndexes.map((i) => cal.ads[i]!);
    const weighed = members.filter((a) => !linkDown(a) && (a.deliverable || (a.ad.status === "PAUSED" && a.ad.reviewStatus === "APPROVED" && pausedByEngine(history, a))));
    const wins = chancesOfBest(weighed.map(adQuality), rng);
    const chance = new Map(weighed.map((a, j) => [a.ad.id, wins[j]!]));
    return {
      adSetId: set.adSet.id,
      name: set.adSet.name,
      ads: members.map((a) => ({
        adId: a.ad.id,
        name: a.ad.name,
        status: a.ad.status,
        inTest: tests.get(a.ad.id)?.inTest ?? false,
        spendShare7d: tests.get(a.ad.id)?.share7 ?? 0,
        ctr: estimate(qualityCtr(a)),
        cvr: estimate(a.cvrPooled),
        chanceOfBest: chance.get(a.ad.id) ?? null,
      })),
    };
  });
}
