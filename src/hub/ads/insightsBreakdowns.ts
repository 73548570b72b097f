import { errors } from "../../errors.ts";
import { hashSeed } from "../../random.ts";

/**
 * Meta's insights breakdowns, generated from an ad's stored totals: each ad's delivery in a time
 * bucket is split over the cells of the asked breakdowns (age × gender, platform × position, …) by
 * weights drawn from the seed and the ad set's targeting, and every measure is split exactly
 * (largest remainder on integers; money in minor units likewise), so the cells of a row always add
 * up to the row the same query answers without breakdowns. Rates are then computed from the split
 * counts. Nothing here runs unless a query asks for breakdowns.
 * https://developers.facebook.com/docs/marketing-api/insights/breakdowns
 */

/** The breakdowns served here (Meta's names). */
export const BREAKDOWNS = [
  "age",
  "gender",
  "country",
  "region",
  "publisher_platform",
  "platform_position",
  "device_platform",
  "impression_device",
] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

/** Action breakdowns served here; `action_type` is implied when none is given (as on Meta). */
export const ACTION_BREAKDOWNS = ["action_type", "action_device", "action_destination", "action_target_id"] as const;
export type ActionBreakdown = (typeof ACTION_BREAKDOWNS)[number];

const HOURLY = "hourly_stats_aggregated_by_advertiser_time_zone";

/**
 * Meta's "Combining Breakdowns" table: only these sets of breakdown columns (breakdowns and action
 * breakdowns together) are served; those marked * there (all of these) may also be joined with
 * action_type, action_target_id and action_destination.
 * https://developers.facebook.com/docs/marketing-api/insights/breakdowns#combiningbreakdowns
 * device_platform and impression_device alone, and together, are answered by Meta although the table
 * leaves them out (they are in its list of generic breakdowns); country with region likewise.
 */
const PERMUTATIONS: readonly (readonly string[])[] = [
  [],
  ["action_device"],
  ["action_device", "impression_device"],
  ["action_device", "publisher_platform"],
  ["action_device", "publisher_platform", "impression_device"],
  ["action_device", "publisher_platform", "platform_position"],
  ["action_device", "publisher_platform", "platform_position", "impression_device"],
  ["age"],
  ["gender"],
  ["age", "gender"],
  ["country"],
  ["region"],
  ["country", "region"],
  ["publisher_platform"],
  ["publisher_platform", "impression_device"],
  ["publisher_platform", "platform_position"],
  ["publisher_platform", "platform_position", "impression_device"],
  ["device_platform"],
  ["impression_device"],
  ["impression_device", "device_platform"],
  [HOURLY],
];
const JOINABLE = new Set(["action_type", "action_target_id", "action_destination"]);
const PERMUTATION_KEYS = new Set(PERMUTATIONS.map((p) => [...p].sort().join(",")));

/**
 * Refuses a set of breakdown columns Meta does not serve together, in Meta's words: "(#100) Current
 * combination of data breakdown columns (action_type, age, country) is invalid" (the columns sorted,
 * the implied action_type among them).
 */
export function checkBreakdownCombination(breakdowns: readonly string[], actionBreakdowns: readonly string[]): void {
  const columns = [...new Set([...breakdowns, ...actionBreakdowns])];
  const rest = columns.filter((c) => !JOINABLE.has(c)).sort();
  if (PERMUTATION_KEYS.has(rest.join(","))) return;
  throw errors.invalidBreakdownCombination([...columns].sort());
}

/** A cell of a breakdown: its value for each asked breakdown, and its share of the ad's delivery. */
export interface Cell {
  values: Record<string, string>;
  weight: number;
}

/** What of an ad set's targeting shapes its splits (Meta's targeting spec fields). */
export interface AudienceTargeting {
  age_min?: unknown;
  age_max?: unknown;
  genders?: unknown;
  geo_locations?: { countries?: unknown } | unknown;
  publisher_platforms?: unknown;
  device_platforms?: unknown;
}

const AGE_BUCKETS: readonly [string, number, number, number][] = [
  // Meta's age ranges, with a population share typical of a social audience.
  ["18-24", 18, 24, 0.18],
  ["25-34", 25, 34, 0.27],
  ["35-44", 35, 44, 0.21],
  ["45-54", 45, 54, 0.15],
  ["55-64", 55, 64, 0.11],
  ["65+", 65, 74, 0.08],
];
/** Meta's gender values; targeting `genders` 1 is male, 2 is female. */
const GENDERS: readonly [string, number, number][] = [
  ["female", 2, 0.51],
  ["male", 1, 0.47],
  ["unknown", 0, 0.02],
];
/** Regions reported for a country (Meta reports region names; "Unknown" where it cannot tell). */
const REGIONS: Record<string, readonly [string, number][]> = {
  US: [["California", 0.16], ["Texas", 0.12], ["Florida", 0.09], ["New York", 0.08], ["Pennsylvania", 0.05], ["Illinois", 0.05], ["Ohio", 0.04], ["Georgia", 0.04], ["North Carolina", 0.04], ["Michigan", 0.03], ["Washington", 0.03], ["Unknown", 0.27]],
  GB: [["England", 0.8], ["Scotland", 0.1], ["Wales", 0.06], ["Northern Ireland", 0.04]],
  CA: [["Ontario", 0.42], ["Quebec", 0.22], ["British Columbia", 0.15], ["Alberta", 0.13], ["Unknown", 0.08]],
  DE: [["North Rhine-Westphalia", 0.24], ["Bavaria", 0.18], ["Baden-Württemberg", 0.15], ["Lower Saxony", 0.1], ["Berlin", 0.05], ["Unknown", 0.28]],
  FR: [["Île-de-France", 0.3], ["Auvergne-Rhône-Alpes", 0.15], ["Provence-Alpes-Côte d'Azur", 0.1], ["Unknown", 0.45]],
  AU: [["New South Wales", 0.35], ["Victoria", 0.28], ["Queensland", 0.2], ["Western Australia", 0.1], ["Unknown", 0.07]],
};
/** Placements by platform, as insights name them (publisher_platform, platform_position). */
const PLACEMENTS: readonly [string, number, readonly [string, number][]][] = [
  ["facebook", 0.55, [["feed", 0.6], ["facebook_reels", 0.12], ["facebook_stories", 0.1], ["video_feeds", 0.06], ["marketplace", 0.06], ["right_hand_column", 0.04], ["search", 0.02]]],
  ["instagram", 0.35, [["feed", 0.5], ["instagram_stories", 0.25], ["instagram_reels", 0.18], ["instagram_explore", 0.07]]],
  ["audience_network", 0.06, [["an_classic", 0.7], ["rewarded_video", 0.3]]],
  ["messenger", 0.04, [["messenger_inbox", 0.6], ["messenger_stories", 0.4]]],
];
/** Devices (impression_device) and how each splits between device platforms (device_platform). */
const DEVICES: readonly [string, number, boolean][] = [
  ["iphone", 0.38, true],
  ["android_smartphone", 0.4, true],
  ["ipad", 0.04, true],
  ["android_tablet", 0.03, true],
  ["desktop", 0.13, false],
  ["other", 0.02, true],
];
const MOBILE_APP_SHARE = 0.88;

const asNumber = (v: unknown, fallback: number) => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : fallback);
const asStrings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : undefined);

/** A factor in [0.7, 1.3] fixed by the seed, the ad set and the cell: ad sets differ, the same one never changes. */
function jitter(seed: number, adSetId: string, dimension: string, value: string): number {
  return 0.7 + (hashSeed(seed, "breakdown", adSetId, dimension, value) / 0xffffffff) * 0.6;
}

interface Family {
  dims: readonly Breakdown[];
  /** The family's full joint distribution (values of all its dims). */
  joint: (seed: number, adSetId: string, t: AudienceTargeting) => Cell[];
}

const FAMILIES: readonly Family[] = [
  {
    dims: ["age", "gender"],
    joint: (seed, id, t) => {
      const min = Math.max(13, asNumber(t.age_min, 18));
      const max = Math.max(min, asNumber(t.age_max, 65));
      const ages = AGE_BUCKETS.map(([name, lo, hi, share]) => {
        const top = hi === 74 && max >= 65 ? 74 : Math.min(hi, max);
        const overlap = Math.max(0, top - Math.max(lo, min) + 1) / (hi - lo + 1);
        return [name, overlap * share * jitter(seed, id, "age", name)] as const;
      });
      const asked = Array.isArray(t.genders) ? (t.genders as unknown[]).map(Number) : undefined;
      const genders = GENDERS.map(([name, code, share]) => [name, (!asked || asked.length === 0 || asked.includes(code) ? share : 0) * jitter(seed, id, "gender", name)] as const);
      return ages.flatMap(([age, a]) => genders.map(([gender, g]) => ({ values: { age, gender }, weight: a * g })));
    },
  },
  {
    dims: ["country", "region"],
    joint: (seed, id, t) => {
      const geo = (t.geo_locations && typeof t.geo_locations === "object" ? (t.geo_locations as { countries?: unknown }).countries : undefined) as unknown;
      const countries = asStrings(geo)?.map((c) => c.toUpperCase()).filter((c) => /^[A-Z]{2}$/.test(c));
      const list = countries && countries.length > 0 ? [...new Set(countries)] : ["US"];
      return list.flatMap((country, i) => {
        const share = (i === 0 ? 2 : 1) * jitter(seed, id, "country", country);
        const regions = REGIONS[country] ?? [["Unknown", 1] as [string, number]];
        return regions.map(([region, r]) => ({ values: { country, region }, weight: share * r * jitter(seed, id, "region", region) }));
      });
    },
  },
  {
    dims: ["publisher_platform", "platform_position"],
    joint: (seed, id, t) => {
      const platforms = asStrings(t.publisher_platforms);
      return PLACEMENTS.flatMap(([platform, share, positions]) => {
        const on = !platforms || platforms.length === 0 || platforms.includes(platform) ? share * jitter(seed, id, "publisher_platform", platform) : 0;
        return positions.map(([position, p]) => ({ values: { publisher_platform: platform, platform_position: position }, weight: on * p }));
      });
    },
  },
  {
    dims: ["impression_device", "device_platform"],
    joint: (seed, id, t) => {
      const platforms = asStrings(t.device_platforms);
      return DEVICES.flatMap(([device, share, mobile]) => {
        const on = !platforms || platforms.length === 0 || platforms.includes(mobile ? "mobile" : "desktop") ? share * jitter(seed, id, "impression_device", device) : 0;
        if (!mobile) return [{ values: { impression_device: device, device_platform: "desktop" }, weight: on }];
        return [
          { values: { impression_device: device, device_platform: "mobile_app" }, weight: on * MOBILE_APP_SHARE },
          { values: { impression_device: device, device_platform: "mobile_web" }, weight: on * (1 - MOBILE_APP_SHARE) },
        ];
      });
    },
  },
];

/** The joint cells of a family projected onto the asked dims (equal values merged). */
function project(cells: Cell[], dims: readonly string[]): Cell[] {
  const merged = new Map<string, Cell>();
  for (const cell of cells) {
    const values: Record<string, string> = {};
    for (const d of dims) values[d] = cell.values[d]!;
    const key = dims.map((d) => values[d]).join("\u0000");
    const seen = merged.get(key);
    if (seen) seen.weight += cell.weight;
    else merged.set(key, { values, weight: cell.weight });
  }
  return [...merged.values()];
}

/**
 * The cells of the asked breakdowns for an ad set: a product over the families asked (placement
 * with device, say), each family's share fixed by the seed and the targeting. Never empty, and the
 * weights never all zero (an impossible targeting falls back to even shares).
 */
export function cellsOf(breakdowns: readonly string[], seed: number, adSetId: string, targeting: AudienceTargeting): Cell[] {
  let cells: Cell[] = [{ values: {}, weight: 1 }];
  for (const family of FAMILIES) {
    const dims = family.dims.filter((d) => breakdowns.includes(d));
    if (dims.length === 0) continue;
    let own = project(family.joint(seed, adSetId, targeting), dims);
    if (!own.some((c) => c.weight > 0)) own = own.map((c) => ({ ...c, weight: 1 }));
    cells = cells.flatMap((a) => own.map((b) => ({ values: { ...a.values, ...b.values }, weight: a.weight * b.weight })));
  }
  return cells;
}

/** The devices actions are split over (`action_device`), with their weights for the ad set. */
export function actionDeviceCells(seed: number, adSetId: string, targeting: AudienceTargeting): Cell[] {
  return cellsOf(["impression_device"], seed, adSetId, targeting).map((c) => ({ values: { action_device: c.values.impression_device! }, weight: c.weight }));
}

/**
 * Splits an integer total in proportion to weights, exactly (largest remainder, ties to the first
 * cell). When the weights are all zero, by `fallback` instead, so the total is never lost.
 */
export function splitExact(total: number, weights: ArrayLike<number>, fallback?: ArrayLike<number>): number[] {
  const n = weights.length;
  const out = new Array<number>(n).fill(0);
  if (total <= 0 || n === 0) return out;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += weights[i]!;
  if (!(sum > 0)) return fallback ? splitExact(total, fallback) : splitExact(total, new Array<number>(n).fill(1));
  const remainders = new Float64Array(n);
  let given = 0;
  for (let i = 0; i < n; i++) {
    const quota = (total * weights[i]!) / sum;
    const whole = Math.floor(quota);
    out[i] = whole;
    remainders[i] = quota - whole;
    given += whole;
  }
  // The cells with the largest remainders take one more each until the total is reached.
  for (let left = total - given; left > 0; left--) {
    let best = -1;
    for (let i = 0; i < n; i++) if (remainders[i]! > 0 && (best < 0 || remainders[i]! > remainders[best]!)) best = i;
    if (best < 0) best = 0;
    out[best]! += 1;
    remainders[best] = -1;
  }
  return out;
}

/** The additive measures of a stored row, in minor units and counts. */
export interface Measures {
  impressions: number;
  reach: number;
  clicks: number;
  link_clicks: number;
  spend: number;
  conversions: number;
  revenue: number;
}
export const MEASURES = ["impressions", "reach", "clicks", "link_clicks", "spend", "conversions", "revenue"] as const;

/**
 * One total split over cells. Each measure follows the one it depends on (reach and clicks follow
 * impressions, link clicks follow clicks, purchases follow link clicks, their value follows
 * purchases), so no cell has more clicks than impressions; spend follows impressions.
 */
export function splitMeasures(total: Measures, cells: readonly Cell[]): Measures[] {
  const base = cells.map((c) => c.weight);
  const impressions = splitExact(total.impressions, base);
  const reach = splitExact(total.reach, impressions, base);
  const clicks = splitExact(total.clicks, impressions, base);
  const linkClicks = splitExact(total.link_clicks, clicks, base);
  const spend = splitExact(total.spend, impressions, base);
  const conversions = splitExact(total.conversions, linkClicks, base);
  const revenue = splitExact(total.revenue, conversions, base);
  return cells.map((_, i) => ({
    impressions: impressions[i]!,
    reach: reach[i]!,
    clicks: clicks[i]!,
    link_clicks: linkClicks[i]!,
    spend: spend[i]!,
    conversions: conversions[i]!,
    revenue: revenue[i]!,
  }));
}
