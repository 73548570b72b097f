/**
 * A bulk launch spec: one campaign whose ad sets are every audience × placement and whose ads are
 * every creative (× headline) in each ad set, named by templates. The spec is YAML or JSON; what
 * Meta accepts for each object (objectives, optimisation goals, targeting) is left to the Graph,
 * which the launch asks with `execution_options=["validate_only"]` before creating anything.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { errors } from "../../../errors.ts";
import { LAUNCH_LIMITS } from "./launchLimits.ts";

/** At most this many ads per launch: Meta's smallest per-Page limit (see LAUNCH_LIMITS). */
export const MAX_LAUNCH_ADS = LAUNCH_LIMITS.ads;

const name = z.string().trim().min(1).max(LAUNCH_LIMITS.name);
const object = z.record(z.string(), z.unknown());
const status = z.enum(["ACTIVE", "PAUSED"]);

const creativeSpec = z
  .object({
    name,
    /** An existing creative of the account; otherwise the creative is created from the fields below. */
    creative_id: z.string().regex(/^\d+$/, "must be a creative id").optional(),
    title: z.string().max(LAUNCH_LIMITS.title).optional(),
    body: z.string().max(LAUNCH_LIMITS.body).optional(),
    link_url: z.string().url().optional(),
    image_url: z.string().url().optional(),
    image_hash: z.string().max(128).optional(),
    call_to_action_type: z.string().max(64).optional(),
    object_story_spec: object.optional(),
    url_tags: z.string().max(1000).optional(),
  })
  .strict();

export const launchSpecSchema = z
  .object({
    /** `act_<id>`; may be left out when the workspace has one connected account. */
    account: z.string().regex(/^act_\d+$/, "must be act_<id>").optional(),
    campaign: z
      .object({
        name,
        objective: z.string().min(1),
        special_ad_categories: z.array(z.string()).default([]),
        status: status.default("PAUSED"),
        bid_strategy: z.string().optional(),
        daily_budget: z.number().int().positive().optional(),
      })
      .strict(),
    ad_set: z
      .object({
        /** Template: {campaign}, {audience}, {placement}, {date}. */
        name: name.default("{campaign} – {audience} – {placement}"),
        daily_budget: z.number().int().positive().optional(),
        optimization_goal: z.string().optional(),
        billing_event: z.string().optional(),
        bid_strategy: z.string().optional(),
        bid_amount: z.number().int().positive().optional(),
        promoted_object: object.optional(),
        /** Targeting every ad set shares; each audience's and placement's targeting is laid over it. */
        targeting: object.default({}),
        status: status.default("ACTIVE"),
      })
      .strict()
      .default({ name: "{campaign} – {audience} – {placement}", targeting: {}, status: "ACTIVE" }),
    audiences: z.array(z.object({ name, targeting: object }).strict()).min(1),
    placements: z
      .array(z.object({ name, targeting: object }).strict())
      .min(1)
      .default([{ name: "Automatic placements", targeting: {} }]),
    creatives: z.array(creativeSpec).min(1),
    /** Each creative made from fields is made once per headline (its title); existing creatives are used as they are. */
    headlines: z.array(z.string().trim().min(1).max(LAUNCH_LIMITS.title)).min(1).optional(),
    ad: z
      .object({
        /** Template: {campaign}, {audience}, {placement}, {creative}, {headline}, {date}. */
        name: name.optional(),
        status: status.default("ACTIVE"),
      })
      .strict()
      .default({ status: "ACTIVE" }),
  })
  .strict();

export type LaunchSpec = z.infer<typeof launchSpecSchema>;

/** Reads a spec from YAML or JSON text; every problem is named at once. */
export function parseLaunchSpec(text: string): LaunchSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw errors.invalidParameter(`The launch spec is not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  return launchSpecOf(raw);
}

/** Checks a spec already read (the HTTP API's JSON body); every problem is named at once. */
export function launchSpecOf(raw: unknown): LaunchSpec {
  const parsed = launchSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "spec"}: ${i.message}`);
    throw errors.invalidParameter(`Invalid launch spec: ${problems.join("; ")}.`);
  }
  return parsed.data;
}

export interface PlannedCreative {
  key: string;
  name: string;
  /** Set when the spec names an existing creative. */
  existingId?: string;
  params?: Record<string, unknown>;
  headline?: string;
  /** The spec creative it was made from (the {creative} of ad names). */
  source: string;
}

export interface PlannedAdSet {
  key: string;
  name: string;
  audience: string;
  placement: string;
  params: Record<string, unknown>;
}

export interface PlannedAd {
  adSetKey: string;
  creativeKey: string;
  name: string;
}

export interface LaunchPlan {
  campaign: { name: string; params: Record<string, unknown>; status: "ACTIVE" | "PAUSED" };
  creatives: PlannedCreative[];
  adSets: PlannedAdSet[];
  ads: PlannedAd[];
  adSetStatus: "ACTIVE" | "PAUSED";
  adStatus: "ACTIVE" | "PAUSED";
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);
}

/** Targeting laid over targeting: objects merge key by key, anything else is replaced. */
export function mergeTargeting(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prior = out[key];
    out[key] = value && prior && typeof value === "object" && typeof prior === "object" && !Array.isArray(value) && !Array.isArray(prior) ? mergeTargeting(prior as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

/** Every object the spec describes, named, in creation order. `date` is the account's date of the launch. */
export function planLaunch(spec: LaunchSpec, date: string): LaunchPlan {
  const campaignName = fill(spec.campaign.name, { date });
  const { status: campaignStatus, ...campaignParams } = spec.campaign;
  const creatives: PlannedCreative[] = [];
  for (const [index, creative] of spec.creatives.entries()) {
    if (creative.creative_id) {
      creatives.push({ key: `c${index}`, name: creative.name, existingId: creative.creative_id, source: creative.name });
      continue;
    }
    const { name: creativeName, creative_id: _id, ...params } = creative;
    for (const [h, headline] of (spec.headlines ?? [undefined]).entries()) {
      const variantName = headline === undefined ? creativeName : `${creativeName} – ${headline}`;
      creatives.push({ key: `c${index}h${h}`, name: variantName, params: { ...params, ...(headline === undefined ? {} : { title: headline }), name: variantName }, ...(headline === undefined ? {} : { headline }), source: creativeName });
    }
  }
  const adSets: PlannedAdSet[] = [];
  const ads: PlannedAd[] = [];
  const { name: adSetTemplate, targeting: baseTargeting, status: adSetStatus, ...adSetParams } = spec.ad_set;
  const adTemplate = spec.ad.name ?? (spec.headlines ? "{creative} – {headline}" : "{creative}");
  for (const audience of spec.audiences) {
    for (const placement of spec.placements) {
      const values = { campaign: campaignName, audience: audience.name, placement: placement.name, date };
      const key = `${audience.name}\u0000${placement.name}`;
      adSets.push({ key, name: fill(adSetTemplate, values), audience: audience.name, placement: placement.name, params: { ...adSetParams, targeting: mergeTargeting(mergeTargeting(baseTargeting, audience.targeting), placement.targeting) } });
      for (const creative of creatives) {
        ads.push({ adSetKey: key, creativeKey: creative.key, name: fill(adTemplate, { ...values, creative: creative.source, headline: creative.headline ?? "" }) });
      }
    }
  }
  const duplicate = (names: string[]) => names.find((n, i) => names.indexOf(n) !== i);
  const sameAdSet = duplicate(adSets.map((s) => s.name));
  if (sameAdSet) throw errors.invalidParameter(`Two ad sets of the launch would both be named "${sameAdSet}": put {audience} and {placement} in the ad set name template.`);
  for (const adSet of adSets) {
    const sameAd = duplicate(ads.filter((a) => a.adSetKey === adSet.key).map((a) => a.name));
    if (sameAd) throw errors.invalidParameter(`Two ads of ad set "${adSet.name}" would both be named "${sameAd}": the ad name template must tell creatives (and headlines) apart.`);
  }
  if (ads.length > MAX_LAUNCH_ADS) throw errors.invalidParameter(`The launch would create ${ads.length} ads; Meta's smallest per-Page limit is ${MAX_LAUNCH_ADS} ads running or in review. Split it.`);
  return { campaign: { name: campaignName, params: { ...campaignParams, name: campaignName }, status: campaignStatus }, creatives, adSets, ads, adSetStatus, adStatus: spec.ad.status };
}
