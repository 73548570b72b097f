import type { AdRecord } from "./ad.repository.ts";
import { creativeStorySpec, type AdCreativeRecord } from "./adCreative.repository.ts";
import { adSetBidConstraints, adSetPromotedObject, adSetTargeting, type AdSetRecord } from "./adSet.repository.ts";
import { formatGraphTime } from "./adTime.ts";
import { specialAdCategoriesColumn, type CampaignRecord } from "./campaign.repository.ts";

/**
 * Marketing API objects as the Graph shows them: Meta's field names, money in minor units as
 * strings (`daily_budget: "5000"`), times in the ad account's zone with its offset, and unset
 * optional fields left out rather than null. `account_id` is the bare id, as Meta gives it.
 */

export interface CampaignView {
  id: string;
  account_id: string;
  name: string;
  objective: string;
  status: string;
  configured_status: string;
  effective_status: string;
  special_ad_categories: string[];
  buying_type: "AUCTION";
  bid_strategy?: string;
  daily_budget?: string;
  lifetime_budget?: string;
  spend_cap?: string;
  start_time?: string;
  stop_time?: string;
  /** Meta's AdCampaignIssuesInfo list: delivery problems of the object itself (none are simulated at this level). */
  issues_info: IssueInfo[];
  created_time: string;
  updated_time: string;
}

/** Meta's AdCampaignIssuesInfo (https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-issues-info/). */
export interface IssueInfo {
  level: "AD" | "AD_SET" | "CAMPAIGN";
  error_code: number;
  error_summary: string;
  error_message: string;
  error_type: "HARD_ERROR" | "SOFT_ERROR";
}

export interface AdSetView {
  id: string;
  account_id: string;
  campaign_id: string;
  name: string;
  status: string;
  configured_status: string;
  effective_status: string;
  optimization_goal: string;
  billing_event: string;
  bid_strategy?: string;
  bid_amount?: number;
  bid_constraints?: Record<string, unknown>;
  daily_budget?: string;
  lifetime_budget?: string;
  start_time?: string;
  end_time?: string;
  targeting?: Record<string, unknown>;
  promoted_object?: Record<string, unknown>;
  issues_info: IssueInfo[];
  created_time: string;
  updated_time: string;
}

export interface AdView {
  id: string;
  account_id: string;
  campaign_id: string;
  adset_id: string;
  name: string;
  status: string;
  configured_status: string;
  effective_status: string;
  creative: { id: string };
  /** References to the parents, which `fields=adset{name}` expands. */
  adset: { id: string };
  campaign: { id: string };
  /** Present when review found a problem: `{ global: { REASON: "text" } }`. */
  ad_review_feedback?: { global: Record<string, string> };
  /** The review problem, as Meta lists it in issues_info; empty otherwise. */
  issues_info: IssueInfo[];
  created_time: string;
  updated_time: string;
}

export interface AdCreativeView {
  id: string;
  account_id: string;
  name: string;
  status: string;
  title?: string;
  body?: string;
  /** The destination URL (also inside `object_story_spec.link_data.link` when a story spec was given). */
  link_url?: string;
  image_url?: string;
  image_hash?: string;
  call_to_action_type?: string;
  object_story_spec?: Record<string, unknown>;
  url_tags?: string;
  /** Meta's AdCreativeLinkDataCallToAction: `{ type, value: { link } }`. */
  call_to_action?: { type: string; value?: { link: string } };
  thumbnail_url?: string;
  /** `<page id>_<post id>` of the post the creative makes; only when the story spec names a Page. */
  effective_object_story_id?: string;
}


/** Copies the optional fields that are set. */
function withOptional<T extends object>(view: T, optional: Partial<T>): T {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined && value !== null) (view as Record<string, unknown>)[key] = value;
  }
  return view;
}

const minorString = (value: number | null) => (value === null ? undefined : String(value));

export function presentCampaign(row: CampaignRecord): CampaignView {
  const time = (ms: number | null) => (ms === null ? undefined : formatGraphTime(ms, row.timezone_name));
  return withOptional<CampaignView>(
    {
      id: row.id,
      account_id: row.account_id,
      name: row.name,
      objective: row.objective,
      status: row.status,
      configured_status: row.status,
      effective_status: row.effective_status,
      special_ad_categories: specialAdCategoriesColumn.decode(row.special_ad_categories),
      buying_type: "AUCTION",
      issues_info: [],
      created_time: formatGraphTime(row.created_at, row.timezone_name),
      updated_time: formatGraphTime(row.updated_at, row.timezone_name),
    },
    {
      bid_strategy: row.bid_strategy ?? undefined,
      daily_budget: minorString(row.daily_budget),
      lifetime_budget: minorString(row.lifetime_budget),
      spend_cap: minorString(row.spend_cap),
      start_time: time(row.start_time),
      stop_time: time(row.stop_time),
    },
  );
}

export function presentAdSet(row: AdSetRecord): AdSetView {
  const time = (ms: number | null) => (ms === null ? undefined : formatGraphTime(ms, row.timezone_name));
  return withOptional<AdSetView>(
    {
      id: row.id,
      account_id: row.account_id,
      campaign_id: row.campaign_id,
      name: row.name,
      status: row.status,
      configured_status: row.status,
      effective_status: row.effective_status,
      optimization_goal: row.optimization_goal,
      billing_event: row.billing_event,
      issues_info: [],
      created_time: formatGraphTime(row.created_at, row.timezone_name),
      updated_time: formatGraphTime(row.updated_at, row.timezone_name),
    },
    {
      bid_strategy: row.bid_strategy ?? undefined,
      bid_amount: row.bid_amount ?? undefined,
      bid_constraints: adSetBidConstraints.decodeOrNull(row.bid_constraints) ?? undefined,
      daily_budget: minorString(row.daily_budget),
      lifetime_budget: minorString(row.lifetime_budget),
      start_time: time(row.start_time),
      end_time: time(row.end_time),
      targeting: adSetTargeting.decodeOrNull(row.targeting) ?? undefined,
      promoted_object: adSetPromotedObject.decodeOrNull(row.promoted_object) ?? undefined,
    },
  );
}

export function presentAd(row: AdRecord): AdView {
  const view: AdView = {
    id: row.id,
    account_id: row.account_id,
    campaign_id: row.campaign_id,
    adset_id: row.adset_id,
    name: row.name,
    status: row.status,
    configured_status: row.status,
    effective_status: row.effective_status,
    creative: { id: row.creative_id },
    adset: { id: row.adset_id },
    campaign: { id: row.campaign_id },
    issues_info: [],
    created_time: formatGraphTime(row.created_at, row.timezone_name),
    updated_time: formatGraphTime(row.updated_at, row.timezone_name),
  };
  if (row.review_status === "DISAPPROVED" || row.review_status === "WITH_ISSUES") {
    view.ad_review_feedback = { global: { [row.review_status]: row.review_feedback ?? "" } };
    // One fixed code for review problems: Meta's codes for them vary by policy.
    const hard = row.review_status === "DISAPPROVED";
    view.issues_info = [
      {
        level: "AD",
        error_code: 2446,
        error_summary: hard ? "Ad not approved" : "Ad running with issues",
        error_message: row.review_feedback ?? (hard ? "The ad was not approved in review." : "The ad has issues that limit its delivery."),
        error_type: hard ? "HARD_ERROR" : "SOFT_ERROR",
      },
    ];
  }
  return view;
}

export function presentAdCreative(row: AdCreativeRecord): AdCreativeView {
  const story = creativeStorySpec.decodeOrNull(row.object_story_spec) ?? undefined;
  const pageId = typeof story?.page_id === "string" || typeof story?.page_id === "number" ? String(story.page_id) : undefined;
  return withOptional<AdCreativeView>(
    { id: row.id, account_id: row.account_id, name: row.name, status: row.status },
    {
      title: row.title ?? undefined,
      body: row.body ?? undefined,
      link_url: row.link_url ?? undefined,
      image_url: row.image_url ?? undefined,
      image_hash: row.image_hash ?? undefined,
      call_to_action_type: row.call_to_action_type ?? undefined,
      object_story_spec: story,
      url_tags: row.url_tags ?? undefined,
      call_to_action: row.call_to_action_type ? { type: row.call_to_action_type, ...(row.link_url ? { value: { link: row.link_url } } : {}) } : undefined,
      thumbnail_url: row.image_url ?? undefined,
      // The creative's own id stands for the post id: Grantline publishes no Page posts.
      effective_object_story_id: pageId ? `${pageId}_${row.id}` : undefined,
    },
  );
}
