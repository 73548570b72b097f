import { isoDay } from "../../timeFormat.ts";
import { errors } from "../../errors.ts";
import { boundedTime } from "../../inputLimits.ts";
import { newId } from "../../ids.ts";
import type { Executor } from "../../store/database.ts";
import { authorizeBusinessAdmin, authorizeBusinessMember } from "../access/authorize.ts";
import { authorizeClosingPending, authorizeEndingShare, authorizeOwnerOrPartnerAdmin, authorizeSharing } from "../access/serviceAccess.ts";
import { taskMask, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant } from "../catalogue/permissionLevels.ts";
import { validateTasks } from "../catalogue/validateTasks.ts";
import type { RequestContext } from "../context.ts";
import { runCommand, type CommandTx, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import { findAsset, type AssetRow } from "../assets/asset.repository.ts";
import { adAccountGraphId, assetIdFromGraph, graphIdOf } from "../../graphIds.ts";
import { findBusiness } from "../businesses/business.repository.ts";
import {
  assignmentTasks,
  deleteAssignment,
  listAssignmentsOfAsset,
  updateAssignmentTasks,
} from "../assignments/assignment.repository.ts";
import { listGrantsForAsset, removeAssetFromGrant } from "../apps/appGrant.repository.ts";
import { listPrincipalIdsOfBusiness } from "../people/person.repository.ts";
import type { PartnerAccessValue } from "../webhooks/webhookFields.ts";
import { WebhookPublisher } from "../webhooks/webhookPublisher.ts";
import * as shares from "./partnerShare.repository.ts";
import type { ShareRow, ShareStatus } from "./partnerShare.repository.ts";

const DAY = 24 * 60 * 60 * 1000;

export interface ShareView {
  id: string;
  assetId: string;
  assetGraphId: string;
  assetType: AssetType;
  assetName: string;
  ownerBusinessId: string;
  ownerName: string;
  partnerBusinessId: string;
  partnerName: string;
  status: ShareStatus;
  /** "owner" for an offer the owner sent, "partner" for a request the partner sent. */
  initiatedBy: "owner" | "partner";
  tasks: string[];
  /** The preset the tasks match ("Standard"), or the task list. */
  level: string;
  createdAt: number;
  updatedAt: number;
  pendingExpiresAt: number | null;
  endsAt: number | null;
}

export interface RemovalSummary {
  shares: number;
  assignments: number;
  appGrants: number;
}

export interface RequestsView {
  incoming: ShareView[];
  outgoing: ShareView[];
}

/**
 * The partner-access lifecycle: offers and requests (both sides must say yes), changing a share's
 * tasks, time-boxed shares, expiry of pending items, and removal that takes everything with it.
 */
export class PartnerShareService {
  constructor(
    private readonly deps: HubDeps,
    private readonly pendingTtlDays: number,
  ) {}

  /**
   * The owner's side (`POST /{asset}/agencies`): offers the asset to a partner, approves the partner's
   * pending request, updates a pending offer, or changes an active share's tasks at once.
   */
  async offer(
    ctx: RequestContext,
    input: { assetId: string; partnerBusinessId: string; tasks: unknown; endsAt?: number | null },
  ): Promise<ShareView> {
    const attempt: AuditAttempt = { action: "share.offer", targetType: "asset", targetId: input.assetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const asset = await this.requireAsset(tx.trx, input.assetId);
      authorizeSharing(this.deps.engine, ctx, asset);
      const partner = await findBusiness(tx.trx, input.partnerBusinessId);
      if (!partner) throw errors.unknownBusiness(input.partnerBusinessId);
      if (partner.id === asset.owner_business_id) throw errors.shareWithSelf();
      const tasks = validateTasks(asset.type as AssetType, input.tasks, true);
      const endsAt = this.validEndsAt(input.endsAt, tx.now);
      const live = await this.liveShare(tx, asset.id, partner.id);
      const base = { businessId: asset.owner_business_id, targetType: asset.type, targetId: asset.id };

      if (!live) {
        const row = this.newPending(tx, ctx, asset, partner.id, "owner", tasks, endsAt ?? null);
        await shares.insertShare(tx.trx, row);
        await tx.audit({ ...base, action: "share.offer", after: { partner: partner.id, tasks, endsAt: row.ends_at } });
        await this.publishShareChange(tx, asset.type, row, "offered", tasks);
        return this.present(row);
      }
      if (live.status === "pending") {
        const approving = live.initiated_by === "partner";
        const changes = approving
          ? { status: "active" as const, tasks: shares.shareTasks.encode(tasks), updated_at: tx.now, pending_expires_at: null, ends_at: endsAt ?? null }
          : {
              tasks: shares.shareTasks.encode(tasks),
              updated_at: tx.now,
              pending_expires_at: tx.now + this.pendingTtlDays * DAY,
              ends_at: endsAt === undefined ? live.ends_at : endsAt,
            };
        await shares.updateShare(tx.trx, live.id, changes);
        if (approving) await tx.changed("share", live.id);
        await tx.audit({
          ...base,
          action: approving ? "share.approve" : "share.offer_update",
          before: { partner: partner.id, status: live.status, tasks: shares.shareTasks.decode(live.tasks) },
          after: { partner: partner.id, status: changes.status ?? "pending", tasks, endsAt: changes.ends_at },
        });
        await this.publishShareChange(tx, asset.type, live, approving ? "accepted" : "offered", tasks);
        return this.present({ ...live, ...changes });
      }
      // Active: change tasks (and end date) now; assignments under it never keep more than the share.
      const changes = { tasks: shares.shareTasks.encode(tasks), updated_at: tx.now, ends_at: endsAt === undefined ? live.ends_at : endsAt };
      await shares.updateShare(tx.trx, live.id, changes);
      await tx.changed("share", live.id);
      await this.trimAssignments(tx, asset, live, taskMask(asset.type as AssetType, tasks));
      await tx.audit({
        ...base,
        action: "share.change_tasks",
        before: { partner: partner.id, tasks: shares.shareTasks.decode(live.tasks), endsAt: live.ends_at },
        after: { partner: partner.id, tasks, endsAt: changes.ends_at },
      });
      await this.publishShareChange(tx, asset.type, live, "tasks_changed", tasks);
      return this.present({ ...live, ...changes });
    });
  }

  /**
   * The partner's side (`POST /{partner}/client_ad_accounts`): accepts a pending offer, or — with
   * no offer pending — sends a request the owner must approve.
   */
  async acceptOrRequest(
    ctx: RequestContext,
    input: { partnerBusinessId: string; assetId: string; tasks?: unknown },
  ): Promise<ShareView> {
    const attempt: AuditAttempt = { action: "share.accept_or_request", businessId: input.partnerBusinessId, targetType: "asset", targetId: input.assetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const partner = await findBusiness(tx.trx, input.partnerBusinessId);
      if (!partner) throw errors.unknownBusiness(input.partnerBusinessId);
      authorizeBusinessAdmin(this.deps.engine, ctx, partner.id, "accepting or requesting client assets");
      const asset = await this.requireAsset(tx.trx, input.assetId);
      if (asset.owner_business_id === partner.id) throw errors.shareWithSelf();
      const type = asset.type as AssetType;
      const requested = input.tasks === undefined ? undefined : validateTasks(type, input.tasks, true);
      const live = await this.liveShare(tx, asset.id, partner.id);
      const base = { businessId: partner.id, targetType: asset.type, targetId: asset.id };
      const ownerName = this.name(asset.owner_business_id);

      if (live?.status === "pending" && live.initiated_by === "owner") {
        const offered = shares.shareTasks.decode(live.tasks);
        const offeredMask = taskMask(type, offered);
        const tasks = requested ?? offered;
        if ((taskMask(type, tasks) & ~offeredMask) !== 0) {
          throw errors.tasksAboveShare(
            `${ownerName} offered ${describeGrant(type, offered)} (${offered.join(", ")}) on ${asset.name}; ` +
              `${tasks.filter((t) => !offered.includes(t)).join(", ")} is more than the offer. Accept the offer as it is, or ask ${ownerName} to raise it.`,
          );
        }
        const changes = { status: "active" as const, tasks: shares.shareTasks.encode(tasks), updated_at: tx.now, pending_expires_at: null };
        await shares.updateShare(tx.trx, live.id, changes);
        await tx.changed("share", live.id);
        await tx.audit({ ...base, action: "share.accept", before: { status: "pending", tasks: offered }, after: { status: "active", tasks } });
        await this.publishShareChange(tx, asset.type, live, "accepted", tasks);
        return this.present({ ...live, ...changes });
      }
      if (live?.status === "pending") {
        if (!requested) return this.present(live);
        const changes = { tasks: shares.shareTasks.encode(requested), updated_at: tx.now, pending_expires_at: tx.now + this.pendingTtlDays * DAY };
        await shares.updateShare(tx.trx, live.id, changes);
        await tx.audit({ ...base, action: "share.request_update", before: { tasks: shares.shareTasks.decode(live.tasks) }, after: { tasks: requested } });
        return this.present({ ...live, ...changes });
      }
      if (live?.status === "active") {
        const current = shares.shareTasks.decode(live.tasks);
        if (requested && taskMask(type, requested) !== taskMask(type, current)) {
          throw errors.duplicate(
            `${partner.name} already has ${describeGrant(type, current)} on ${asset.name}. Only an admin of ${ownerName} can change it.`,
          );
        }
        return this.present(live);
      }
      const lastOffer = await this.expiredOffer(tx.trx, asset.id, partner.id);
      if (lastOffer && requested === undefined) {
        throw errors.offerExpired(
          `The offer from ${ownerName} for ${asset.name} expired on ${isoDay(lastOffer.pending_expires_at ?? lastOffer.updated_at)}. ` +
            `Ask ${ownerName} to send it again, or send a request naming the tasks you need.`,
        );
      }
      if (!requested) {
        throw errors.invalidParameter(
          `${ownerName} has not offered ${asset.name} to ${partner.name}. To request access, name the tasks you need (permitted_tasks).`,
        );
      }
      const row = this.newPending(tx, ctx, asset, partner.id, "partner", requested, null);
      await shares.insertShare(tx.trx, row);
      await tx.audit({ ...base, action: "share.request", after: { owner: asset.owner_business_id, tasks: requested } });
      return this.present(row);
    });
  }

  /** The receiving side says no to a pending offer or request. */
  async decline(ctx: RequestContext, shareId: string): Promise<ShareView> {
    return this.closePending(ctx, shareId, "decline");
  }

  /** The sending side withdraws its pending offer or request. */
  async cancel(ctx: RequestContext, shareId: string): Promise<ShareView> {
    return this.closePending(ctx, shareId, "cancel");
  }

  private async closePending(ctx: RequestContext, shareId: string, verb: "decline" | "cancel"): Promise<ShareView> {
    return runCommand(this.deps, ctx, { action: `share.${verb}`, targetType: "share", targetId: shareId }, async (tx) => {
      const share = await shares.findShare(tx.trx, shareId);
      if (!share) throw errors.unknownRequest(shareId);
      const sender = share.initiated_by === "owner" ? share.owner_business_id : share.partner_business_id;
      const receiver = share.initiated_by === "owner" ? share.partner_business_id : share.owner_business_id;
      const side = verb === "decline" ? receiver : sender;
      authorizeClosingPending(this.deps.engine, ctx, { id: shareId, sender, receiver, side }, verb === "decline" ? "declining" : "cancelling");
      const live = await this.liveShare(tx, share.asset_id, share.partner_business_id);
      if (!live || live.id !== share.id || live.status !== "pending") {
        throw errors.notPending(`This ${share.initiated_by === "owner" ? "offer" : "request"} is ${share.status === "pending" ? "expired" : share.status}, so there is nothing to ${verb}.`);
      }
      const status: ShareStatus = verb === "decline" ? "declined" : "cancelled";
      await shares.updateShare(tx.trx, share.id, { status, updated_at: tx.now, pending_expires_at: null });
      await tx.audit({
        action: `share.${verb}`,
        businessId: side,
        targetType: "share",
        targetId: share.id,
        before: { status: "pending" },
        after: { status },
      });
      return this.present({ ...share, status, updated_at: tx.now, pending_expires_at: null });
    });
  }

  /** `DELETE /{asset}/agencies`: ends one asset's share with a partner, and everything under it. */
  async removeShare(ctx: RequestContext, input: { assetId: string; partnerBusinessId: string }): Promise<RemovalSummary> {
    const attempt: AuditAttempt = { action: "share.remove", targetType: "asset", targetId: input.assetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const asset = await this.requireAsset(tx.trx, input.assetId);
      const partner = await findBusiness(tx.trx, input.partnerBusinessId);
      if (!partner) throw errors.unknownBusiness(input.partnerBusinessId);
      authorizeEndingShare(this.deps.engine, ctx, asset, partner.id);
      const live = await this.liveShare(tx, asset.id, partner.id);
      if (!live) throw errors.notPending(`${partner.name} has no access to ${asset.name} to remove.`);
      return this.endShares(tx, [live], "removed", "share removed");
    });
  }

  /** Removes a partner altogether: every share with it, every assignment and app grant through them, in one transaction. */
  async removePartner(ctx: RequestContext, input: { ownerBusinessId: string; partnerBusinessId: string }): Promise<RemovalSummary> {
    const attempt: AuditAttempt = { action: "partner.remove", businessId: input.ownerBusinessId, targetType: "business", targetId: input.partnerBusinessId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const owner = await findBusiness(tx.trx, input.ownerBusinessId);
      if (!owner) throw errors.unknownBusiness(input.ownerBusinessId);
      const partner = await findBusiness(tx.trx, input.partnerBusinessId);
      if (!partner) throw errors.unknownBusiness(input.partnerBusinessId);
      const rows = await shares.listSharesBetween(tx.trx, owner.id, partner.id, ["pending", "active"]);
      // A partner's admins may leave, but only a client they have.
      authorizeOwnerOrPartnerAdmin(this.deps.engine, ctx, { ownerId: owner.id, partnerId: partner.id, partnered: rows.length > 0 }, "removing partners");
      const summary = await this.endShares(tx, rows, "removed", "partner removed");
      await tx.audit({
        action: "partner.remove",
        businessId: owner.id,
        targetType: "business",
        targetId: partner.id,
        after: summary,
      });
      return summary;
    });
  }

  /** Expires pending items past their 30 days and ends time-boxed shares past their end date. */
  async sweep(ctx: RequestContext): Promise<{ expired: number; ended: number }> {
    return runCommand(this.deps, ctx, { action: "share.sweep" }, async (tx) => {
      const stale = await shares.listPendingPastExpiry(tx.trx, tx.now);
      for (const row of stale) await this.expire(tx, row);
      const due = await shares.listActivePastEnd(tx.trx, tx.now);
      await this.endShares(tx, due, "ended", "share reached its end date");
      return { expired: stale.length, ended: due.length };
    });
  }

  async listRequests(ctx: RequestContext, businessId: string): Promise<RequestsView> {
    authorizeBusinessMember(this.deps.engine, ctx, businessId);
    const now = this.deps.now();
    const rows = await shares.listSharesOfBusiness(this.deps.db, businessId, ["pending"]);
    const live = rows.filter((r) => (r.pending_expires_at ?? Infinity) > now);
    const incoming = live.filter((r) =>
      r.initiated_by === "owner" ? r.partner_business_id === businessId : r.owner_business_id === businessId,
    );
    const outgoing = live.filter((r) => !incoming.includes(r));
    return { incoming: incoming.map((r) => this.present(r)), outgoing: outgoing.map((r) => this.present(r)) };
  }

  /** Shares of one asset in the given statuses (the asset's `agencies` edge). */
  async listForAsset(assetId: string, statuses: ShareStatus[] = ["active", "pending"]): Promise<ShareView[]> {
    const rows = await shares.listSharesOfAsset(this.deps.db, assetId, statuses);
    return rows.map((r) => this.present(r));
  }

  /** Active shares a business is on either side of. */
  async listActive(businessId: string): Promise<ShareView[]> {
    const rows = await shares.listSharesOfBusiness(this.deps.db, businessId, ["active"]);
    return rows.map((r) => this.present(r));
  }

  // ---- internals -----------------------------------------------------------------------------

  /** A new offer (initiated by the owner) or request (by the partner), waiting for the other side. */
  private newPending(
    tx: CommandTx,
    ctx: RequestContext,
    asset: AssetRow,
    partnerId: string,
    initiatedBy: "owner" | "partner",
    tasks: string[],
    endsAt: number | null,
  ): ShareRow {
    return {
      id: newId(),
      asset_id: asset.id,
      owner_business_id: asset.owner_business_id,
      partner_business_id: partnerId,
      status: "pending",
      initiated_by: initiatedBy,
      tasks: shares.shareTasks.encode(tasks),
      created_at: tx.now,
      updated_at: tx.now,
      pending_expires_at: tx.now + this.pendingTtlDays * DAY,
      ends_at: endsAt,
      created_by: actorLabel(ctx),
    };
  }

  private async requireAsset(trx: Executor, assetId: string): Promise<AssetRow> {
    const id = assetIdFromGraph(assetId);
    const asset = await findAsset(trx, id);
    if (!asset) throw errors.unknownAsset(assetId);
    return asset;
  }

  private validEndsAt(endsAt: number | null | undefined, now: number): number | null | undefined {
    if (endsAt === undefined || endsAt === null) return endsAt;
    if (!Number.isFinite(endsAt)) throw errors.invalidParameter("Invalid end date.");
    if (endsAt <= now) throw errors.endDateInPast();
    boundedTime(endsAt, "end_time", now);
    return endsAt;
  }

  /** The pending or active row for (asset, partner); a pending one past expiry is expired first. */
  private async liveShare(tx: CommandTx, assetId: string, partnerId: string): Promise<ShareRow | undefined> {
    const live = await shares.findLiveShare(tx.trx, assetId, partnerId);
    if (live?.status === "pending" && live.pending_expires_at !== null && live.pending_expires_at <= tx.now) {
      await this.expire(tx, live);
      return undefined;
    }
    if (live?.status === "active" && live.ends_at !== null && live.ends_at <= tx.now) {
      await this.endShares(tx, [live], "ended", "share reached its end date");
      return undefined;
    }
    return live;
  }

  private async expiredOffer(trx: Executor, assetId: string, partnerId: string): Promise<ShareRow | undefined> {
    const rows = await shares.listSharesOfAsset(trx, assetId, ["expired", "pending", "active", "removed", "ended", "declined", "cancelled"]);
    const latest = rows.filter((r) => r.partner_business_id === partnerId).at(-1);
    return latest?.status === "expired" && latest.initiated_by === "owner" ? latest : undefined;
  }

  private async expire(tx: CommandTx, row: ShareRow): Promise<void> {
    await shares.updateShare(tx.trx, row.id, { status: "expired", updated_at: tx.now });
    await tx.audit({
      action: row.initiated_by === "owner" ? "share.offer_expired" : "share.request_expired",
      businessId: row.owner_business_id,
      targetType: "share",
      targetId: row.id,
      before: { status: "pending" },
      after: { status: "expired" },
      reason: `no answer within ${this.pendingTtlDays} days`,
    });
  }

  /** Ends shares and takes away everything that went through them: assignments and app grants. */
  private async endShares(tx: CommandTx, rows: ShareRow[], status: "removed" | "ended", reason: string): Promise<RemovalSummary> {
    const summary: RemovalSummary = { shares: 0, assignments: 0, appGrants: 0 };
    for (const row of rows) {
      const newStatus: ShareStatus = row.status === "pending" ? "cancelled" : status;
      await shares.updateShare(tx.trx, row.id, { status: newStatus, updated_at: tx.now, pending_expires_at: null });
      await tx.changed("share", row.id);
      summary.shares += 1;
      const assignments = await listAssignmentsOfAsset(tx.trx, row.asset_id, row.partner_business_id);
      for (const a of assignments) {
        await deleteAssignment(tx.trx, a.id);
        await tx.changed("assignment", a.id);
        summary.assignments += 1;
      }
      // App grants of the partner's people reached the asset through this share; people who are also
      // part of the owner may hold it through the owner, so theirs stay.
      const partnerPeople = await listPrincipalIdsOfBusiness(tx.trx, row.partner_business_id);
      const ownerPeople = new Set(await listPrincipalIdsOfBusiness(tx.trx, row.owner_business_id));
      const throughShare = partnerPeople.filter((id) => !ownerPeople.has(id));
      for (const grant of await listGrantsForAsset(tx.trx, throughShare, row.asset_id)) {
        await removeAssetFromGrant(tx.trx, grant.id, row.asset_id);
        await tx.changed("grant", grant.id);
        summary.appGrants += 1;
      }
      await tx.audit({
        action: status === "ended" ? "share.end" : "share.remove",
        businessId: row.owner_business_id,
        targetType: "asset",
        targetId: row.asset_id,
        before: { partner: row.partner_business_id, status: row.status, tasks: shares.shareTasks.decode(row.tasks) },
        after: { status: newStatus, assignmentsRemoved: assignments.length },
        reason,
      });
      const type = this.deps.engine.asset(row.asset_id)?.type;
      if (type) await this.publishShareChange(tx, type, row, status, shares.shareTasks.decode(row.tasks));
    }
    return summary;
  }

  /** After a share is narrowed, assignments under it keep only tasks the share still allows. */
  private async trimAssignments(tx: CommandTx, asset: AssetRow, share: ShareRow, shareMask: number): Promise<void> {
    const type = asset.type as AssetType;
    for (const a of await listAssignmentsOfAsset(tx.trx, asset.id, share.partner_business_id)) {
      const mask = taskMask(type, assignmentTasks.decode(a.tasks));
      const kept = mask & shareMask;
      if (kept === mask) continue;
      if (kept === 0) await deleteAssignment(tx.trx, a.id);
      else await updateAssignmentTasks(tx.trx, a.id, assignmentTasks.encode(tasksOfMask(type, kept)));
      await tx.changed("assignment", a.id);
      await tx.audit({
        action: kept === 0 ? "assignment.remove" : "assignment.trim",
        businessId: share.partner_business_id,
        targetType: asset.type,
        targetId: asset.id,
        before: { principal: a.principal_id, tasks: tasksOfMask(type, mask) },
        after: { principal: a.principal_id, tasks: tasksOfMask(type, kept) },
        reason: "the share was narrowed",
      });
    }
  }

  /** Tells apps subscribed to an ad account of a change to one of its shares (webhook field `partner_access`). */
  private async publishShareChange(
    tx: CommandTx,
    assetType: string,
    share: Pick<ShareRow, "asset_id" | "partner_business_id">,
    change: PartnerAccessValue["change"],
    tasks: string[],
  ): Promise<void> {
    if (assetType !== "ad_account") return;
    await new WebhookPublisher(this.deps).publish(tx, {
      objectId: share.asset_id,
      field: "partner_access",
      value: { asset_id: adAccountGraphId(share.asset_id), partner_business_id: share.partner_business_id, change, permitted_tasks: tasks },
    });
  }

  private name(businessId: string): string {
    return this.deps.engine.index.businesses.get(businessId) ?? `business ${businessId}`;
  }

  present(row: ShareRow): ShareView {
    const asset = this.deps.engine.index.assets.get(row.asset_id);
    const type = (asset?.type ?? "ad_account") as AssetType;
    const tasks = shares.shareTasks.decode(row.tasks);
    return {
      id: row.id,
      assetId: row.asset_id,
      assetGraphId: graphIdOf(type, row.asset_id),
      assetType: type,
      assetName: asset?.name ?? row.asset_id,
      ownerBusinessId: row.owner_business_id,
      ownerName: this.name(row.owner_business_id),
      partnerBusinessId: row.partner_business_id,
      partnerName: this.name(row.partner_business_id),
      status: row.status as ShareStatus,
      initiatedBy: row.initiated_by as "owner" | "partner",
      tasks,
      level: describeGrant(type, tasks),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      pendingExpiresAt: row.pending_expires_at,
      endsAt: row.ends_at,
    };
  }
}

function actorLabel(ctx: RequestContext): string {
  return "id" in ctx.actor ? ctx.actor.id : ctx.actor.type;
}
