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
import { authorizeOnAccount, requireActiveAccount, readAdAccount, requireAdAccount, unknownAdObject, type AdAccountScope } from "./adAccountScope.ts";
import { AD_OBJECT_STATUSES, BID_STRATEGIES, CREATE_STATUSES, OBJECTIVES, SPECIAL_AD_CATEGORIES } from "./adEnums.ts";
import { keysetPage, mapPage, pageLimit } from "./adPaging.ts";
import type { AdObjectReadModel } from "./adObjectReadModel.ts";
import { parseParams, params } from "./adParams.ts";
import { presentCampaign, type CampaignView } from "./adPresenters.ts";
import { assertEditable, auditDiff, definedKeys, effectiveStatusFilter, pageRequest, updateActions, type ListOptions } from "./adRules.ts";
import { parseGraphTime } from "./adTime.ts";
import { findCampaign, insertCampaign, listCampaigns, lockCampaign, specialAdCategoriesColumn, updateCampaign, type CampaignRecord, type CampaignRow } from "./campaign.repository.ts";
import { noteListed } from "./requestReads.ts";
import { applyLabels, planLabels, withLabelFields } from "./adLabel.service.ts";

/** `POST act_<id>/campaigns` parameters (Meta's names). Money is in minor units; times ISO 8601 or UNIX seconds. */
export interface CampaignCreateInput {
  name: string;
  objective: string;
  /** Required, as on Meta: [] or ["NONE"] when none applies. */
  special_ad_categories: readonly string[] | string;
  /** ACTIVE or PAUSED; new campaigns are PAUSED unless asked otherwise. */
  status?: string;
  /** Only with a campaign budget (Advantage campaign budget). */
  bid_strategy?: string;
  daily_budget?: number | string;
  lifetime_budget?: number | string;
  spend_cap?: number | string;
  start_time?: string | number;
  stop_time?: string | number;
  /** `[{"name": "…"}]` or `[{"id": "<label id>"}]`: the ad labels it carries (see AdLabelService). */
  adlabels?: unknown;
}

/** `POST /<campaign id>` parameters; budget fields need change_budget, the rest edit_campaign. */
export interface CampaignUpdateInput {
  name?: string;
  status?: string;
  objective?: string;
  special_ad_categories?: readonly string[] | string;
  bid_strategy?: string;
  daily_budget?: number | string;
  lifetime_budget?: number | string;
  spend_cap?: number | string;
  start_time?: string | number;
  stop_time?: string | number;
  /** Replaces the ad labels it carries. */
  adlabels?: unknown;
}

const specialAdCategories = params
  .list(params.oneOf(SPECIAL_AD_CATEGORIES), '[] or ["NONE"]')
  .transform((values) => [...new Set(values)])
  .refine((values) => !(values.includes("NONE") && values.length > 1), "NONE cannot be combined with other categories");

const createSchema = z.object({
  name: params.name(),
  objective: params.oneOf(OBJECTIVES),
  special_ad_categories: specialAdCategories,
  status: params.oneOf(CREATE_STATUSES).default("PAUSED"),
  bid_strategy: params.oneOf(BID_STRATEGIES).optional(),
  daily_budget: params.minorUnits().optional(),
  lifetime_budget: params.minorUnits().optional(),
  spend_cap: params.minorUnits().optional(),
  start_time: params.time().optional(),
  stop_time: params.time().optional(),
  adlabels: z.unknown().optional(),
});

const updateSchema = z.object({
  name: params.name().optional(),
  status: params.oneOf(AD_OBJECT_STATUSES).optional(),
  objective: params.oneOf(OBJECTIVES).optional(),
  special_ad_categories: specialAdCategories.optional(),
  bid_strategy: params.oneOf(BID_STRATEGIES).optional(),
  daily_budget: params.minorUnits().optional(),
  lifetime_budget: params.minorUnits().optional(),
  spend_cap: params.minorUnits().optional(),
  start_time: params.time().optional(),
  stop_time: params.time().optional(),
  adlabels: z.unknown().optional(),
});

const BUDGET_FIELDS = ["daily_budget", "lifetime_budget", "spend_cap"] as const;

/** What the audit log records of a campaign: its settings under Meta's names, money in minor units. */
function auditFields(row: CampaignRow) {
  return {
    name: row.name,
    objective: row.objective,
    status: row.status,
    special_ad_categories: specialAdCategoriesColumn.decode(row.special_ad_categories),
    bid_strategy: row.bid_strategy,
    daily_budget: row.daily_budget,
    lifetime_budget: row.lifetime_budget,
    spend_cap: row.spend_cap,
    start_time: row.start_time,
    stop_time: row.stop_time,
  };
}

/**
 * Campaigns of an ad account. A campaign with a budget uses Advantage campaign budget (CBO): its ad
 * sets then have none. Whether a campaign has a budget, and whether it is daily or lifetime, is
 * fixed when it is created; the amount can change. Deleting sets status DELETED.
 */
export class CampaignService {
  constructor(
    private readonly deps: HubDeps,
    private readonly readModel: AdObjectReadModel,
  ) {}

  async createCampaign(ctx: RequestContext, accountId: string, input: CampaignCreateInput): Promise<CampaignView> {
    const attempt: AuditAttempt = { action: "campaign.create", targetType: "campaign" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "create_campaign");
      requireActiveAccount(account);
      const p = parseParams(createSchema, input);
      if (p.daily_budget !== undefined && p.lifetime_budget !== undefined) {
        throw errors.invalidParameter("Set either daily_budget or lifetime_budget on a campaign, not both.");
      }
      const hasBudget = p.daily_budget !== undefined || p.lifetime_budget !== undefined;
      if (p.bid_strategy && !hasBudget) {
        throw errors.invalidParameter(
          "Invalid bid_strategy: a campaign takes a bid strategy only with a campaign budget (daily_budget or lifetime_budget); otherwise set it on the ad sets.",
        );
      }
      const row: CampaignRow = {
        id: newId(),
        account_id: account.id,
        name: p.name,
        objective: p.objective,
        status: p.status,
        special_ad_categories: specialAdCategoriesColumn.encode(p.special_ad_categories),
        bid_strategy: p.bid_strategy ?? (hasBudget ? "LOWEST_COST_WITHOUT_CAP" : null),
        daily_budget: p.daily_budget ?? null,
        lifetime_budget: p.lifetime_budget ?? null,
        spend_cap: p.spend_cap ?? null,
        start_time: p.start_time === undefined ? null : parseGraphTime(p.start_time, account.timezoneName, "start_time"),
        stop_time: p.stop_time === undefined ? null : parseGraphTime(p.stop_time, account.timezoneName, "stop_time"),
        created_at: tx.now,
        updated_at: tx.now,
      };
      checkSchedule(row, tx.now, true);
      const budget = budgetOf(row);
      const labels = p.adlabels === undefined ? undefined : await planLabels(tx.trx, account, null, p.adlabels, "replace", tx.now);
      await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        { account, label: `Campaign ${row.name}`, objectId: null, createdId: row.id, parents: [], labelChanges: labels?.changes.map((label) => label.id), ...(budget ? { budget: { kind: budget.kind, before: null, after: budget.amount, days: budgetDays(row, tx.now) } } : {}) },
        tx.now,
      );
      await insertCampaign(tx.trx, row);
      if (labels) await applyLabels(tx.trx, labels, { id: row.id, type: "campaign", accountId: account.id }, tx.now);
      if (budget) await insertBudgetHistory(tx.trx, { id: newId(), object_id: row.id, account_id: account.id, at: tx.now, before_amount: null, after_amount: budget.amount });
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action: "campaign.create", businessId: account.ownerBusinessId, targetType: "campaign", targetId: row.id, after: withLabelFields(auditFields(row), labels?.after) });
      return presentCampaign(await this.mustFind(tx.trx, row.id));
    });
  }

  /** Changes name, status, schedule, special ad categories or budget; only the given fields change. */
  async updateCampaign(ctx: RequestContext, campaignId: string, input: CampaignUpdateInput): Promise<CampaignView> {
    return this.change(ctx, campaignId, input, "campaign.update");
  }

  /** Meta's delete: status DELETED; the campaign leaves lists (unless asked for) and its ad sets and ads with it. */
  async deleteCampaign(ctx: RequestContext, campaignId: string): Promise<CampaignView> {
    return this.change(ctx, campaignId, { status: "DELETED" }, "campaign.delete");
  }

  async getCampaign(ctx: RequestContext, campaignId: string): Promise<CampaignView> {
    const row = await findCampaign(this.deps.db, campaignId);
    if (!row) throw unknownAdObject(campaignId);
    const account = await readAdAccount(this.deps, row.account_id);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    return presentCampaign(row);
  }

  /**
   * `GET act_<id>/campaigns`, newest first. Authorized on every call; the campaigns come from the
   * read model, or page by page from the store for an account too large to hold.
   */
  async listCampaigns(ctx: RequestContext, accountId: string, options: ListOptions = {}): Promise<Page<CampaignView>> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const effectiveStatuses = effectiveStatusFilter(options.effectiveStatus);
    const request = pageRequest(options.page);
    const held = await this.readModel.campaignPage(account.id, effectiveStatuses, { ...request, limit: pageLimit(request) });
    const page = held ?? mapPage(await keysetPage(request, (window) => listCampaigns(this.deps.db, { accountId: account.id, effectiveStatuses }, window)), presentCampaign);
    noteListed(ctx, "campaign", page.items);
    return page;
  }

  private async change(ctx: RequestContext, campaignId: string, input: CampaignUpdateInput, action: AuditAction): Promise<CampaignView> {
    const attempt: AuditAttempt = { action, targetType: "campaign", targetId: campaignId };
    const result = await runCommand<CampaignView | GrantlineError>(this.deps, ctx, attempt, async (tx) => {
      const found = await findCampaign(tx.trx, campaignId);
      if (!found) throw unknownAdObject(campaignId);
      const account = await requireAdAccount(tx.trx, found.account_id);
      authorizeOnAccount(this.deps, ctx, account, ...updateActions(definedKeys(input, updateSchema.shape), BUDGET_FIELDS));
      const p = parseParams(updateSchema, input);
      await lockCampaign(tx.trx, campaignId);
      const current = await this.mustFind(tx.trx, campaignId);
      const next = this.applyChanges(current, p, account, tx.now);
      const labels = p.adlabels === undefined ? undefined : await planLabels(tx.trx, account, campaignId, p.adlabels, "replace", tx.now);
      const diff = auditDiff(withLabelFields(auditFields(current), labels?.before), withLabelFields(auditFields(next), labels?.after));
      if (!diff) return presentCampaign(current);
      assertEditable(`Campaign ${current.name}`, current.effective_status, diff.after);
      const before = budgetOf(current);
      const after = budgetOf(next);
      const budgetChanged = before?.amount !== after?.amount;
      const guard = await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        {
          account,
          label: `Campaign ${current.name}`,
          objectId: campaignId,
          parents: [],
          labelChanges: labels?.changes.map((label) => label.id),
          ...(budgetChanged && after ? { budget: { kind: after.kind, before: before?.amount ?? null, after: after.amount, days: budgetDays(next, tx.now) } } : {}),
        },
        tx.now,
      );
      // A held change is stored for the owner instead of being made; the write answers why once that commits.
      if (guard.kind === "held") return holdChange(this.deps, tx, ctx, guard, { account, objectType: "campaign", objectId: campaignId, params: { ...input } });
      const { id: _id, account_id: _account, created_at: _created, ...changes } = next;
      await updateCampaign(tx.trx, campaignId, { ...changes, updated_at: tx.now });
      if (labels) await applyLabels(tx.trx, labels, { id: campaignId, type: "campaign", accountId: account.id }, tx.now);
      if (budgetChanged) {
        await insertBudgetHistory(tx.trx, { id: newId(), object_id: campaignId, account_id: account.id, at: tx.now, before_amount: before?.amount ?? null, after_amount: after?.amount ?? null });
      }
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action, businessId: account.ownerBusinessId, targetType: "campaign", targetId: campaignId, ...diff });
      return presentCampaign(await this.mustFind(tx.trx, campaignId));
    });
    if (result instanceof GrantlineError) throw result;
    return result;
  }

  private applyChanges(current: CampaignRecord, p: z.output<typeof updateSchema>, account: AdAccountScope, now: number): CampaignRow {
    const label = `Campaign ${current.name}`;
    if (p.objective !== undefined && p.objective !== current.objective) {
      throw errors.invalidParameter(`Invalid objective: ${label} has objective ${current.objective}, which cannot be changed after creation.`);
    }
    if (p.daily_budget !== undefined && p.lifetime_budget !== undefined) {
      throw errors.invalidParameter("Set either daily_budget or lifetime_budget on a campaign, not both.");
    }
    const hasBudget = current.daily_budget !== null || current.lifetime_budget !== null;
    if ((p.daily_budget !== undefined || p.lifetime_budget !== undefined || p.bid_strategy !== undefined) && !hasBudget) {
      const field = p.daily_budget !== undefined ? "daily_budget" : p.lifetime_budget !== undefined ? "lifetime_budget" : "bid_strategy";
      throw errors.invalidParameter(`Invalid ${field}: ${label} uses ad set budgets; change the budgets and bid strategies of its ad sets instead.`);
    }
    if (p.daily_budget !== undefined && current.lifetime_budget !== null) {
      throw errors.invalidParameter(`Invalid daily_budget: ${label} has a lifetime budget, which cannot be switched to a daily one.`);
    }
    if (p.lifetime_budget !== undefined && current.daily_budget !== null) {
      throw errors.invalidParameter(`Invalid lifetime_budget: ${label} has a daily budget, which cannot be switched to a lifetime one.`);
    }
    const next: CampaignRow = {
      id: current.id,
      account_id: current.account_id,
      name: p.name ?? current.name,
      objective: current.objective,
      status: p.status ?? current.status,
      special_ad_categories: p.special_ad_categories ? specialAdCategoriesColumn.encode(p.special_ad_categories) : current.special_ad_categories,
      bid_strategy: p.bid_strategy ?? current.bid_strategy,
      daily_budget: p.daily_budget ?? current.daily_budget,
      lifetime_budget: p.lifetime_budget ?? current.lifetime_budget,
      spend_cap: p.spend_cap ?? current.spend_cap,
      start_time: p.start_time === undefined ? current.start_time : parseGraphTime(p.start_time, account.timezoneName, "start_time"),
      stop_time: p.stop_time === undefined ? current.stop_time : parseGraphTime(p.stop_time, account.timezoneName, "stop_time"),
      created_at: current.created_at,
      updated_at: current.updated_at,
    };
    checkSchedule(next, now, next.stop_time !== current.stop_time);
    return next;
  }

  private async mustFind(db: Executor, id: string): Promise<CampaignRecord> {
    const row = await findCampaign(db, id);
    if (!row) throw unknownAdObject(id);
    return row;
  }
}

/** Days a lifetime budget is spent over (1 for a daily budget). */
function budgetDays(row: CampaignRow, now: number): number {
  return row.lifetime_budget === null ? 1 : scheduleDays(row.start_time, row.stop_time, now);
}

/** A stop after the start and (when newly set) in the future; a lifetime budget needs a stop time. */
function checkSchedule(row: CampaignRow, now: number, stopChanged: boolean): void {
  if (row.lifetime_budget !== null && row.stop_time === null) {
    throw errors.invalidParameter("The parameter stop_time is required with a lifetime_budget: a lifetime budget is spent by the stop time.");
  }
  if (row.stop_time !== null && row.start_time !== null && row.stop_time <= row.start_time) {
    throw errors.invalidParameter("Invalid stop_time: it must be after start_time.");
  }
  if (stopChanged && row.stop_time !== null && row.stop_time <= now) {
    throw errors.invalidParameter("Invalid stop_time: it must be in the future.");
  }
}
