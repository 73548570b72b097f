/**
 * A robust spend-spike detector against the account's own pattern: the median and the median
 * absolute deviation (MAD) of recent days, adjusted by a weekday factor when there is enough history
 * for one. A single wild day in the history barely moves either, unlike a mean and standard deviation.
 */

export interface DayValue {
  /** YYYY-MM-DD */
  date: string;
  value: number;
}

export interface AnomalyOptions {
  /** Days of history looked at (before the day checked); default 28. */
  window: number;
  /** Fewer days than this is too little data to judge; default 14. */
  minHistory: number;
  /** Robust z-score above which the day is a spike; default 4. */
  threshold: number;
  /** The day must also be at least this much above expected (relative), so flat accounts don't alert on pennies; default 0.3. */
  minRelativeIncrease: number;
}

export const DEFAULT_ANOMALY: AnomalyOptions = { window: 28, minHistory: 14, threshold: 4, minRelativeIncrease: 0.3 };

export interface AnomalyResult {
  date: string;
  value: number;
  /** What the pattern expects for that day. */
  expected: number;
  /** Robust z-score: (value − expected) / (1.4826 · MAD). */
  score: number;
  spike: boolean;
  tooLittleData: boolean;
  weekdayFactor: number;
  historyDays: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

const weekdayOf = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

/** Checks the day `day` against the days before it in `series` (any order; other days ignored). */
export function detectSpike(series: readonly DayValue[], day: DayValue, options: Partial<AnomalyOptions> = {}): AnomalyResult {
  const o = { ...DEFAULT_ANOMALY, ...options };
  const history = series
    .filter((d) => d.date < day.date)
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .slice(-o.window);
  const base = { date: day.date, value: day.value, historyDays: history.length };
  if (history.length < o.minHistory) {
    return { ...base, expected: median(history.map((d) => d.value)), score: 0, spike: false, tooLittleData: true, weekdayFactor: 1 };
  }
  const values = history.map((d) => d.value);
  const overall = median(values);
  // A weekday factor needs at least 3 of that weekday in the window; otherwise the plain median.
  const sameWeekday = history.filter((d) => weekdayOf(d.date) === weekdayOf(day.date)).map((d) => d.value);
  const weekdayFactor = sameWeekday.length >= 3 && overall > 0 ? median(sameWeekday) / overall : 1;
  const expected = overall * weekdayFactor;
  // Residuals of each history day against its own weekday's expectation would need more data than a
  // month holds; the spread of the plain values, floored at 5% of the median, is the honest scale.
  const spread = Math.max(1.4826 * mad(values), 0.05 * overall, 1);
  const score = (day.value - expected) / spread;
  const spike = score > o.threshold && day.value > expected * (1 + o.minRelativeIncrease);
  return { ...base, expected, score, spike, tooLittleData: false, weekdayFactor };
}

export interface HourValue {
  /** YYYY-MM-DD, the account's day. */
  date: string;
  /** 0–23, the hour of that day. */
  hour: number;
  value: number;
}

export interface IntradayResult extends AnomalyResult {
  /** Hours of the day checked (0 up to this, exclusive). */
  hours: number;
}

/** Hourly history is shorter than daily history: two weeks of hours, a week at least. */
export const DEFAULT_INTRADAY: Partial<AnomalyOptions> = { window: 14, minHistory: 7 };

/**
 * A spike within the day: the day's total over its first `hours` hours against the same hours of
 * the days before it (the account's own hourly pattern), with the same robust test as whole days.
 * Days without any hourly row are not history (no data, not zero spend).
 */
export function detectIntradaySpike(rows: readonly HourValue[], date: string, hours: number, options: Partial<AnomalyOptions> = {}): IntradayResult {
  const sums = new Map<string, number>();
  for (const r of rows) {
    if (!sums.has(r.date)) sums.set(r.date, 0);
    if (r.hour < hours) sums.set(r.date, sums.get(r.date)! + r.value);
  }
  const series = [...sums.entries()].map(([d, value]) => ({ date: d, value }));
  const result = detectSpike(series, { date, value: sums.get(date) ?? 0 }, { ...DEFAULT_INTRADAY, ...options });
  return { ...result, hours };
}
