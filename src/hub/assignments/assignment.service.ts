import { errors } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import type { Executor } from "../../store/database.ts";
import type { PrincipalType } from "../access/accessIndex.ts";
import { authorizeBusinessAdmin, authorizeOwnerRemovingPartnerAssignment } from "../access/authorize.ts";
import type { AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant } from "../catalogue/permissionLevels.ts";
import { validateTasks } from "../catalogue/validateTasks.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { findAsset, type AssetRow } from "../assets/asset.repository.ts";
import { findLiveShare, shareTasks } from "../partners/partnerShare.repository.ts";
import { findMember, findPerson } from "../people/person.repository.ts";
import { findSystemUser } from "../people/systemUser.repository.ts";
import {
  assignmentTasks,
  deleteAssignment,
  findAssignment,
  insertAssignment,
  listAssignmentsOfAsset,
  listAssignmentsOfPrincipal,
  updateAssignmentTasks,
  type AssignmentRow,
} from "./assignment.repository.ts";

export interface AssignmentView {
  id: string;
  assetId: string;
  businessId: string;
  principalId: string;
  principalType: PrincipalType;
  tasks: string[];
  level: string;
  shareId: string | null;
  createdAt: number;
}

/**
 * Staffing: a business's admins assign their own people and system users to assets with tasks —
 * owned assets freely, client assets never above what the client's share allows.
 */
export class AssignmentService {
  constructor(private readonly deps: HubDeps) {}

  async assign(
    ctx: RequestContext,
    input: { assetId: string; principalId: string; tasks: unknown; businessId?: string },
  ): Promise<AssignmentView> {
    const attempt: AuditAttempt = { action: "assignment.set", businessId: input.businessId, targetType: "asset", targetId: input.assetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const asset = await this.requireAsset(tx.trx, input.assetId);
      const type = asset.type as AssetType;
      const principal = await this.requirePrincipal(tx.trx, input.principalId);
      const businessId = input.businessId ?? (await this.homeFor(tx.trx, asset, principal));
      const index = this.deps.engine.index;
      const businessName = index.businesses.get(businessId) ?? `business ${businessId}`;
      if (!(await this.isPartOf(tx.trx, principal, businessId))) {
        throw errors.notMember(`${principal.name} is not part of ${businessName}; add them to the business first.`);
      }
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "assigning people to assets");
      const tasks = validateTasks(type, input.tasks, false);
      let shareId: string | null = null;
      if (businessId !== asset.owner_business_id) {
        const share = await findLiveShare(tx.trx, asset.id, businessId);
        const ownerName = index.businesses.get(asset.owner_business_id) ?? "the owner";
        if (!share || share.status !== "active" || (share.ends_at !== null && share.ends_at <= tx.now)) {
          throw errors.permissionDenied(
            `(#200) ${businessName} has no active share of ${asset.name}.`,
            `${ownerName} has not shared ${asset.name} with ${businessName} (or the share is still pending), so ${businessName} cannot assign anyone to it.`,
          );
        }
        const sharedTasks = shareTasks.decode(share.tasks);
        const above = tasks.filter((t) => !sharedTasks.includes(t));
        if (above.length > 0) {
          throw errors.tasksAboveShare(
            `${ownerName} gave ${businessName} ${describeGrant(type, sharedTasks)} (${sharedTasks.join(", ")}) on ${asset.name}; ` +
              `${above.join(", ")} ${above.length > 1 ? "are" : "is"} above the share. An admin of ${ownerName} can raise the share first.`,
          );
        }
        shareId = share.id;
      }
      const existing = await findAssignment(tx.trx, asset.id, principal.id, businessId);
      let row: AssignmentRow;
      if (existing) {
        row = { ...existing, tasks: assignmentTasks.encode(tasks), share_id: shareId };
        await updateAssignmentTasks(tx.trx, existing.id, row.tasks);
      } else {
        row = {
          id: newId(),
          asset_id: asset.id,
          business_id: businessId,
          principal_id: principal.id,
          principal_type: principal.type,
          tasks: assignmentTasks.encode(tasks),
          share_id: shareId,
          created_at: tx.now,
          created_by: "id" in ctx.actor ? ctx.actor.id : ctx.actor.type,
        };
        await insertAssignment(tx.trx, row);
      }
      await tx.changed("assignment", row.id);
      await tx.audit({
        action: existing ? "assignment.change" : "assignment.add",
        businessId,
        targetType: asset.type,
        targetId: asset.id,
        before: existing ? { principal: principal.id, tasks: assignmentTasks.decode(existing.tasks) } : undefined,
        after: { principal: principal.id, tasks },
      });
      return present(row, type);
    });
  }

  async unassign(ctx: RequestContext, input: { assetId: string; principalId: string; businessId?: string }): Promise<void> {
    const attempt: AuditAttempt = { action: "assignment.remove", businessId: input.businessId, targetType: "asset", targetId: input.assetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const asset = await this.requireAsset(tx.trx, input.assetId);
      const principal = await this.requirePrincipal(tx.trx, input.principalId);
      const businessId = input.businessId ?? (await this.homeFor(tx.trx, asset, principal));
      authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "removing people from assets");
      const existing = await findAssignment(tx.trx, asset.id, principal.id, businessId);
      if (!existing) throw errors.invalidParameter(`${principal.name} is not assigned to ${asset.name}.`);
      await deleteAssignment(tx.trx, existing.id);
      await tx.changed("assignment", existing.id);
      await tx.audit({
        action: "assignment.remove",
        businessId,
        targetType: asset.type,
        targetId: asset.id,
        before: { principal: principal.id, tasks: assignmentTasks.decode(existing.tasks) },
      });
    });
  }

  /**
   * The asset's owner removes one assignment a partner made under its share (an access review's
   * narrowest fix for someone the share lets in): the share and the partner's other assignments
   * stay. Recorded in the partner's audit log, as the trimming of a narrowed share is.
   */
  async removePartnerAssignment(ctx: RequestContext, input: { assetId: string; principalId: string; partnerBusinessId: string }): Promise<void> {
    const attempt: AuditAttempt = { action: "assignment.remove", businessId: input.partnerBusinessId, targetType: "asset", targetId: input.assetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const asset = await this.requireAsset(tx.trx, input.assetId);
      const principal = await this.requirePrincipal(tx.trx, input.principalId);
      authorizeOwnerRemovingPartnerAssignment(this.deps.engine, ctx, asset.id, input.partnerBusinessId);
      const existing = await findAssignment(tx.trx, asset.id, principal.id, input.partnerBusinessId);
      if (!existing) throw errors.invalidParameter(`${principal.name} is not assigned to ${asset.name} by that partner.`);
      await deleteAssignment(tx.trx, existing.id);
      await tx.changed("assignment", existing.id);
      await tx.audit({
        action: "assignment.remove",
        businessId: input.partnerBusinessId,
        targetType: asset.type,
        targetId: asset.id,
        before: { principal: principal.id, tasks: assignmentTasks.decode(existing.tasks) },
        reason: "removed by the asset's owner; the share stays",
      });
    });
  }

  async listForAsset(assetId: string, businessId?: string): Promise<AssignmentView[]> {
    const asset = await this.requireAsset(this.deps.db, assetId);
    const rows = await listAssignmentsOfAsset(this.deps.db, asset.id, businessId);
    return rows.map((r) => present(r, asset.type as AssetType));
  }

  async listForPrincipal(principalId: string): Promise<AssignmentView[]> {
    const rows = await listAssignmentsOfPrincipal(this.deps.db, principalId);
    return rows.map((r) => present(r, (this.deps.engine.index.assets.get(r.asset_id)?.type ?? "ad_account") as AssetType));
  }

  private async requireAsset(db: Executor, assetId: string): Promise<AssetRow> {
    const id = assetIdFromGraph(assetId);
    const asset = await findAsset(db, id);
    if (!asset) throw errors.unknownAsset(assetId);
    return asset;
  }

  private async requirePrincipal(db: Executor, id: string): Promise<{ id: string; type: PrincipalType; name: string; businessId?: string }> {
    const person = await findPerson(db, id);
    if (person) return { id, type: "person", name: person.name };
    const systemUser = await findSystemUser(db, id);
    if (systemUser) return { id, type: "system_user", name: systemUser.name, businessId: systemUser.business_id };
    throw errors.unknownPrincipal(id);
  }

  private async isPartOf(db: Executor, principal: { id: string; type: PrincipalType; businessId?: string }, businessId: string) {
    if (principal.type === "system_user") return principal.businessId === businessId;
    return (await findMember(db, businessId, principal.id)) !== undefined;
  }

  /** With no business named: the owner if the principal is part of it, else a partner of the asset it belongs to. */
  private async homeFor(db: Executor, asset: AssetRow, principal: { id: string; type: PrincipalType; name: string; businessId?: string }): Promise<string> {
    if (await this.isPartOf(db, principal, asset.owner_business_id)) return asset.owner_business_id;
    const roles = this.deps.engine.index.principals.get(principal.id)?.roles;
    for (const businessId of roles?.keys() ?? []) {
      const share = await findLiveShare(db, asset.id, businessId);
      if (share?.status === "active") return businessId;
    }
    const first = roles?.keys().next().value;
    if (first) return first;
    throw errors.notMember(`${principal.name} is not part of any business that can assign them to ${asset.name}.`);
  }
}

function present(row: AssignmentRow, type: AssetType): AssignmentView {
  const tasks = assignmentTasks.decode(row.tasks);
  return {
    id: row.id,
    assetId: row.asset_id,
    businessId: row.business_id,
    principalId: row.principal_id,
    principalType: row.principal_type as PrincipalType,
    tasks,
    level: describeGrant(type, tasks),
    shareId: row.share_id,
    createdAt: row.created_at,
  };
}
