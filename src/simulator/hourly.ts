import type { DailyInsightInput, HourlyInsightInput } from "../hub/ads/insights.service.ts";
import { splitInteger } from "./market.ts";

/**
 * Share of a day's delivery in each hour of the account's day: quiet at night, rising through the
 * morning, peaking in the evening (the usual shape of social ad delivery). Sums to 1.
 */
export const HOURLY_PROFILE: readonly number[] = (() => {
  const raw = [1.2, 0.8, 0.6, 0.5, 0.5, 0.7, 1.3, 2.4, 3.4, 4.0, 4.4, 4.8, 5.2, 5.2, 5.0, 5.0, 5.3, 5.8, 6.4, 7.0, 7.3, 6.6, 4.6, 2.6];
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((r) => r / sum);
})();

/** Splits exactly by weights; by the profile when the weights are all zero. */
function split(total: number, weights: readonly number[]): number[] {
  return splitInteger(total, weights.some((w) => w > 0) ? weights : HOURLY_PROFILE);
}

/**
 * A day's row as its 24 hourly rows, summing exactly to it. Each measure is split in proportion to
 * the one it depends on (clicks to impressions, purchases to link clicks), so no hour has more
 * clicks than impressions. With `hours`, only the first that many hours (the day so far).
 */
export function hourlyRows(day: DailyInsightInput, hours = 24): HourlyInsightInput[] {
  const impressions = split(day.impressions, HOURLY_PROFILE);
  const reach = split(day.reach, impressions);
  const clicks = split(day.clicks, impressions);
  const linkClicks = split(day.link_clicks ?? 0, clicks);
  const spend = split(day.spend, impressions);
  const conversions = split(day.conversions, linkClicks);
  const revenue = split(day.revenue, conversions);
  const out: HourlyInsightInput[] = [];
  for (let hour = 0; hour < Math.min(hours, 24); hour++) {
    out.push({
      ad_id: day.ad_id,
      date: day.date,
      hour,
      impressions: impressions[hour]!,
      reach: Math.min(reach[hour]!, impressions[hour]!),
      clicks: clicks[hour]!,
      link_clicks: linkClicks[hour]!,
      spend: spend[hour]!,
      conversions: conversions[hour]!,
      revenue: revenue[hour]!,
    });
  }
  return out;
}
