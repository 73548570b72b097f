import { isoTime } from "../../timeFormat.ts";
import { errors } from "../../errors.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import { authorizeAppRemovalCheck, authorizeOwnerOrPartnerAdmin, authorizeSelfOrBusinessAdmin, throughPartner } from "../access/serviceAccess.ts";
import type { PrincipalType } from "../access/accessIndex.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import type { PartnerShareService, RemovalSummary } from "../partners/partnerShare.service.ts";
import * as repo from "./removal.repository.ts";

/** One way something still reaches an asset through what was removed. */
export interface RemainingAccess {
  kind: "access" | "share" | "app_grant" | "assignment" | "membership";
  asset: { id: string; name: string } | null;
  principal: { id: string; type: PrincipalType; name: string } | null;
  /** Plain words: the path that still stands. */
  path: string;
}

/** A removal check as the audit log recorded it. */
export interface RecordedVerification {
  at: string;
  checked_by: string;
  removed: { kind: string; id: string | null };
  verified: boolean;
  checked_assets: number;
  remaining_count: number;
  remaining: RemainingAccess[];
  request_id: string;
}

export interface RemovalVerification {
  removed: { kind: "partner" | "person" | "app_grant"; id: string; name: string; from: string | null };
  verified: boolean;
  checked_assets: number;
  remaining: RemainingAccess[];
  /** One sentence for the admin. */
  summary: string;
}

/** Remaining entries kept in the audit entry; the count is always exact. */
const AUDITED_REMAINING = 50;

/**
 * Verified removal: after a partner, a person or an app grant is removed, proves from the access
 * engine and the store that nothing reaches the affected assets any more through what was removed,
 * and records the result in the audit log (`removal.verify`, success or failed).
 */
export class VerifiedRemovalService {
  constructor(
    private readonly deps: HubDeps,
    private readonly partners: PartnerShareService,
  ) {}

  /** Past removal checks recorded for the business (newest first, at most `limit`), for its admins. */
  async listVerifications(ctx: RequestContext, businessId: string, limit = 50): Promise<RecordedVerification[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw errors.invalidParameter("Invalid limit: use a whole number from 1 to 500.");
    await this.deps.engine.ensureCurrent();
    if (!(await repo.findBusinessName(this.deps.db, businessId))) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "reading removal checks");
    const rows = await repo.listVerificationEntries(this.deps.db, businessId, limit);
    return rows.map((r) => {
      const after = (r.after_json ? JSON.parse(r.after_json) : {}) as { verified?: boolean; checked_assets?: number; remaining_count?: number; remaining?: RemainingAccess[] };
      return {
        at: isoTime(r.at) ?? "",
        checked_by: r.actor_id ?? r.actor_type,
        removed: { kind: r.target_type === "grant" ? "app_grant" : r.target_type === "business" ? "partner" : "person", id: r.target_id },
        verified: r.outcome === "success",
        checked_assets: after.checked_assets ?? 0,
        remaining_count: after.remaining_count ?? 0,
        remaining: after.remaining ?? [],
        request_id: r.request_id,
      };
    });
  }

  /** No principal of the partner reaches an owner asset through the partner, no share is left, no partner app grant lists owner assets. */
  async verifyPartnerRemoved(ctx: RequestContext, ownerBusinessId: string, partnerBusinessId: string): Promise<RemovalVerification> {
    const { db, engine } = this.deps;
    await engine.ensureCurrent();
    const owner = await repo.findBusinessName(db, ownerBusinessId);
    if (!owner) throw errors.unknownBusiness(ownerBusinessId);
    const partner = await repo.findBusinessName(db, partnerBusinessId);
    if (!partner) throw errors.unknownBusiness(partnerBusinessId);
    // The partner's admins may check their own removal, but only from a business that really was a partner.
    const partnered = await repo.everPartners(db, owner.id, partner.id);
    authorizeOwnerOrPartnerAdmin(engine, ctx, { ownerId: owner.id, partnerId: partner.id, partnered }, "verifying a partner's removal");

    const assetIds = await repo.listOwnedAssetIds(db, owner.id);
    const remaining: RemainingAccess[] = [];
    for (const assetId of assetIds) {
      for (const who of engine.whoCanAccess(assetId)) {
        const counts = throughPartner(engine, who.principalId, owner.id, partner.id);
        for (const path of who.paths) {
          if (!counts(path)) continue;
          remaining.push({ kind: "access", asset: this.assetRef(assetId), principal: this.principalRef(who.principalId), path: path.via });
        }
      }
    }
    for (const share of await repo.listLiveSharesBetween(db, owner.id, partner.id)) {
      const asset = this.assetRef(share.asset_id);
      remaining.push({
        kind: "share",
        asset,
        principal: null,
        path: `${owner.name}'s share of ${asset?.name ?? share.asset_id} with ${partner.name} is still ${share.status}`,
      });
    }
    for (const grant of await repo.listPartnerGrantsOnOwnerAssets(db, owner.id, partner.id)) {
      const asset = this.assetRef(grant.asset_id);
      const principal = this.principalRef(grant.principal_id);
      remaining.push({
        kind: "app_grant",
        asset,
        principal,
        path: `${principal?.name ?? grant.principal_id} of ${partner.name} still gives ${grant.app_name} ${asset?.name ?? grant.asset_id} (app grant ${grant.grant_id})`,
      });
    }
    return this.record(ctx, {
      removed: { kind: "partner", id: partner.id, name: partner.name, from: owner.id },
      checkedAssets: assetIds.length,
      remaining,
      subjectWords: `${partner.name} no longer reaches any of ${owner.name}'s ${assetIds.length} asset(s)`,
    });
  }

  /** The person is no longer part of the business and reaches nothing through it, as owner or as partner. */
  async verifyPersonRemoved(ctx: RequestContext, businessId: string, personId: string): Promise<RemovalVerification> {
    const { db, engine } = this.deps;
    await engine.ensureCurrent();
    const business = await repo.findBusinessName(db, businessId);
    if (!business) throw errors.unknownBusiness(businessId);
    const person = await repo.findPersonName(db, personId);
    if (!person) throw errors.unknownPrincipal(personId);
    authorizeSelfOrBusinessAdmin(engine, ctx, business.id, personId, "verifying a person's removal");

    const remaining: RemainingAccess[] = [];
    const principal = this.principalRef(person.id) ?? { id: person.id, type: "person" as const, name: person.name };
    if (await repo.isMember(db, business.id, person.id)) {
      remaining.push({ kind: "membership", asset: null, principal, path: `${person.name} is still part of ${business.name}` });
    }
    const owned = new Set(await repo.listOwnedAssetIds(db, business.id));
    const checked = new Set(owned);
    for (const reached of engine.accessibleAssets(person.id)) {
      checked.add(reached.assetId);
      for (const path of engine.index.paths(person.id, reached.assetId, this.deps.now())) {
        if (path.businessId !== business.id) continue;
        const who = engine.whoCanAccess(reached.assetId).find((w) => w.principalId === person.id);
        const via = who?.paths.find((p) => p.kind === path.kind && p.businessId === path.businessId)?.via ?? path.kind;
        remaining.push({ kind: "access", asset: this.assetRef(reached.assetId), principal, path: via });
      }
    }
    for (const assignment of await repo.listAssignmentsThrough(db, person.id, business.id)) {
      checked.add(assignment.asset_id);
      const asset = this.assetRef(assignment.asset_id);
      remaining.push({
        kind: "assignment",
        asset,
        principal,
        path: `${business.name} still has ${person.name} assigned to ${asset?.name ?? assignment.asset_id}`,
      });
    }
    return this.record(ctx, {
      removed: { kind: "person", id: person.id, name: person.name, from: business.id },
      checkedAssets: checked.size,
      remaining,
      subjectWords: `${person.name} no longer reaches anything through ${business.name}`,
    });
  }

  /** The grant is revoked in the store and gone from the engine, so no token issued under it works. */
  async verifyAppRemoved(ctx: RequestContext, grantId: string): Promise<RemovalVerification> {
    const { db, engine } = this.deps;
    await engine.ensureCurrent();
    const grant = await repo.findGrantWithAssets(db, grantId);
    if (!grant) throw errors.invalidParameter(`No app grant has the ID ${grantId}.`);
    authorizeAppRemovalCheck(engine, ctx, { principalId: grant.principal_id, assetIds: grant.assetIds });
    const principal = this.principalRef(grant.principal_id);
    const who = principal?.name ?? grant.principal_id;
    const remaining: RemainingAccess[] = [];
    const indexed = engine.index.getGrant(grant.id);
    if (grant.revoked_at === null || indexed) {
      for (const assetId of grant.assetIds) {
        if (engine.tasksOf(grant.principal_id, assetId).length === 0) continue;
        const asset = this.assetRef(assetId);
        remaining.push({
          kind: "app_grant",
          asset,
          principal,
          path: `${grant.app_name}, connected by ${who}, can still act on ${asset?.name ?? assetId} (app grant ${grant.id} ${grant.revoked_at === null ? "is not revoked" : "is still in force"})`,
        });
      }
      if (grant.assetIds.length === 0 || remaining.length === 0) {
        remaining.push({ kind: "app_grant", asset: null, principal, path: `App grant ${grant.id} for ${grant.app_name} is not revoked` });
      }
    }
    return this.record(ctx, {
      removed: { kind: "app_grant", id: grant.id, name: grant.app_name, from: null },
      checkedAssets: grant.assetIds.length,
      remaining,
      subjectWords: `${grant.app_name} no longer acts for ${who} on any of the ${grant.assetIds.length} asset(s) it was given`,
    });
  }

  /** Removes the partner and verifies the removal at once. */
  async removePartnerVerified(
    ctx: RequestContext,
    ownerBusinessId: string,
    partnerBusinessId: string,
  ): Promise<{ removal: RemovalSummary; verification: RemovalVerification }> {
    const removal = await this.partners.removePartner(ctx, { ownerBusinessId, partnerBusinessId });
    const verification = await this.verifyPartnerRemoved(ctx, ownerBusinessId, partnerBusinessId);
    return { removal, verification };
  }

  private async record(
    ctx: RequestContext,
    input: { removed: RemovalVerification["removed"]; checkedAssets: number; remaining: RemainingAccess[]; subjectWords: string },
  ): Promise<RemovalVerification> {
    const verified = input.remaining.length === 0;
    const result: RemovalVerification = {
      removed: input.removed,
      verified,
      checked_assets: input.checkedAssets,
      remaining: input.remaining,
      summary: verified
        ? `Verified: ${input.subjectWords}.`
        : `Not verified: ${input.remaining.length} path(s) remain, e.g. ${input.remaining[0]!.path}.`,
    };
    await this.deps.audit.record(ctx, {
      action: "removal.verify",
      businessId: input.removed.from,
      targetType: input.removed.kind === "app_grant" ? "grant" : input.removed.kind === "partner" ? "business" : "person",
      targetId: input.removed.id,
      after: {
        verified,
        checked_assets: result.checked_assets,
        remaining_count: input.remaining.length,
        remaining: input.remaining.slice(0, AUDITED_REMAINING),
      },
      outcome: verified ? "success" : "failed",
      reason: result.summary,
    });
    return result;
  }

  private assetRef(assetId: string): { id: string; name: string } | null {
    const asset = this.deps.engine.asset(assetId);
    return asset ? { id: asset.id, name: asset.name } : { id: assetId, name: assetId };
  }

  private principalRef(principalId: string): RemainingAccess["principal"] {
    const p = this.deps.engine.index.principals.get(principalId);
    return p ? { id: p.id, type: p.type, name: p.name } : null;
  }
}
