import { z } from "zod";
import { errors } from "../../errors.ts";
import { boundedAmount, unsafeCharacterIn } from "../../inputLimits.ts";
import { assetIdFromGraph, graphIdOf } from "../../graphIds.ts";
import { newId } from "../../ids.ts";
import { authorizeAsset, authorizeBusinessAdmin } from "../access/authorize.ts";
import { ASSET_TYPES, type AssetType } from "../catalogue/assetTypes.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import {
  findAdAccount,
  findAdAccountsByIds,
  findAsset,
  findAssetsByIds,
  insertAdAccount,
  insertAsset,
  listOwnedAssets,
  updateAdAccountRow,
  updateAssetName,
  type AdAccountRow,
  type AssetRow,
} from "./asset.repository.ts";

const adAccountSchema = z.object({
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "must be a three-letter ISO 4217 code such as USD")
    .default("USD"),
  timezoneName: z.string().min(1).default("America/Los_Angeles"),
  /** Minor units of the currency. */
  spendCap: z.number().int().positive().nullable().default(null),
});

export interface AssetView {
  id: string;
  /** Graph id: `act_<id>` for ad accounts, the id itself otherwise. */
  graphId: string;
  type: AssetType;
  name: string;
  ownerBusinessId: string;
  createdAt: number;
  adAccount?: { currency: string; timezoneName: string; spendCap: number | null; accountStatus: number };
}

export function presentAsset(row: AssetRow, adAccount?: AdAccountRow): AssetView {
  const view: AssetView = {
    id: row.id,
    graphId: graphIdOf(row.type, row.id),
    type: row.type as AssetType,
    name: row.name,
    ownerBusinessId: row.owner_business_id,
    createdAt: row.created_at,
  };
  if (adAccount) {
    view.adAccount = {
      currency: adAccount.currency,
      timezoneName: adAccount.timezone_name,
      spendCap: adAccount.spend_cap,
      accountStatus: adAccount.account_status,
    };
  }
  return view;
}

/** Assets owned by a business: ad accounts, Pages, Pixels, Instagram accounts, catalogs, Creative Hub projects. */
export class AssetService {
  constructor(private readonly deps: HubDeps) {}

  async createAsset(
    ctx: RequestContext,
    businessId: string,
    input: { type: string; name: string; adAccount?: { currency?: string; timezoneName?: string; spendCap?: number | null } },
  ): Promise<AssetView> {
    const attempt: AuditAttempt = { action: "asset.create", businessId, targetType: input.type };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "creating assets");
      const type = z.enum(ASSET_TYPES).safeParse(input.type);
      if (!type.success) throw errors.invalidParameter(`Unknown asset type ${input.type}. Valid types: ${ASSET_TYPES.join(", ")}.`);
      const name = z.string().trim().min(1).max(200).refine((t) => unsafeCharacterIn(t) === undefined).safeParse(input.name);
      if (!name.success) throw errors.invalidParameter("Invalid name: it must be 1 to 200 characters, without control or direction-override characters.");
      const row: AssetRow = { id: newId(), type: type.data, owner_business_id: businessId, name: name.data, created_at: tx.now };
      await insertAsset(tx.trx, row);
      let adAccount: AdAccountRow | undefined;
      if (type.data === "ad_account") {
        const parsed = adAccountSchema.safeParse(input.adAccount ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw errors.invalidParameter(`Invalid ${issue?.path.join(".") ?? "ad account"}: ${issue?.message ?? "invalid"}.`);
        }
        adAccount = {
          asset_id: row.id,
          currency: parsed.data.currency,
          timezone_name: parsed.data.timezoneName,
          spend_cap: parsed.data.spendCap === null ? null : boundedAmount(parsed.data.spendCap, parsed.data.currency, "spend_cap"),
          account_status: 1,
        };
        await insertAdAccount(tx.trx, adAccount);
      }
      await tx.changed("asset", row.id);
      const view = presentAsset(row, adAccount);
      await tx.audit({
        action: "asset.create",
        businessId,
        targetType: type.data,
        targetId: row.id,
        after: { name: view.name, ...(view.adAccount ?? {}) },
      });
      return view;
    });
  }

  /** Renames an ad account or changes its spend cap (minor units; 0 or null removes the cap). */
  async updateAdAccount(ctx: RequestContext, id: string, input: { name?: string; spendCap?: number | null }): Promise<AssetView> {
    const assetId = assetIdFromGraph(id);
    return runCommand(this.deps, ctx, { action: "ad_account.update", targetType: "ad_account", targetId: assetId }, async (tx) => {
      const row = await findAsset(tx.trx, assetId);
      const account = row?.type === "ad_account" ? await findAdAccount(tx.trx, assetId) : undefined;
      if (!row || !account) throw errors.unknownAsset(id);
      authorizeAsset(this.deps.engine, ctx, "manage_settings", assetId);
      const before = presentAsset(row, account);
      let name = row.name;
      if (input.name !== undefined) {
        const parsed = z.string().trim().min(1).max(200).refine((t) => unsafeCharacterIn(t) === undefined).safeParse(input.name);
        if (!parsed.success) throw errors.invalidParameter("Invalid name: it must be 1 to 200 characters, without control or direction-override characters.");
        name = parsed.data;
        await updateAssetName(tx.trx, assetId, name);
        await tx.changed("asset", assetId);
      }
      let spendCap = account.spend_cap;
      if (input.spendCap !== undefined) {
        if (input.spendCap !== null) boundedAmount(input.spendCap, account.currency, "spend_cap (0 for none)");
        spendCap = input.spendCap === 0 ? null : input.spendCap;
        await updateAdAccountRow(tx.trx, assetId, { spend_cap: spendCap });
      }
      const after = presentAsset({ ...row, name }, { ...account, spend_cap: spendCap });
      await tx.audit({
        action: "ad_account.update",
        businessId: row.owner_business_id,
        targetType: "ad_account",
        targetId: assetId,
        before: { name: before.name, spendCap: before.adAccount?.spendCap },
        after: { name: after.name, spendCap: after.adAccount?.spendCap },
      });
      return after;
    });
  }

  async getAsset(id: string): Promise<AssetView> {
    const row = await findAsset(this.deps.db, assetIdFromGraph(id));
    if (!row) throw errors.unknownAsset(id);
    const adAccount = row.type === "ad_account" ? await findAdAccount(this.deps.db, row.id) : undefined;
    return presentAsset(row, adAccount);
  }

  async listOwned(businessId: string, type?: AssetType): Promise<AssetView[]> {
    const rows = await listOwnedAssets(this.deps.db, businessId, type);
    return this.withDetails(rows);
  }

  /** Assets by id, in the order given; unknown ids are skipped. */
  async getMany(ids: string[]): Promise<AssetView[]> {
    const rows = await findAssetsByIds(this.deps.db, ids);
    const byId = new Map((await this.withDetails(rows)).map((view) => [view.id, view]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  private async withDetails(rows: AssetRow[]): Promise<AssetView[]> {
    const accountIds = rows.filter((r) => r.type === "ad_account").map((r) => r.id);
    const accounts = new Map((await findAdAccountsByIds(this.deps.db, accountIds)).map((a) => [a.asset_id, a]));
    return rows.map((row) => presentAsset(row, accounts.get(row.id)));
  }
}
