/**
 * Creative tests: which ads are new creatives still earning their evidence, and how much of their ad
 * set's spend each ad took lately. Only ads with a `createdDate` can be in test, so snapshots
 * without one decide exactly as before.
 */
import { dayNumber, spendOfTargets, type Calibration } from "./calibration.ts";
import type { AccountSnapshot } from "./types.ts";

export interface CreativeTest {
  /** Created well after its ad set started delivering and short of the test's evidence. */
  inTest: boolean;
  /** Its share of the ad set's spend over the ad set's last 3 days with delivery. */
  share3: number;
  /** … and over its last 7. */
  share7: number;
}

/** Per ad id, whether it is in test and its recent spend shares. */
export function creativeTests(snapshot: AccountSnapshot, cal: Calibration): Map<string, CreativeTest> {
  const s = cal.settings;
  const testSpend = spendOfTargets(snapshot, cal, s.creativeTestSpendTargets);
  const { spend3, spend7, firstAge } = recentSpend(snapshot, cal);
  const out = new Map<string, CreativeTest>();
  for (const set of cal.adSets) {
    const first = firstAge[cal.adSetIndex.get(set.adSet.id)!]!;
    let total3 = 0;
    let total7 = 0;
    for (const i of set.adIndexes) {
      total3 += spend3[i]!;
      total7 += spend7[i]!;
    }
    for (const i of set.adIndexes) {
      const a = cal.ads[i]!;
      const created = a.ad.createdDate;
      // Days from the ad set's first delivery in the window to the ad's creation.
      const gap = created === undefined || first < 0 ? -Infinity : dayNumber(created) - (cal.today - first);
      const short = a.window.impressions < s.creativeTestImpressions && a.window.spendMinor < testSpend;
      out.set(a.ad.id, {
        inTest: gap >= s.creativeTestMinAgeGapDays && short,
        share3: total3 > 0 ? spend3[i]! / total3 : 0,
        share7: total7 > 0 ? spend7[i]! / total7 : 0,
      });
    }
  }
  return out;
}

/**
 * Spend per ad over the last 3 and 7 days its ad set delivered (the scan's last day may be yesterday
 * or today), and per ad set the age of its first day with delivery in the window (-1: none).
 */
function recentSpend(snapshot: AccountSnapshot, cal: Calibration): { spend3: Float64Array; spend7: Float64Array; firstAge: Int32Array } {
  const nSets = cal.adSets.length;
  const firstAge = new Int32Array(nSets);
  const lastAge = new Int32Array(nSets);
  for (let k = 0; k < nSets; k++) {
    const daily = cal.adSetDailySpend[k]!;
    firstAge[k] = daily.findLastIndex((x) => x > 0);
    lastAge[k] = daily.findIndex((x) => x > 0);
  }
  const spend3 = new Float64Array(cal.ads.length);
  const spend7 = new Float64Array(cal.ads.length);
  const days = new Map<string, number>();
  for (const row of snapshot.insights) {
    const i = cal.adIndex.get(row.adId);
    if (i === undefined) continue;
    const k = cal.ads[i]!.adSetIndex;
    if (k < 0 || lastAge[k]! < 0) continue;
    let day = days.get(row.date);
    if (day === undefined) days.set(row.date, (day = dayNumber(row.date)));
    const back = cal.today - day - lastAge[k]!;
    if (back >= 0 && back < 7) spend7[i]! += row.spendMinor;
    if (back >= 0 && back < 3) spend3[i]! += row.spendMinor;
  }
  return { spend3, spend7, firstAge };
}
