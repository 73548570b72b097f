import { errors } from "../../errors.ts";
import type { RequestContext } from "../context.ts";
import { inOneTransaction, runCommand, type HubDeps } from "../hubCommand.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import { findAd, listAds, type AdRecord } from "./ad.repository.ts";
import type { AdService } from "./ad.service.ts";
import { authorizeOnAccount, readAdAccount, unknownAdObject } from "./adAccountScope.ts";
import { effectiveStatusFilter } from "./adRules.ts";
import { adSetBidConstraints, adSetPromotedObject, adSetTargeting, findAdSet, listAdSets, type AdSetRecord } from "./adSet.repository.ts";
import type { AdSetService } from "./adSet.service.ts";
import { findCampaign, specialAdCategoriesColumn, type CampaignRecord } from "./campaign.repository.ts";
import type { CampaignService } from "./campaign.service.ts";

/**
 * Deep copies (`POST /{campaign|adset|ad}/copies`), as Meta documents them
 * (https://developers.facebook.com/docs/marketing-api/reference/ad-campaign-group/copies/,
 * https://developers.facebook.com/docs/marketing-api/reference/ad-campaign/copies/,
 * https://developers.facebook.com/docs/marketing-api/reference/adgroup/copies/):
 * `deep_copy` copies the children too, `status_option` (ACTIVE, PAUSED — the default —,
 * INHERITED_FROM_SOURCE) sets the copies' status, `rename_options` `{rename_strategy, rename_prefix,
 * rename_suffix}` their names, `start_time`/`end_time` the copied ad sets' schedule. The answer is
 * `{"copied_campaign_id": …, "ad_object_ids": [{"ad_object_type": "campaign", "source_id": …,
 * "copied_id": …}, …]}` (the example of https://developers.facebook.com/docs/marketing-api/advantage-campaigns/).
 *
 * Every copy is made by the same create commands a caller would use, so it needs the same task
 * (create_campaign) and passes the same checks; all of it is one transaction with one audit entry
 * for the copy itself besides each object's own.
 */
export const STATUS_OPTIONS = ["ACTIVE", "PAUSED", "INHERITED_FROM_SOURCE"] as const;
export const RENAME_STRATEGIES = ["DEEP_RENAME", "ONLY_TOP_LEVEL_RENAME", "NO_RENAME"] as const;
/** Objects one copy may make: it is one transaction, and bulk launches copy campaign by campaign. */
export const MAX_COPIED_OBJECTS = 200;

export interface CopyOptions {
  deep_copy?: unknown;
  status_option?: unknown;
  rename_options?: unknown;
  start_time?: unknown;
  end_time?: unknown;
}

export interface CopiedObject {
  ad_object_type: "campaign" | "ad_set" | "ad";
  source_id: string;
  copied_id: string;
}

interface Plan {
  deep: boolean;
  status: (typeof STATUS_OPTIONS)[number];
  rename: (name: string, topLevel: boolean) => string;
  startTime?: string | number | undefined;
  endTime?: string | number | undefined;
}

interface AdSetTree {
  adSet: AdSetRecord;
  ads: AdRecord[];
}

type Services = { campaigns: CampaignService; adSets: AdSetService; ads: AdService };

const seconds = (ms: number | null) => (ms === null ? undefined : Math.floor(ms / 1000));
/** A copy's status: the source's configured status when inherited (a DELETED or ARCHIVED source is not copied). */
const statusOf = (plan: Plan, source: { status: string }) => (plan.status === "INHERITED_FROM_SOURCE" ? source.status : plan.status);

export class AdCopyService {
  constructor(
    private readonly deps: HubDeps,
    private readonly services: Services,
  ) {}

  async copyCampaign(ctx: RequestContext, campaignId: string, options: CopyOptions): Promise<{ copied_campaign_id: string; ad_object_ids: CopiedObject[] }> {
    const source = await findCampaign(this.deps.db, campaignId);
    if (!source || source.status === "DELETED") throw unknownAdObject(campaignId);
    await this.authorizeSource(ctx, source.account_id);
    const plan = parsePlan(options, true);
    // Everything copied is read before the transaction: on SQLite a read outside it would wait for it.
    const adSets = plan.deep ? await this.treesOf(await this.liveAdSets(source.id)) : [];
    const copied: CopiedObject[] = [];
    await this.inCopy(ctx, "campaign.copy", "campaign", campaignId, source.account_id, copied, async () => {
      const campaign = await this.services.campaigns.createCampaign(ctx, source.account_id, campaignInput(source, plan));
      copied.push({ ad_object_type: "campaign", source_id: source.id, copied_id: campaign.id });
      for (const tree of adSets) await this.copyAdSetInto(ctx, tree, campaign.id, plan, false, copied);
    });
    return { copied_campaign_id: copied[0]!.copied_id, ad_object_ids: copied };
  }

  /** `campaign_id` puts the copy under another campaign of the same account; by default it stays under the source's. */
  async copyAdSet(ctx: RequestContext, adSetId: string, options: CopyOptions & { campaign_id?: unknown }): Promise<{ copied_adset_id: string; ad_object_ids: CopiedObject[] }> {
    const source = await findAdSet(this.deps.db, adSetId);
    if (!source || source.status === "DELETED") throw unknownAdObject(adSetId);
    await this.authorizeSource(ctx, source.account_id);
    const plan = parsePlan(options, false);
    const campaignId = options.campaign_id === undefined || options.campaign_id === "" ? source.campaign_id : String(options.campaign_id);
    const target = await findCampaign(this.deps.db, campaignId);
    if (!target || target.account_id !== source.account_id) throw errors.invalidParameter(`(#100) Invalid campaign_id: ${campaignId} is not a campaign of the ad set's ad account.`);
    const [tree] = await this.treesOf([source], plan.deep);
    const copied: CopiedObject[] = [];
    await this.inCopy(ctx, "adset.copy", "adset", adSetId, source.account_id, copied, () => this.copyAdSetInto(ctx, tree!, campaignId, plan, true, copied));
    return { copied_adset_id: copied[0]!.copied_id, ad_object_ids: copied };
  }

  /** `adset_id` puts the copy in another ad set of the same account; by default it stays in the source's. */
  async copyAd(ctx: RequestContext, adId: string, options: CopyOptions & { adset_id?: unknown }): Promise<{ copied_ad_id: string; ad_object_ids: CopiedObject[] }> {
    const source = await findAd(this.deps.db, adId);
    if (!source || source.status === "DELETED") throw unknownAdObject(adId);
    await this.authorizeSource(ctx, source.account_id);
    const plan = parsePlan(options, false);
    const adSetId = options.adset_id === undefined || options.adset_id === "" ? source.adset_id : String(options.adset_id);
    const target = await findAdSet(this.deps.db, adSetId);
    if (!target || target.account_id !== source.account_id) throw errors.invalidParameter(`(#100) Invalid adset_id: ${adSetId} is not an ad set of the ad's ad account.`);
    const copied: CopiedObject[] = [];
    await this.inCopy(ctx, "ad.copy", "ad", adId, source.account_id, copied, () => this.copyAdInto(ctx, source, adSetId, plan, true, copied));
    return { copied_ad_id: copied[0]!.copied_id, ad_object_ids: copied };
  }

  /** Reading the source needs view_asset; each create then checks create_campaign itself. */
  private async authorizeSource(ctx: RequestContext, accountId: string): Promise<void> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset", "create_campaign");
  }

  /** Runs the copy's creates as one transaction and records the copy itself in the audit log. */
  private async inCopy(ctx: RequestContext, action: AuditAction, targetType: string, sourceId: string, accountId: string, copied: CopiedObject[], work: () => Promise<void>): Promise<void> {
    const account = await readAdAccount(this.deps, accountId);
    await inOneTransaction(this.deps, async () => {
      await work();
      await runCommand(this.deps, ctx, { action, targetType, targetId: sourceId }, (tx) =>
        tx.audit({ action, businessId: account.ownerBusinessId, targetType, targetId: sourceId, after: { ad_object_ids: copied } }),
      );
    });
  }

  /** Each ad set with the ads a deep copy takes from it. */
  private async treesOf(adSets: AdSetRecord[], withAds = true): Promise<AdSetTree[]> {
    const trees: AdSetTree[] = [];
    for (const adSet of adSets) trees.push({ adSet, ads: withAds ? await this.liveAds(adSet.id) : [] });
    if (trees.length + trees.reduce((n, t) => n + t.ads.length, 0) >= MAX_COPIED_OBJECTS) {
      throw errors.invalidParameter(`(#100) A copy may make at most ${MAX_COPIED_OBJECTS} objects. Copy the ad sets one by one.`);
    }
    return trees;
  }

  private async copyAdSetInto(ctx: RequestContext, { adSet: source, ads }: AdSetTree, campaignId: string, plan: Plan, topLevel: boolean, copied: CopiedObject[]): Promise<void> {
    const adSet = await this.services.adSets.createAdSet(ctx, source.account_id, {
      campaign_id: campaignId,
      name: plan.rename(source.name, topLevel),
      status: statusOf(plan, source),
      optimization_goal: source.optimization_goal,
      billing_event: source.billing_event,
      ...(source.bid_strategy !== null ? { bid_strategy: source.bid_strategy } : {}),
      ...(source.bid_amount !== null ? { bid_amount: source.bid_amount } : {}),
      ...(source.bid_constraints !== null ? { bid_constraints: adSetBidConstraints.decode(source.bid_constraints) } : {}),
      ...(source.daily_budget !== null ? { daily_budget: source.daily_budget } : {}),
      ...(source.lifetime_budget !== null ? { lifetime_budget: source.lifetime_budget } : {}),
      ...(plan.startTime ?? seconds(source.start_time)) !== undefined ? { start_time: plan.startTime ?? seconds(source.start_time)! } : {},
      ...(plan.endTime ?? seconds(source.end_time)) !== undefined ? { end_time: plan.endTime ?? seconds(source.end_time)! } : {},
      ...(source.targeting !== null ? { targeting: adSetTargeting.decode(source.targeting) } : {}),
      ...(source.promoted_object !== null ? { promoted_object: adSetPromotedObject.decode(source.promoted_object) } : {}),
    });
    copied.push({ ad_object_type: "ad_set", source_id: source.id, copied_id: adSet.id });
    for (const ad of ads) await this.copyAdInto(ctx, ad, adSet.id, plan, false, copied);
  }

  private async copyAdInto(ctx: RequestContext, source: AdRecord, adSetId: string, plan: Plan, topLevel: boolean, copied: CopiedObject[]): Promise<void> {
    const ad = await this.services.ads.createAd(ctx, source.account_id, {
      adset_id: adSetId,
      name: plan.rename(source.name, topLevel),
      status: statusOf(plan, source),
      creative: { creative_id: source.creative_id },
    });
    copied.push({ ad_object_type: "ad", source_id: source.id, copied_id: ad.id });
  }

  /** Children that are neither deleted nor archived, oldest first (so copies keep their order). */
  private async liveAdSets(campaignId: string): Promise<AdSetRecord[]> {
    const rows = await listAdSets(this.deps.db, { campaignId, effectiveStatuses: effectiveStatusFilter(undefined) }, { newestFirst: false, limit: MAX_COPIED_OBJECTS + 1 });
    return rows.filter((row) => row.status === "ACTIVE" || row.status === "PAUSED");
  }

  private async liveAds(adSetId: string): Promise<AdRecord[]> {
    const rows = await listAds(this.deps.db, { adSetId, effectiveStatuses: effectiveStatusFilter(undefined) }, { newestFirst: false, limit: MAX_COPIED_OBJECTS + 1 });
    return rows.filter((row) => row.status === "ACTIVE" || row.status === "PAUSED");
  }
}

function campaignInput(source: CampaignRecord, plan: Plan) {
  const hasBudget = source.daily_budget !== null || source.lifetime_budget !== null;
  return {
    name: plan.rename(source.name, true),
    objective: source.objective,
    special_ad_categories: specialAdCategoriesColumn.decode(source.special_ad_categories),
    status: statusOf(plan, source),
    ...(hasBudget && source.bid_strategy !== null ? { bid_strategy: source.bid_strategy } : {}),
    ...(source.daily_budget !== null ? { daily_budget: source.daily_budget } : {}),
    ...(source.lifetime_budget !== null ? { lifetime_budget: source.lifetime_budget } : {}),
    ...(source.spend_cap !== null ? { spend_cap: source.spend_cap } : {}),
    ...(source.start_time !== null ? { start_time: seconds(source.start_time)! } : {}),
    ...(source.stop_time !== null ? { stop_time: seconds(source.stop_time)! } : {}),
  };
}

const flag = (value: unknown, name: string): boolean => {
  if (value === undefined || value === "" || value === false || value === "false" || value === 0 || value === "0") return false;
  if (value === true || value === "true" || value === 1 || value === "1") return true;
  throw errors.invalidParameter(`(#100) Param ${name} must be a boolean.`);
};

/**
 * The options of a copy. rename_options: DEEP_RENAME renames every copied object,
 * ONLY_TOP_LEVEL_RENAME (the default) the top one, NO_RENAME none; with neither prefix nor suffix
 * given, the suffix is " - Copy", as Ads Manager's duplicates are named.
 */
function parsePlan(options: CopyOptions, campaignLevel: boolean): Plan {
  const status = options.status_option ?? "PAUSED";
  if (typeof status !== "string" || !(STATUS_OPTIONS as readonly string[]).includes(status)) {
    throw errors.invalidParameter(`(#100) Param status_option must be one of {${STATUS_OPTIONS.join(", ")}}`);
  }
  const rename = options.rename_options ?? {};
  if (typeof rename !== "object" || rename === null || Array.isArray(rename)) throw errors.invalidParameter("(#100) Param rename_options must be a JSON object.");
  const { rename_strategy: strategy = "ONLY_TOP_LEVEL_RENAME", rename_prefix: prefix, rename_suffix: suffix, ...unknown } = rename as Record<string, unknown>;
  const extra = Object.keys(unknown)[0];
  if (extra !== undefined) throw errors.invalidParameter(`(#100) Param rename_options has an unknown key: ${extra}.`);
  if (typeof strategy !== "string" || !(RENAME_STRATEGIES as readonly string[]).includes(strategy)) {
    throw errors.invalidParameter(`(#100) Param rename_options[rename_strategy] must be one of {${RENAME_STRATEGIES.join(", ")}}`);
  }
  for (const [name, value] of [["rename_prefix", prefix], ["rename_suffix", suffix]] as const) {
    if (value !== undefined && (typeof value !== "string" || value.length > 100)) throw errors.invalidParameter(`(#100) Param rename_options[${name}] must be a string of at most 100 characters.`);
  }
  const affix = prefix === undefined && suffix === undefined ? { prefix: "", suffix: " - Copy" } : { prefix: (prefix as string | undefined) ?? "", suffix: (suffix as string | undefined) ?? "" };
  const time = (value: unknown, name: string): string | number | undefined => {
    if (value === undefined || value === "") return undefined;
    if (typeof value !== "string" && typeof value !== "number") throw errors.invalidParameter(`(#100) Param ${name} must be a time.`);
    return value;
  };
  return {
    // An ad's copy has no children: deep_copy means nothing there and is ignored, as Meta's ad copies take no such parameter.
    deep: flag(options.deep_copy, "deep_copy"),
    status: status as Plan["status"],
    rename: (name, topLevel) => (strategy === "NO_RENAME" || (strategy === "ONLY_TOP_LEVEL_RENAME" && !topLevel) ? name : `${affix.prefix}${name}${affix.suffix}`),
    startTime: campaignLevel || options.start_time !== undefined ? time(options.start_time, "start_time") : undefined,
    endTime: time(options.end_time, "end_time"),
  };
}
