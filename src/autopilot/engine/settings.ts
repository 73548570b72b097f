/** The engine's modelling choices, each with its default and why. */
export interface EngineSettings {
  /**
   * Share of a day's conversions reported 0…7 days after it (a typical 7-day-click profile: half
   * the same day, the rest over a week). A day of age k is `sum(lag[0..k])` complete.
   */
  attributionLag: readonly number[];
  /** Days of insights the estimates use (the product scans 90 before acting). */
  windowDays: number;
  /**
   * Older days of spend-based rates (conversions per dollar, the ad set curve) count half as much every
   * this many days. Infinity: every scanned day counts alike. Conversion rates per click are stable
   * and always use the whole window; click-through rates tire and are read from recent days apart.
   */
  halfLifeDays: number;
  /**
   * Ads are chosen as reversible keep-sets: every ad (running, or paused earlier by the engine) whose
   * posterior chance of being its ad set's best per impression (CTR × a CVR pooled toward the
   * account's) is at least `keepProbability` runs, the others pause, from the first day of data.
   * False: the older one-way rules (pause a likely loser for good, revive only on late conversions).
   */
  keepSets: boolean;
  keepProbability: number;
  /**
   * Creative tests. An ad created at least `creativeTestMinAgeGapDays` after its ad set started
   * delivering is a new creative entering a running auction against ads with weeks of data: on a
   * few hundred impressions its posterior is wide and centred on the account's prior, so the
   * keep-set could pause it before it showed anything. Until it has `creativeTestImpressions`
   * impressions (enough for its click-through to separate by a third from a 1% rate) or half a
   * target CPA of spend (its first purchase is then about even odds), it runs. A test must not
   * starve the ad set's proven ads: over `creativeTestMaxShare` of the ad set's spend in the last
   * 3 days while the keep-set would pause it, it is paused anyway, and says so.
   */
  creativeTestMinAgeGapDays: number;
  creativeTestImpressions: number;
  creativeTestSpendTargets: number;
  creativeTestMaxShare: number;
  /** Prior weight of the account's conversion rate in an ad's, in conversions (about a 0.6 log-sd spread between ads). */
  cvrPriorConversions: number;
  /** Value an ad set, when moving budget, at its best live ad (what the platform will deliver on) rather than its current mix. */
  valueAtBestAd: boolean;
  /**
   * Conversion efficiency of an ad set in its learning phase (Meta: unstable, below par). Learning-day
   * clicks count this much as evidence of the settled rate, and an ad set still learning tomorrow is
   * valued this much lower. 1 turns both off.
   */
  learningEfficiency: number;
  /**
   * Learning exit (Meta: an ad set leaves its learning phase after about `learningConversions`
   * conversions since launch or a significant edit, and delivers below par until then). Spread thin,
   * small ad sets may never get there. Each plan forecasts, from every ad set's curve at its settled
   * rate (posterior mean), the next `graduationHorizonDays` days under the split as it stands and
   * under each learning ad set's fastest exit (raised by the full step every day, the others sharing
   * what is left as before); when an exit brings more conversions over the horizon, the ad set whose
   * exit brings the most gets the full raise. 0 days turns it off.
   */
  graduationHorizonDays: number;
  /** Monthly-cap pacing as before the double count of today was fixed (for comparisons only). */
  legacyMonthPacing: boolean;
  /** Exponent b of conversions ≈ k·spend^b within an ad set: diminishing returns of more budget. */
  spendElasticity: number;
  /** Conversions an ad set needs in 7 days to leave the learning phase (Meta: about 50). */
  learningConversions: number;
  /** Prior weight of the pooled (ad set → account) rate, in conversions. */
  priorStrength: number;
  /** Prior weight, in clicks, of an ad's conversion rate pooled toward its ad set's (empirical Bayes). */
  cvrPriorClicks: number;
  /** Negative-binomial dispersion of daily conversions: widens posteriors of busy objects. */
  dispersion: number;
  /** Pause an ad when P(CPA over target) (or P(ROAS under target)) is at least this. */
  pauseProbability: number;
  /** Pause an ad when P(it converts worse per impression than its ad set's best ad) is at least this. */
  loserProbability: number;
  /** An ad over target is paused only when P(it converts worse than its ad set's best ad) is at least this: its spend goes to its siblings. */
  overTargetWorseProbability: number;
  /** An ad must have spent this many target CPAs before it is judged against the target … */
  minJudgeSpendTargets: number;
  /** … and this many before it is judged against its siblings (a relative judgement, robust to an early, pessimistic level). */
  minCompareSpendTargets: number;
  /** … and only once its ad set has delivered on this many days (one day's click-through and half-reported conversions mislead). */
  minCompareDays: number;
  /** Revive an ad the engine paused when P(CPA over target) has fallen below this. */
  reviveProbability: number;
  /** Turn a paused ad back on when P(it converts better than the ad set's tired best ad) is at least this (creative rotation). */
  rotateProbability: number;
  /** Hours after a pause before late conversions can revive it. */
  reviveAfterHours: number;
  /** Every ad set in a reallocation keeps at least this fraction of an equal share of the budget. */
  explorationFloor: number;
  /** Ad sets with fewer lag-adjusted conversions than this over the window keep their budget (too little data to move money on). */
  minBudgetConversions: number;
  /** Share of its conversions an ad set keeps while every live ad's landing page is down (some buyers come back later): its curve is scaled by this. */
  brokenLinkEfficiency: number;
  /** Posterior draws averaged into each allocation. */
  thompsonSamples: number;
  /** Budget moves smaller than this fraction are not worth a change. */
  deadBand: number;
  /** Scale the account's total up (within caps) when P(CPA under target) is at least this. */
  scaleProbability: number;
  /** Flag fatigue when recent CTR is this much below the earlier CTR … */
  fatigueDrop: number;
  /** … with at least this posterior probability. */
  fatigueProbability: number;
}

export const DEFAULT_SETTINGS: EngineSettings = {
  attributionLag: [0.5, 0.18, 0.1, 0.07, 0.05, 0.04, 0.03, 0.03],
  windowDays: 90,
  halfLifeDays: Infinity,
  keepSets: true,
  keepProbability: 0.15,
  creativeTestMinAgeGapDays: 3,
  creativeTestImpressions: 3000,
  creativeTestSpendTargets: 0.5,
  creativeTestMaxShare: 0.2,
  cvrPriorConversions: 3,
  valueAtBestAd: true,
  learningEfficiency: 0.7,
  graduationHorizonDays: 28,
  legacyMonthPacing: false,
  spendElasticity: 0.75,
  learningConversions: 50,
  priorStrength: 2,
  cvrPriorClicks: 150,
  dispersion: 3,
  pauseProbability: 0.9,
  loserProbability: 0.8,
  overTargetWorseProbability: 0.9,
  minJudgeSpendTargets: 2.5,
  minCompareSpendTargets: 0.5,
  minCompareDays: 3,
  reviveProbability: 0.5,
  reviveAfterHours: 48,
  rotateProbability: 0.8,
  explorationFloor: 0,
  minBudgetConversions: 0,
  brokenLinkEfficiency: 0.05,
  thompsonSamples: 32,
  deadBand: 0.02,
  scaleProbability: 0.9,
  fatigueDrop: 0.2,
  fatigueProbability: 0.95,
};
