import { z } from "zod";
import { errors, GrantlineError } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { Executor } from "../../store/database.ts";
import type { Page } from "../../store/paging.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import { authorizeGuardedWrite } from "../access/guardrails.ts";
import { insertBudgetHistory } from "../guardrails/guardrail.repository.ts";
import { budgetOf, scheduleDays } from "../guardrails/guardrailRules.ts";
import { holdChange } from "../guardrails/guardrail.service.ts";
import type { AdObjectReadModel } from "./adObjectReadModel.ts";
import {
  authorizeOnAccount,
  requireActiveAccount,
  readAdAccount, requireAdAccount,
  requireUsableAsset,
  unknownAdObject,
  type AdAccountScope,
} from "./adAccountScope.ts";
import {
  AD_OBJECT_STATUSES,
  BID_STRATEGIES,
  BILLING_EVENTS,
  CREATE_STATUSES,
  OPTIMIZATION_GOALS,
  type Objective,
  type OptimizationGoal,
} from "./adEnums.ts";
import { firstPageOf, keysetPage, mapPage, pageLimit } from "./adPaging.ts";
import { parseParams, params } from "./adParams.ts";
import { presentAdSet, type AdSetView } from "./adPresenters.ts";
import { assertEditable, assertOpenParent, auditDiff, definedKeys, effectiveStatusFilter, pageRequest, updateActions, type ListOptions } from "./adRules.ts";
import {
  budgetChangesSince,
  findAdSet,
  firstAdSetsOfCampaigns,
  insertAdSet,
  insertBudgetChange,
  listAdSets,
  lockAdSet,
  updateAdSet,
  adSetBidConstraints,
  adSetPromotedObject,
  adSetTargeting,
  type AdSetRecord,
  type AdSetRow,
} from "./adSet.repository.ts";
import { parseGraphTime } from "./adTime.ts";
import { findCampaign, type CampaignRecord } from "./campaign.repository.ts";
import { readInBatch } from "./requestBatch.ts";
import { listedAccountOf, noteListed } from "./requestReads.ts";
import { applyLabels, planLabels, withLabelFields } from "./adLabel.service.ts";

/** `POST act_<id>/adsets` parameters (Meta's names). Money in minor units; times ISO 8601 or UNIX seconds. */
export interface AdSetCreateInput {
  campaign_id: string;
  name: string;
  /** ACTIVE or PAUSED; new ad sets are PAUSED unless asked otherwise. */
  status?: string;
  /** Defaults from the campaign's objective (OUTCOME_SALES → OFFSITE_CONVERSIONS, …). */
  optimization_goal?: string;
  /** Defaults to IMPRESSIONS. */
  billing_event?: string;
  bid_strategy?: string;
  /** Needed with COST_CAP and LOWEST_COST_WITH_BID_CAP. */
  bid_amount?: number | string;
  /** `{ roas_average_floor }` (ROAS × 10,000), needed with LOWEST_COST_WITH_MIN_ROAS. */
  bid_constraints?: Record<string, unknown> | string;
  /** One of the two unless the campaign has a budget (then neither). */
  daily_budget?: number | string;
  lifetime_budget?: number | string;
  /** Defaults to now. */
  start_time?: string | number;
  /** Needed with a lifetime budget (the ad set's or the campaign's). */
  end_time?: string | number;
  targeting?: Record<string, unknown> | string;
  /** e.g. `{ pixel_id, custom_event_type: "PURCHASE" }`; a pixel_id needs use_in_ads on that Pixel. */
  promoted_object?: Record<string, unknown> | string;
  /** `[{"name": "…"}]` or `[{"id": "<label id>"}]`: the ad labels it carries (see AdLabelService). */
  adlabels?: unknown;
}

/** `POST /<ad set id>` parameters; daily_budget and lifetime_budget need change_budget, the rest edit_campaign. */
export interface AdSetUpdateInput {
  name?: string;
  status?: string;
  daily_budget?: number | string;
  lifetime_budget?: number | string;
  bid_strategy?: string;
  bid_amount?: number | string;
  bid_constraints?: Record<string, unknown> | string;
  start_time?: string | number;
  end_time?: string | number;
  targeting?: Record<string, unknown> | string;
  /** Replaces the ad labels it carries. */
  adlabels?: unknown;
}

/** Meta's limit: at most this many budget changes per ad set in any hour. */
export const BUDGET_CHANGES_PER_HOUR = 4;
const HOUR = 60 * 60 * 1000;

const DEFAULT_GOALS: Record<Objective, OptimizationGoal> = {
  OUTCOME_APP_PROMOTION: "APP_INSTALLS",
  OUTCOME_AWARENESS: "REACH",
  OUTCOME_ENGAGEMENT: "POST_ENGAGEMENT",
  OUTCOME_LEADS: "LEAD_GENERATION",
  OUTCOME_SALES: "OFFSITE_CONVERSIONS",
  OUTCOME_TRAFFIC: "LINK_CLICKS",
};

/** Bid strategies that take a bid_amount (moving to another one drops it). */
const CAPPED = new Set(["COST_CAP", "LOWEST_COST_WITH_BID_CAP"]);

/** Billing events that charge for a specific result, which the ad set must then optimize for. */
const RESULT_BILLING = new Set(["APP_INSTALLS", "LINK_CLICKS", "PAGE_LIKES", "POST_ENGAGEMENT", "THRUPLAY"]);

const bidConstraints = params.object().pipe(
  z
    .object({
      roas_average_floor: z.preprocess(
        (v) => (typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v),
        z.number({ error: "must be a whole number (ROAS × 10,000; 20000 means 2.0)" }).int().min(1).max(10_000_000),
      ),
    })
    .loose(),
);

const createSchema = z.object({
  campaign_id: params.id(),
  name: params.name(),
  status: params.oneOf(CREATE_STATUSES).default("PAUSED"),
  optimization_goal: params.oneOf(OPTIMIZATION_GOALS).optional(),
  billing_event: params.oneOf(BILLING_EVENTS).default("IMPRESSIONS"),
  bid_strategy: params.oneOf(BID_STRATEGIES).optional(),
  bid_amount: params.minorUnits().optional(),
  bid_constraints: bidConstraints.optional(),
  daily_budget: params.minorUnits().optional(),
  lifetime_budget: params.minorUnits().optional(),
  start_time: params.time().optional(),
  end_time: params.time().optional(),
  targeting: params.object().optional(),
  promoted_object: params.object().optional(),
  adlabels: z.unknown().optional(),
});

const updateSchema = z.object({
  name: params.name().optional(),
  status: params.oneOf(AD_OBJECT_STATUSES).optional(),
  daily_budget: params.minorUnits().optional(),
  lifetime_budget: params.minorUnits().optional(),
  bid_strategy: params.oneOf(BID_STRATEGIES).optional(),
  bid_amount: params.minorUnits().optional(),
  bid_constraints: bidConstraints.optional(),
  start_time: params.time().optional(),
  end_time: params.time().optional(),
  targeting: params.object().optional(),
  adlabels: z.unknown().optional(),
});

const BUDGET_FIELDS = ["daily_budget", "lifetime_budget"] as const;

function auditFields(row: AdSetRow) {
  return {
    campaign_id: row.campaign_id,
    name: row.name,
    status: row.status,
    optimization_goal: row.optimization_goal,
    billing_event: row.billing_event,
    bid_strategy: row.bid_strategy,
    bid_amount: row.bid_amount,
    bid_constraints: adSetBidConstraints.decodeOrNull(row.bid_constraints),
    daily_budget: row.daily_budget,
    lifetime_budget: row.lifetime_budget,
    start_time: row.start_time,
    end_time: row.end_time,
    targeting: adSetTargeting.decodeOrNull(row.targeting),
    promoted_object: adSetPromotedObject.decodeOrNull(row.promoted_object),
  };
}

/**
 * Ad sets: budget (unless the campaign has one), schedule, bidding and optimization. Budget
 * changes are limited to 4 per ad set per hour; the 5th is refused with Graph error 17.
 */
export class AdSetService {
  constructor(
    private readonly deps: HubDeps,
    private readonly readModel: AdObjectReadModel,
  ) {}

  async createAdSet(ctx: RequestContext, accountId: string, input: AdSetCreateInput): Promise<AdSetView> {
    const attempt: AuditAttempt = { action: "adset.create", targetType: "adset" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "create_campaign");
      requireActiveAccount(account);
      const p = parseParams(createSchema, input);
      const campaign = await findCampaign(tx.trx, p.campaign_id);
      if (!campaign || campaign.account_id !== account.id) {
        throw errors.invalidParameter(`Invalid campaign_id: ad account act_${account.id} has no campaign ${p.campaign_id}.`);
      }
      assertOpenParent(`Campaign ${campaign.name}`, campaign.effective_status);
      const optimizationGoal = p.optimization_goal ?? DEFAULT_GOALS[campaign.objective as Objective] ?? "LINK_CLICKS";
      if (RESULT_BILLING.has(p.billing_event) && p.billing_event !== optimizationGoal) {
        throw errors.invalidParameter(
          `Invalid billing_event: billing for ${p.billing_event} needs optimization_goal ${p.billing_event}; use IMPRESSIONS to optimize for ${optimizationGoal}.`,
        );
      }
      if (p.promoted_object && typeof p.promoted_object.pixel_id !== "undefined") {
        await requireUsableAsset(this.deps, ctx, tx.trx, String(p.promoted_object.pixel_id), "pixel", "promoted_object.pixel_id");
      }
      const row: AdSetRow = {
        id: newId(),
        account_id: account.id,
        campaign_id: campaign.id,
        name: p.name,
        status: p.status,
        optimization_goal: optimizationGoal,
        billing_event: p.billing_event,
        bid_strategy: p.bid_strategy ?? null,
        bid_amount: p.bid_amount ?? null,
        bid_constraints: p.bid_constraints ? adSetBidConstraints.encode(p.bid_constraints) : null,
        daily_budget: p.daily_budget ?? null,
        lifetime_budget: p.lifetime_budget ?? null,
        start_time: p.start_time === undefined ? tx.now : parseGraphTime(p.start_time, account.timezoneName, "start_time"),
        end_time: p.end_time === undefined ? null : parseGraphTime(p.end_time, account.timezoneName, "end_time"),
        targeting: p.targeting ? adSetTargeting.encode(p.targeting) : null,
        promoted_object: p.promoted_object ? adSetPromotedObject.encode(p.promoted_object) : null,
        created_at: tx.now,
        updated_at: tx.now,
      };
      checkBudget(row, campaign);
      checkBid(row, campaign);
      checkSchedule(row, campaign, tx.now, true);
      const budget = budgetOf(row);
      const labels = p.adlabels === undefined ? undefined : await planLabels(tx.trx, account, null, p.adlabels, "replace", tx.now);
      await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        { account, label: `Ad set ${row.name}`, objectId: null, createdId: row.id, parents: [campaign.id], labelChanges: labels?.changes.map((label) => label.id), ...(budget ? { budget: { kind: budget.kind, before: null, after: budget.amount, days: budgetDays(row, tx.now) } } : {}) },
        tx.now,
      );
      await insertAdSet(tx.trx, row);
      if (labels) await applyLabels(tx.trx, labels, { id: row.id, type: "adset", accountId: account.id }, tx.now);
      if (budget) await insertBudgetHistory(tx.trx, { id: newId(), object_id: row.id, account_id: account.id, at: tx.now, before_amount: null, after_amount: budget.amount });
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action: "adset.create", businessId: account.ownerBusinessId, targetType: "adset", targetId: row.id, after: withLabelFields(auditFields(row), labels?.after) });
      return presentAdSet(await mustFind(tx.trx, row.id));
    });
  }

  /** Changes the given fields; a new budget amount counts against the 4-per-hour limit. */
  async updateAdSet(ctx: RequestContext, adSetId: string, input: AdSetUpdateInput): Promise<AdSetView> {
    return this.change(ctx, adSetId, input, "adset.update");
  }

  /** Meta's delete: status DELETED; the ad set's ads go with it. */
  async deleteAdSet(ctx: RequestContext, adSetId: string): Promise<AdSetView> {
    return this.change(ctx, adSetId, { status: "DELETED" }, "adset.delete");
  }

  async getAdSet(ctx: RequestContext, adSetId: string): Promise<AdSetView> {
    const row = await findAdSet(this.deps.db, adSetId);
    if (!row) throw unknownAdObject(adSetId);
    authorizeOnAccount(this.deps, ctx, await readAdAccount(this.deps, row.account_id), "view_asset");
    return presentAdSet(row);
  }

  /** `GET act_<id>/adsets` or `GET <campaign id>/adsets`, newest first. */
  async listAdSets(ctx: RequestContext, parent: { accountId: string } | { campaignId: string }, options: ListOptions = {}): Promise<Page<AdSetView>> {
    const effectiveStatuses = effectiveStatusFilter(options.effectiveStatus);
    let filter: { accountId?: string; campaignId?: string };
    let account: AdAccountScope;
    if ("campaignId" in parent) {
      // A campaign this request has just listed (its ad sets expanded in `fields`) is not read again.
      const accountId = listedAccountOf(ctx, "campaign", parent.campaignId) ?? (await findCampaign(this.deps.db, parent.campaignId))?.account_id;
      if (accountId === undefined) throw unknownAdObject(parent.campaignId);
      account = await readAdAccount(this.deps, accountId);
      filter = { campaignId: parent.campaignId };
    } else {
      account = await readAdAccount(this.deps, parent.accountId);
      filter = { accountId: account.id };
    }
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const request = pageRequest(options.page);
    const rows =
      filter.campaignId !== undefined && request.after === undefined && request.before === undefined
        ? await this.firstPageOfCampaign(ctx, filter.campaignId, effectiveStatuses, pageLimit(request))
        : await keysetPage(request, (window) => listAdSets(this.deps.db, { ...filter, effectiveStatuses }, window));
    const page = mapPage(rows, presentAdSet);
    noteListed(ctx, "adset", page.items);
    return page;
  }

  /**
   * A campaign's first page of ad sets, read with the first pages of the other campaigns this
   * request lists at the same time (each campaign's ad sets expanded in `fields`) in one query.
   */
  private async firstPageOfCampaign(ctx: RequestContext, campaignId: string, effectiveStatuses: readonly string[], limit: number): Promise<Page<AdSetRecord>> {
    const kind = `adsets:${effectiveStatuses.join(",")}:${limit}`;
    const rows = await readInBatch(ctx, kind, campaignId, (campaignIds) => firstAdSetsOfCampaigns(this.deps.db, campaignIds, effectiveStatuses, limit + 1));
    return firstPageOf(rows ?? [], limit);
  }

  private async change(ctx: RequestContext, adSetId: string, input: AdSetUpdateInput, action: AuditAction): Promise<AdSetView> {
    const attempt: AuditAttempt = { action, targetType: "adset", targetId: adSetId };
    const result = await runCommand<AdSetView | GrantlineError>(this.deps, ctx, attempt, async (tx) => {
      const found = await findAdSet(tx.trx, adSetId);
      if (!found) throw unknownAdObject(adSetId);
      const account = await requireAdAccount(tx.trx, found.account_id);
      authorizeOnAccount(this.deps, ctx, account, ...updateActions(definedKeys(input, updateSchema.shape), BUDGET_FIELDS));
      const p = parseParams(updateSchema, input);
      // The lock makes concurrent budget changes to one ad set count one after the other.
      await lockAdSet(tx.trx, adSetId);
      const current = await mustFind(tx.trx, adSetId);
      const campaign = await findCampaign(tx.trx, current.campaign_id);
      if (!campaign) throw unknownAdObject(current.campaign_id);
      const next = applyChanges(current, campaign, p, account, tx.now);
      const labels = p.adlabels === undefined ? undefined : await planLabels(tx.trx, account, adSetId, p.adlabels, "replace", tx.now);
      const diff = auditDiff(withLabelFields(auditFields(current), labels?.before), withLabelFields(auditFields(next), labels?.after));
      if (!diff) return presentAdSet(current);
      assertEditable(`Ad set ${current.name}`, current.effective_status, diff.after);
      const budgetChanged = next.daily_budget !== current.daily_budget || next.lifetime_budget !== current.lifetime_budget;
      const before = budgetOf(current);
      const after = budgetOf(next);
      const guard = await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        {
          account,
          label: `Ad set ${current.name}`,
          objectId: adSetId,
          parents: [current.campaign_id],
          labelChanges: labels?.changes.map((label) => label.id),
          ...(budgetChanged && after ? { budget: { kind: after.kind, before: before?.amount ?? null, after: after.amount, days: budgetDays(next, tx.now) } } : {}),
        },
        tx.now,
      );
      // A held change is stored for the owner instead of being made; the write answers why once that commits.
      if (guard.kind === "held") return holdChange(this.deps, tx, ctx, guard, { account, objectType: "adset", objectId: adSetId, params: { ...input } });
      if (budgetChanged) {
        const recent = await budgetChangesSince(tx.trx, adSetId, tx.now - HOUR);
        if (recent.length >= BUDGET_CHANGES_PER_HOUR) {
          const oldest = recent[recent.length - BUDGET_CHANGES_PER_HOUR] ?? tx.now;
          throw errors.tooManyBudgetChanges(current.name, (oldest + HOUR - tx.now) / 60000);
        }
        await insertBudgetChange(tx.trx, { id: newId(), adset_id: adSetId, at: tx.now });
        await insertBudgetHistory(tx.trx, { id: newId(), object_id: adSetId, account_id: account.id, at: tx.now, before_amount: before?.amount ?? null, after_amount: after?.amount ?? null });
      }
      const { id: _id, account_id: _account, campaign_id: _campaign, created_at: _created, ...changes } = next;
      await updateAdSet(tx.trx, adSetId, { ...changes, updated_at: tx.now });
      if (labels) await applyLabels(tx.trx, labels, { id: adSetId, type: "adset", accountId: account.id }, tx.now);
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action, businessId: account.ownerBusinessId, targetType: "adset", targetId: adSetId, ...diff });
      return presentAdSet(await mustFind(tx.trx, adSetId));
    });
    if (result instanceof GrantlineError) throw result;
    return result;
  }
}

/** Days a lifetime budget is spent over (1 for a daily budget). */
function budgetDays(row: AdSetRow, now: number): number {
  return row.lifetime_budget === null ? 1 : scheduleDays(row.start_time, row.end_time, now);
}

async function mustFind(db: Executor, id: string): Promise<AdSetRecord> {
  const row = await findAdSet(db, id);
  if (!row) throw unknownAdObject(id);
  return row;
}

function applyChanges(
  current: AdSetRecord,
  campaign: CampaignRecord,
  p: z.output<typeof updateSchema>,
  account: AdAccountScope,
  now: number,
): AdSetRow {
  const label = `Ad set ${current.name}`;
  if (p.daily_budget !== undefined && current.lifetime_budget !== null) {
    throw errors.invalidParameter(`Invalid daily_budget: ${label} has a lifetime budget, which cannot be switched to a daily one.`);
  }
  if (p.lifetime_budget !== undefined && current.daily_budget !== null) {
    throw errors.invalidParameter(`Invalid lifetime_budget: ${label} has a daily budget, which cannot be switched to a lifetime one.`);
  }
  const next: AdSetRow = {
    id: current.id,
    account_id: current.account_id,
    campaign_id: current.campaign_id,
    name: p.name ?? current.name,
    status: p.status ?? current.status,
    optimization_goal: current.optimization_goal,
    billing_event: current.billing_event,
    bid_strategy: p.bid_strategy ?? current.bid_strategy,
    bid_amount: p.bid_amount ?? (p.bid_strategy && !CAPPED.has(p.bid_strategy) ? null : current.bid_amount),
    bid_constraints: p.bid_constraints
      ? adSetBidConstraints.encode(p.bid_constraints)
      : p.bid_strategy && p.bid_strategy !== "LOWEST_COST_WITH_MIN_ROAS"
        ? null
        : current.bid_constraints,
    daily_budget: p.daily_budget ?? current.daily_budget,
    lifetime_budget: p.lifetime_budget ?? current.lifetime_budget,
    start_time: p.start_time === undefined ? current.start_time : parseGraphTime(p.start_time, account.timezoneName, "start_time"),
    end_time: p.end_time === undefined ? current.end_time : parseGraphTime(p.end_time, account.timezoneName, "end_time"),
    targeting: p.targeting ? adSetTargeting.encode(p.targeting) : current.targeting,
    promoted_object: current.promoted_object,
    created_at: current.created_at,
    updated_at: current.updated_at,
  };
  checkBudget(next, campaign);
  checkBid(next, campaign);
  checkSchedule(next, campaign, now, next.end_time !== current.end_time);
  return next;
}

/** A campaign budget (CBO) means no ad set budget; otherwise exactly one of daily or lifetime. */
function checkBudget(row: AdSetRow, campaign: CampaignRecord): void {
  const own = row.daily_budget !== null || row.lifetime_budget !== null;
  const campaignBudget = campaign.daily_budget !== null || campaign.lifetime_budget !== null;
  if (campaignBudget && own) {
    throw errors.invalidParameter(
      `Invalid ${row.daily_budget !== null ? "daily_budget" : "lifetime_budget"}: campaign ${campaign.name} has a campaign budget, so its ad sets have none. Change the campaign's budget instead.`,
    );
  }
  if (!campaignBudget && !own) {
    throw errors.invalidParameter(`The parameter daily_budget or lifetime_budget is required: campaign ${campaign.name} has no campaign budget.`);
  }
  if (row.daily_budget !== null && row.lifetime_budget !== null) {
    throw errors.invalidParameter("Set either daily_budget or lifetime_budget on an ad set, not both.");
  }
}

/** Caps need an amount, minimum ROAS needs a floor; with a campaign bid strategy the ad set follows it. */
function checkBid(row: AdSetRow, campaign: CampaignRecord): void {
  if (campaign.bid_strategy && row.bid_strategy && row.bid_strategy !== campaign.bid_strategy) {
    throw errors.invalidParameter(
      `Invalid bid_strategy: campaign ${campaign.name} sets ${campaign.bid_strategy} for all its ad sets; leave bid_strategy out or use the same.`,
    );
  }
  const strategy = row.bid_strategy ?? campaign.bid_strategy ?? "LOWEST_COST_WITHOUT_CAP";
  const needsAmount = CAPPED.has(strategy);
  if (needsAmount && row.bid_amount === null) {
    throw errors.invalidParameter(`The parameter bid_amount is required with bid strategy ${strategy}.`);
  }
  if (!needsAmount && row.bid_amount !== null) {
    throw errors.invalidParameter(`Invalid bid_amount: it applies only with COST_CAP or LOWEST_COST_WITH_BID_CAP, not ${strategy}.`);
  }
  if (strategy === "LOWEST_COST_WITH_MIN_ROAS" && row.bid_constraints === null) {
    throw errors.invalidParameter("The parameter bid_constraints is required with LOWEST_COST_WITH_MIN_ROAS: give { roas_average_floor }.");
  }
}

/** End after start, in the future when newly set, and present whenever a lifetime budget must be spent by it. */
function checkSchedule(row: AdSetRow, campaign: CampaignRecord, now: number, endChanged: boolean): void {
  if ((row.lifetime_budget !== null || campaign.lifetime_budget !== null) && row.end_time === null) {
    throw errors.invalidParameter("The parameter end_time is required with a lifetime budget: a lifetime budget is spent by the end time.");
  }
  if (row.end_time !== null && row.start_time !== null && row.end_time <= row.start_time) {
    throw errors.invalidParameter("Invalid end_time: it must be after start_time.");
  }
  if (endChanged && row.end_time !== null && row.end_time <= now) {
    throw errors.invalidParameter("Invalid end_time: it must be in the future.");
  }
}
