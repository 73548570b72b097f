import { z } from "zod";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import type { Executor } from "../../store/database.ts";
import type { Page } from "../../store/paging.ts";
import { subjectOf } from "../access/authorize.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import { authorizeGuardedWrite } from "../access/guardrails.ts";
import type { AdObjectReadModel } from "./adObjectReadModel.ts";
import { countActiveAds, findAd, insertAd, listAds, lockAd, updateAd, type AdRecord, type AdRow } from "./ad.repository.ts";
import { authorizeOnAccount, requireActiveAccount, readAdAccount, requireAdAccount, unknownAdObject, type AdAccountScope } from "./adAccountScope.ts";
import { findCreative } from "./adCreative.repository.ts";
import { AD_OBJECT_STATUSES, CREATE_STATUSES, REVIEW_STATUSES } from "./adEnums.ts";
import { keysetPage, mapPage } from "./adPaging.ts";
import { parseParams, params } from "./adParams.ts";
import { presentAd, type AdView } from "./adPresenters.ts";
import { assertEditable, assertOpenParent, auditDiff, effectiveStatusFilter, pageRequest, type ListOptions } from "./adRules.ts";
import { findAdSet } from "./adSet.repository.ts";
import { WebhookPublisher } from "../webhooks/webhookPublisher.ts";
import { findCampaign } from "./campaign.repository.ts";
import { applyLabels, planLabels, withLabelFields } from "./adLabel.service.ts";

/** `POST act_<id>/ads` parameters (Meta's names). The destination URL is the creative's (see AdCreativeService). */
export interface AdCreateInput {
  adset_id: string;
  name: string;
  /** `{ creative_id }` as Meta takes it, or the creative's id. */
  creative: { creative_id: string } | string;
  /** ACTIVE or PAUSED; new ads are PAUSED unless asked otherwise. */
  status?: string;
  /** `[{"name": "…"}]` or `[{"id": "<label id>"}]`: the ad labels it carries (see AdLabelService). */
  adlabels?: unknown;
}

export interface AdUpdateInput {
  name?: string;
  status?: string;
  creative?: { creative_id: string } | string;
  /** Replaces the ad labels it carries. */
  adlabels?: unknown;
}

const creativeRef = z.preprocess(
  (value) => {
    if (typeof value === "string" && value.trim().startsWith("{")) {
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }
    return typeof value === "string" || typeof value === "number" ? { creative_id: value } : value;
  },
  z.object({ creative_id: params.id() }, { error: 'must be {"creative_id": "<id>"}' }),
);

const createSchema = z.object({
  adset_id: params.id(),
  name: params.name(),
  creative: creativeRef,
  status: params.oneOf(CREATE_STATUSES).default("PAUSED"),
  adlabels: z.unknown().optional(),
});

const updateSchema = z.object({
  name: params.name().optional(),
  status: params.oneOf(AD_OBJECT_STATUSES).optional(),
  creative: creativeRef.optional(),
  adlabels: z.unknown().optional(),
});

const reviewSchema = z.object({
  review_status: params.oneOf(REVIEW_STATUSES),
  feedback: params.optionalText(2000).optional(),
});

function auditFields(row: AdRow) {
  return {
    adset_id: row.adset_id,
    name: row.name,
    status: row.status,
    creative_id: row.creative_id,
    review_status: row.review_status,
    review_feedback: row.review_feedback,
  };
}

/**
 * Ads: an ad set plus a creative. New ads start APPROVED by ad review; the simulator (standing in
 * for Meta's review) can set PENDING_REVIEW, DISAPPROVED or WITH_ISSUES, which shows in
 * `effective_status`.
 */
export class AdService {
  constructor(
    private readonly deps: HubDeps,
    private readonly readModel: AdObjectReadModel,
  ) {}

  async createAd(ctx: RequestContext, accountId: string, input: AdCreateInput): Promise<AdView> {
    const attempt: AuditAttempt = { action: "ad.create", targetType: "ad" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "create_campaign");
      requireActiveAccount(account);
      const p = parseParams(createSchema, input);
      const adSet = await findAdSet(tx.trx, p.adset_id);
      if (!adSet || adSet.account_id !== account.id) {
        throw errors.invalidParameter(`Invalid adset_id: ad account act_${account.id} has no ad set ${p.adset_id}.`);
      }
      assertOpenParent(`Ad set ${adSet.name}`, adSet.effective_status);
      await requireCreative(tx.trx, account, p.creative.creative_id);
      const labels = p.adlabels === undefined ? undefined : await planLabels(tx.trx, account, null, p.adlabels, "replace", tx.now);
      await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        { account, label: `Ad ${p.name}`, objectId: null, parents: [adSet.id, adSet.campaign_id], labelChanges: labels?.changes.map((label) => label.id) },
        tx.now,
      );
      const row: AdRow = {
        id: newId(),
        account_id: account.id,
        campaign_id: adSet.campaign_id,
        adset_id: adSet.id,
        creative_id: p.creative.creative_id,
        name: p.name,
        status: p.status,
        review_status: "APPROVED",
        review_feedback: null,
        created_at: tx.now,
        updated_at: tx.now,
      };
      await insertAd(tx.trx, row);
      if (labels) await applyLabels(tx.trx, labels, { id: row.id, type: "ad", accountId: account.id }, tx.now);
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action: "ad.create", businessId: account.ownerBusinessId, targetType: "ad", targetId: row.id, after: withLabelFields(auditFields(row), labels?.after) });
      return presentAd(await mustFind(tx.trx, row.id));
    });
  }

  /** Renames, pauses or resumes the ad, or gives it another creative of the same account. */
  async updateAd(ctx: RequestContext, adId: string, input: AdUpdateInput): Promise<AdView> {
    return this.change(ctx, adId, input, "ad.update");
  }

  /** Meta's delete: status DELETED. */
  async deleteAd(ctx: RequestContext, adId: string): Promise<AdView> {
    return this.change(ctx, adId, { status: "DELETED" }, "ad.delete");
  }

  /**
   * Ad review's verdict, for the simulator: only the hub itself (system or operator context) may
   * set it, never a person or system user.
   */
  async setReviewStatus(ctx: RequestContext, adId: string, input: { review_status: string; feedback?: string }): Promise<AdView> {
    const attempt: AuditAttempt = { action: "ad.review", targetType: "ad", targetId: adId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (subjectOf(ctx)) throw errors.permissionDenied("(#200) Only ad review sets an ad's review status.");
      const found = await findAd(tx.trx, adId);
      if (!found) throw unknownAdObject(adId);
      const p = parseParams(reviewSchema, input);
      await lockAd(tx.trx, adId);
      const current = await mustFind(tx.trx, adId);
      const feedback = p.review_status === "APPROVED" || p.review_status === "PENDING_REVIEW" ? null : (p.feedback ?? null);
      const next: AdRow = { ...current, review_status: p.review_status, review_feedback: feedback };
      const diff = auditDiff(auditFields(current), auditFields(next));
      if (!diff) return presentAd(current);
      await updateAd(tx.trx, adId, { review_status: next.review_status, review_feedback: next.review_feedback, updated_at: tx.now });
      await this.readModel.changed(tx, current.account_id);
      const account = await requireAdAccount(tx.trx, current.account_id);
      await tx.audit({ action: "ad.review", businessId: account.ownerBusinessId, targetType: "ad", targetId: adId, ...diff });
      const after = presentAd(await mustFind(tx.trx, adId));
      // Subscribed apps hear when an ad goes into WITH_ISSUES or DISAPPROVED (Meta's with_issues_ad_objects).
      if (after.effective_status === "DISAPPROVED" || after.effective_status === "WITH_ISSUES") {
        await new WebhookPublisher(this.deps).publish(tx, {
          objectId: current.account_id,
          field: "with_issues_ad_objects",
          value: { id: adId, level: "AD", effective_status: after.effective_status, ...(after.ad_review_feedback ? { ad_review_feedback: after.ad_review_feedback } : {}) },
        });
      }
      return after;
    });
  }

  /**
   * Ads of the account delivering now (effective status ACTIVE). Rate limiting sizes an ad
   * account's quota by it; it is not a read on anyone's behalf, so it needs no authorization.
   */
  async activeAdCount(accountId: string): Promise<number> {
    return countActiveAds(this.deps.db, assetIdFromGraph(accountId));
  }

  async getAd(ctx: RequestContext, adId: string): Promise<AdView> {
    const row = await findAd(this.deps.db, adId);
    if (!row) throw unknownAdObject(adId);
    authorizeOnAccount(this.deps, ctx, await readAdAccount(this.deps, row.account_id), "view_asset");
    return presentAd(row);
  }

  /** `GET act_<id>/ads`, `GET <campaign id>/ads` or `GET <ad set id>/ads`, newest first. */
  async listAds(
    ctx: RequestContext,
    parent: { accountId: string } | { campaignId: string } | { adSetId: string },
    options: ListOptions = {},
  ): Promise<Page<AdView>> {
    const effectiveStatuses = effectiveStatusFilter(options.effectiveStatus);
    let filter: { accountId?: string; campaignId?: string; adSetId?: string };
    let accountId: string;
    if ("campaignId" in parent) {
      const campaign = await findCampaign(this.deps.db, parent.campaignId);
      if (!campaign) throw unknownAdObject(parent.campaignId);
      [accountId, filter] = [campaign.account_id, { campaignId: campaign.id }];
    } else if ("adSetId" in parent) {
      const adSet = await findAdSet(this.deps.db, parent.adSetId);
      if (!adSet) throw unknownAdObject(parent.adSetId);
      [accountId, filter] = [adSet.account_id, { adSetId: adSet.id }];
    } else {
      [accountId, filter] = [parent.accountId, {}];
    }
    const account = await readAdAccount(this.deps, accountId);
    if ("accountId" in parent) filter.accountId = account.id;
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const page = await keysetPage(pageRequest(options.page), (window) => listAds(this.deps.db, { ...filter, effectiveStatuses }, window));
    return mapPage(page, presentAd);
  }

  private async change(ctx: RequestContext, adId: string, input: AdUpdateInput, action: AuditAction): Promise<AdView> {
    const attempt: AuditAttempt = { action, targetType: "ad", targetId: adId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const found = await findAd(tx.trx, adId);
      if (!found) throw unknownAdObject(adId);
      const account = await requireAdAccount(tx.trx, found.account_id);
      authorizeOnAccount(this.deps, ctx, account, "edit_campaign");
      const p = parseParams(updateSchema, input);
      await lockAd(tx.trx, adId);
      const current = await mustFind(tx.trx, adId);
      const next: AdRow = {
        ...current,
        name: p.name ?? current.name,
        status: p.status ?? current.status,
        creative_id: p.creative?.creative_id ?? current.creative_id,
      };
      const labels = p.adlabels === undefined ? undefined : await planLabels(tx.trx, account, adId, p.adlabels, "replace", tx.now);
      const diff = auditDiff(withLabelFields(auditFields(current), labels?.before), withLabelFields(auditFields(next), labels?.after));
      if (!diff) return presentAd(current);
      assertEditable(`Ad ${current.name}`, current.effective_status, diff.after);
      if (next.creative_id !== current.creative_id) await requireCreative(tx.trx, account, next.creative_id);
      await authorizeGuardedWrite(
        this.deps.engine,
        ctx,
        tx.trx,
        { account, label: `Ad ${current.name}`, objectId: adId, parents: [current.adset_id, current.campaign_id], labelChanges: labels?.changes.map((label) => label.id) },
        tx.now,
      );
      await updateAd(tx.trx, adId, { name: next.name, status: next.status, creative_id: next.creative_id, updated_at: tx.now });
      if (labels) await applyLabels(tx.trx, labels, { id: adId, type: "ad", accountId: account.id }, tx.now);
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action, businessId: account.ownerBusinessId, targetType: "ad", targetId: adId, ...diff });
      return presentAd(await mustFind(tx.trx, adId));
    });
  }
}

async function mustFind(db: Executor, id: string): Promise<AdRecord> {
  const row = await findAd(db, id);
  if (!row) throw unknownAdObject(id);
  return row;
}

/** A creative of the same account that is not deleted. */
async function requireCreative(db: Executor, account: AdAccountScope, creativeId: string): Promise<void> {
  const creative = await findCreative(db, creativeId);
  if (!creative || creative.account_id !== account.id) {
    throw errors.invalidParameter(`Invalid creative: ad account act_${account.id} has no ad creative ${creativeId}.`);
  }
  if (creative.status === "DELETED") throw errors.invalidParameter(`Invalid creative: ad creative ${creative.name} is deleted.`);
}
