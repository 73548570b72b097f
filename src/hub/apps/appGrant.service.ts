import { unsafeCharacterIn } from "../../inputLimits.ts";
import { z } from "zod";
import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import { authorizeBusinessAdmin, subjectOf } from "../access/authorize.ts";
import { authorizeGrantingAsset, authorizeGrantingBusiness, authorizeOwnConnection } from "../access/serviceAccess.ts";
import { SCOPES } from "../catalogue/roles.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps } from "../hubCommand.ts";
import { findAsset } from "../assets/asset.repository.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import { deletePayloadsOfGrant, findApp, findGrant, grantScopes, insertApp, insertGrant, listGrantsOfApp, type AppGrantCoverage, liveTokenIdsOfGrant, revokeGrant } from "./appGrant.repository.ts";
import { revokeToken } from "../tokens/accessToken.repository.ts";

/**
 * Apps and the grants people give them: which scopes and which assets. A grant never adds access —
 * an app token reaches what its person reaches, narrowed to the grant's scopes and assets.
 */
export class AppGrantService {
  constructor(private readonly deps: HubDeps) {}

  async createApp(ctx: RequestContext, businessId: string, name: string): Promise<{ id: string; name: string; businessId: string }> {
    return runCommand(this.deps, ctx, { action: "app.create", businessId, targetType: "app" }, async (tx) => {
      if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "registering apps");
      const parsed = z.string().trim().min(1).max(200).refine((t) => unsafeCharacterIn(t) === undefined).safeParse(name);
      if (!parsed.success) throw errors.invalidParameter("Invalid app name: it must be 1 to 200 characters.");
      const row = { id: newId(), business_id: businessId, name: parsed.data, created_at: tx.now };
      await insertApp(tx.trx, row);
      await tx.audit({ action: "app.create", businessId, targetType: "app", targetId: row.id, after: { name: row.name } });
      return { id: row.id, name: row.name, businessId };
    });
  }

  /**
   * The acting person grants an app scopes over assets they can reach and, for the businesses' own
   * edges (people, partners, settings), businesses they belong to.
   */
  async grant(ctx: RequestContext, input: { appId: string; scopes: string[]; assetIds: string[]; businessIds?: string[]; oidcGrantId?: string }): Promise<{ id: string }> {
    return runCommand(this.deps, ctx, { action: "app.grant", targetType: "app", targetId: input.appId }, async (tx) => {
      const subject = subjectOf(ctx);
      if (!subject) throw errors.invalidParameter("Only a person or system user can grant an app access.");
      const app = await findApp(tx.trx, input.appId);
      if (!app) throw errors.invalidParameter(`No app has the ID ${input.appId}.`);
      const unknownScopes = input.scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknownScopes.length > 0) throw errors.invalidParameter(`Unknown scope ${unknownScopes.join(", ")}.`);
      const assetIds = [...new Set(input.assetIds.map(assetIdFromGraph))];
      for (const assetId of assetIds) {
        if (!(await findAsset(tx.trx, assetId))) throw errors.unknownAsset(assetId);
        authorizeGrantingAsset(this.deps.engine, subject.principalId, assetId);
      }
      const businessIds = [...new Set(input.businessIds ?? [])];
      for (const businessId of businessIds) {
        if (!(await findBusiness(tx.trx, businessId))) throw errors.unknownBusiness(businessId);
        authorizeGrantingBusiness(this.deps.engine, subject.principalId, businessId);
      }
      const row = {
        id: newId(),
        app_id: app.id,
        principal_id: subject.principalId,
        principal_type: ctx.actor.type,
        scopes: grantScopes.encode(input.scopes),
        created_at: tx.now,
        revoked_at: null,
        oidc_grant_id: input.oidcGrantId ?? null,
      };
      await insertGrant(tx.trx, row, assetIds, businessIds);
      await tx.changed("grant", row.id);
      await tx.audit({ action: "app.grant", targetType: "app", targetId: app.id, after: { grant: row.id, scopes: input.scopes, assets: assetIds, businesses: businessIds } });
      return { id: row.id };
    });
  }

  async revoke(ctx: RequestContext, grantId: string): Promise<void> {
    await runCommand(this.deps, ctx, { action: "app.revoke", targetType: "grant", targetId: grantId }, async (tx) => {
      const grant = await findGrant(tx.trx, grantId);
      if (!grant) throw errors.invalidParameter(`No app grant has the ID ${grantId}.`);
      authorizeOwnConnection(ctx, grant.principal_id);
      await revokeGrant(tx.trx, grantId, tx.now);
      await tx.changed("grant", grantId);
      // Its tokens die with it, and so do the authorization server's codes and refresh tokens.
      for (const tokenId of await liveTokenIdsOfGrant(tx.trx, grantId)) {
        await revokeToken(tx.trx, tokenId, tx.now);
        await tx.changed("token", tokenId);
      }
      if (grant.oidc_grant_id) await deletePayloadsOfGrant(tx.trx, grant.oidc_grant_id);
      await tx.audit({ action: "app.revoke", targetType: "app", targetId: grant.app_id, before: { grant: grantId } });
    });
  }

  async get(grantId: string) {
    return findGrant(this.deps.db, grantId);
  }

  /** Every connection people ever gave the app, ended ones included: who made it and what it covered. */
  async connectionsOf(appId: string): Promise<AppGrantCoverage[]> {
    return listGrantsOfApp(this.deps.db, appId);
  }
}
