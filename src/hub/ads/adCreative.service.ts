import { z } from "zod";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { Executor } from "../../store/database.ts";
import type { Page, PageRequest } from "../../store/paging.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type CommandTx, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import type { AuditAction } from "../audit/auditActions.ts";
import type { AdObjectReadModel } from "./adObjectReadModel.ts";
import { countAdsUsingCreative } from "./ad.repository.ts";
import { authorizeOnAccount, requireActiveAccount, readAdAccount, requireAdAccount, requireUsableAsset, unknownAdObject } from "./adAccountScope.ts";
import { creativeStorySpec, findCreative, insertCreative, listCreatives, lockCreative, updateCreative, type AdCreativeRecord, type AdCreativeRow } from "./adCreative.repository.ts";
import { CALL_TO_ACTION_TYPES } from "./adEnums.ts";
import { keysetPage, mapPage } from "./adPaging.ts";
import { parseParams, params } from "./adParams.ts";
import { presentAdCreative, type AdCreativeView } from "./adPresenters.ts";
import { auditDiff, pageRequest } from "./adRules.ts";

/**
 * `POST act_<id>/adcreatives` parameters (Meta's names). The destination URL lives on the creative,
 * as on Meta: `link_url`, or `object_story_spec.link_data.link` for a link ad on a Page (give one,
 * or both the same). Ads have no URL of their own; an ad's destination is its creative's `link_url`.
 */
export interface AdCreativeCreateInput {
  /** Defaults to the title, or "Ad creative". */
  name?: string;
  title?: string;
  body?: string;
  link_url?: string;
  image_url?: string;
  image_hash?: string;
  call_to_action_type?: string;
  /** `{ page_id, link_data: { link, message, name, call_to_action: { type } } }`; page_id needs use_in_ads on that Page. */
  object_story_spec?: Record<string, unknown> | string;
  url_tags?: string;
}

const storySpec = params.object().pipe(
  z
    .object({
      page_id: params.id(),
      link_data: z
        .object({
          link: params.url(),
          message: params.optionalText(5000).optional(),
          name: params.optionalText(1000).optional(),
          description: params.optionalText(1000).optional(),
          picture: params.url().optional(),
          image_hash: params.optionalText(128).optional(),
          call_to_action: z.object({ type: params.oneOf(CALL_TO_ACTION_TYPES) }, { error: "must be an object such as {\"type\":\"SHOP_NOW\"}" }).loose().optional(),
        }, { error: "must be an object with at least link" })
        .loose()
        .optional(),
    })
    .loose(),
);

const createSchema = z.object({
  name: params.name().optional(),
  title: params.optionalText(255).optional(),
  body: params.optionalText(5000).optional(),
  link_url: params.url().optional(),
  image_url: params.url().optional(),
  image_hash: params.optionalText(128).optional(),
  call_to_action_type: params.oneOf(CALL_TO_ACTION_TYPES).optional(),
  object_story_spec: storySpec.optional(),
  url_tags: params.optionalText(1000).optional(),
});

const renameSchema = z.object({ name: params.name() });

const CREATIVE_STATUSES = ["ACTIVE", "DELETED"] as const;
const statusFilterSchema = z.object({ status: params.list(params.oneOf(CREATIVE_STATUSES), '["ACTIVE"]') });

function auditFields(row: AdCreativeRow) {
  return {
    name: row.name,
    status: row.status,
    title: row.title,
    body: row.body,
    link_url: row.link_url,
    image_url: row.image_url,
    image_hash: row.image_hash,
    call_to_action_type: row.call_to_action_type,
    object_story_spec: creativeStorySpec.decodeOrNull(row.object_story_spec),
    url_tags: row.url_tags,
  };
}

/** Ad creatives of an ad account. As on Meta, a creative's content is fixed once made: it can be renamed or deleted. */
export class AdCreativeService {
  constructor(
    private readonly deps: HubDeps,
    private readonly readModel: AdObjectReadModel,
  ) {}

  async createAdCreative(ctx: RequestContext, accountId: string, input: AdCreativeCreateInput): Promise<AdCreativeView> {
    const attempt: AuditAttempt = { action: "adcreative.create", targetType: "adcreative" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const account = await requireAdAccount(tx.trx, accountId);
      authorizeOnAccount(this.deps, ctx, account, "create_campaign");
      requireActiveAccount(account);
      // Meta labels creatives too; Grantline labels campaigns, ad sets and ads only, and says so rather than drop the labels.
      if ((input as { adlabels?: unknown }).adlabels !== undefined) {
        throw errors.invalidParameter("Invalid adlabels: ad labels go on campaigns, ad sets and ads here, not on creatives; label the ads that use this creative instead.");
      }
      const p = parseParams(createSchema, input);
      const storyLink = p.object_story_spec?.link_data?.link;
      if (p.link_url !== undefined && storyLink !== undefined && p.link_url !== storyLink) {
        throw errors.invalidParameter("Invalid link_url: it differs from object_story_spec.link_data.link; give the destination once.");
      }
      const link = storyLink ?? p.link_url;
      if (link === undefined) {
        throw errors.invalidParameter("The parameter link_url (or object_story_spec.link_data.link) is required: it is where the ad sends people.");
      }
      if (p.object_story_spec) {
        await requireUsableAsset(this.deps, ctx, tx.trx, p.object_story_spec.page_id, "page", "object_story_spec.page_id");
      }
      const row: AdCreativeRow = {
        id: newId(),
        account_id: account.id,
        name: p.name ?? (p.title?.trim() || "Ad creative"),
        status: "ACTIVE",
        title: p.title ?? p.object_story_spec?.link_data?.name ?? null,
        body: p.body ?? p.object_story_spec?.link_data?.message ?? null,
        link_url: link,
        image_url: p.image_url ?? p.object_story_spec?.link_data?.picture ?? null,
        image_hash: p.image_hash ?? p.object_story_spec?.link_data?.image_hash ?? null,
        call_to_action_type: p.call_to_action_type ?? p.object_story_spec?.link_data?.call_to_action?.type ?? null,
        object_story_spec: p.object_story_spec ? creativeStorySpec.encode(p.object_story_spec) : null,
        url_tags: p.url_tags ?? null,
        created_at: tx.now,
        updated_at: tx.now,
      };
      await insertCreative(tx.trx, row);
      await this.readModel.changed(tx, account.id);
      await tx.audit({ action: "adcreative.create", businessId: account.ownerBusinessId, targetType: "adcreative", targetId: row.id, after: auditFields(row) });
      return presentAdCreative(await mustFind(tx.trx, row.id));
    });
  }

  async renameAdCreative(ctx: RequestContext, creativeId: string, input: { name: string }): Promise<AdCreativeView> {
    const attempt: AuditAttempt = { action: "adcreative.update", targetType: "adcreative", targetId: creativeId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const current = await this.lockedForChange(ctx, tx.trx, creativeId);
      const { name } = parseParams(renameSchema, input);
      return this.write(tx, current, { ...current, name }, "adcreative.update");
    });
  }

  /** Status DELETED; refused while an ad that is not deleted still shows the creative. */
  async deleteAdCreative(ctx: RequestContext, creativeId: string): Promise<AdCreativeView> {
    const attempt: AuditAttempt = { action: "adcreative.delete", targetType: "adcreative", targetId: creativeId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const current = await this.lockedForChange(ctx, tx.trx, creativeId);
      const inUse = await countAdsUsingCreative(tx.trx, creativeId);
      if (inUse > 0) {
        throw errors.invalidParameter(`Ad creative ${current.name} is used by ${inUse} ad(s); delete those ads or give them another creative first.`);
      }
      return this.write(tx, current, { ...current, status: "DELETED" }, "adcreative.delete");
    });
  }

  async getAdCreative(ctx: RequestContext, creativeId: string): Promise<AdCreativeView> {
    const row = await findCreative(this.deps.db, creativeId);
    if (!row) throw unknownAdObject(creativeId);
    authorizeOnAccount(this.deps, ctx, await readAdAccount(this.deps, row.account_id), "view_asset");
    return presentAdCreative(row);
  }

  /** `GET act_<id>/adcreatives`, newest first; deleted creatives only when `status` asks for them. */
  async listAdCreatives(
    ctx: RequestContext,
    accountId: string,
    options: { status?: readonly string[] | string; page?: PageRequest } = {},
  ): Promise<Page<AdCreativeView>> {
    const account = await readAdAccount(this.deps, accountId);
    authorizeOnAccount(this.deps, ctx, account, "view_asset");
    const statuses = options.status === undefined ? ["ACTIVE"] : parseParams(statusFilterSchema, { status: options.status }).status;
    const page = await keysetPage(pageRequest(options.page), (window) =>
      listCreatives(this.deps.db, { accountId: account.id, statuses: statuses.length > 0 ? statuses : ["ACTIVE"] }, window),
    );
    return mapPage(page, presentAdCreative);
  }

  private async lockedForChange(ctx: RequestContext, trx: Executor, creativeId: string): Promise<AdCreativeRecord> {
    const found = await findCreative(trx, creativeId);
    if (!found) throw unknownAdObject(creativeId);
    authorizeOnAccount(this.deps, ctx, await requireAdAccount(trx, found.account_id), "edit_campaign");
    await lockCreative(trx, creativeId);
    const current = await mustFind(trx, creativeId);
    if (current.status === "DELETED") throw errors.invalidParameter(`Ad creative ${current.name} is deleted; a deleted object cannot be changed.`);
    return current;
  }

  private async write(
    tx: CommandTx,
    current: AdCreativeRecord,
    next: AdCreativeRow,
    action: AuditAction,
  ): Promise<AdCreativeView> {
    const diff = auditDiff(auditFields(current), auditFields(next));
    if (!diff) return presentAdCreative(current);
    await updateCreative(tx.trx, current.id, { name: next.name, status: next.status, updated_at: tx.now });
    await this.readModel.changed(tx, current.account_id);
    const account = await requireAdAccount(tx.trx, current.account_id);
    await tx.audit({ action, businessId: account.ownerBusinessId, targetType: "adcreative", targetId: current.id, ...diff });
    return presentAdCreative(await mustFind(tx.trx, current.id));
  }
}

async function mustFind(db: Executor, id: string): Promise<AdCreativeRecord> {
  const row = await findCreative(db, id);
  if (!row) throw unknownAdObject(id);
  return row;
}
