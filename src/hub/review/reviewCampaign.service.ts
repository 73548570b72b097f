import { errors, GrantlineError } from "../../errors.ts";
import { newId } from "../../ids.ts";
import { authorizeBusinessAdmin } from "../access/authorize.ts";
import type { AppGrantService } from "../apps/appGrant.service.ts";
import type { AssignmentService } from "../assignments/assignment.service.ts";
import { isAssetType, taskMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant, isPermissionLevel, LEVEL_LABELS, presetTasks, type PermissionLevel } from "../catalogue/permissionLevels.ts";
import { systemContext, type RequestContext } from "../context.ts";
import { inOneTransaction, runCommand, type HubDeps, type AuditAttempt } from "../hubCommand.ts";
import type { PartnerShareService } from "../partners/partnerShare.service.ts";
import type { AccessReviewService } from "./accessReview.service.ts";
import * as reviewRepo from "./accessReview.repository.ts";
import * as repo from "./reviewCampaign.repository.ts";
import { renderCsv, renderPdf } from "./reviewCampaignExport.ts";
import { liveKey, type LiveGrants, type RemovalEntry, type ReviewCampaignRow, type ReviewItemRow } from "./reviewCampaign.repository.ts";
import { DAY_MS, isoOrNull, type Finding } from "./findings.ts";
import type { ReviewCampaignView, ReviewItemRemoval, ReviewItemView } from "./reviewCampaignViews.ts";
import type { SecretBox } from "../../crypto/secretBox.ts";
import type { ReviewProgress } from "./reviewSnapshot.ts";
import { fixForDecision, graphItems, tokenContext, type GraphFixCheck, type GraphReading, type GraphReviewSource, type GraphTarget } from "./graphCampaign.ts";
import type { GraphReviewTargetRow } from "./reviewCampaign.repository.ts";

export type { ReviewCampaignView, ReviewItemRemoval, ReviewItemView } from "./reviewCampaignViews.ts";

export const CLOSE_POLICIES = ["skip", "revoke"] as const;
export type ClosePolicy = (typeof CLOSE_POLICIES)[number];
export const GROUP_KEYS = ["partner", "asset", "person"] as const;
export type GroupKey = (typeof GROUP_KEYS)[number];
export type Decision = "certify" | "downgrade" | "revoke";
export type ItemKind = "owner_assignment" | "partner_share" | "app_grant";

/** How often scheduled campaigns come round; `scheduleDue` starts one when the last is older. */
export const QUARTER_DAYS = 90;

/** A reminder the scheduler sent: the campaign, how many items wait, and who can decide them. */
export interface DueReminder {
  campaign: ReviewCampaignView;
  open_items: number;
  reviewers: { id: string; name: string; email: string }[];
}

export interface ItemGroup {
  key: string;
  label: string;
  items: ReviewItemView[];
}

export interface CloseSummary {
  campaign: ReviewCampaignView;
  policy: ClosePolicy;
  skipped: number;
  revoked: number;
}

/** The services a decision changes access through; a campaign never edits grants itself. */
export interface CampaignAccessServices {
  review: AccessReviewService;
  partners: PartnerShareService;
  assignments: AssignmentService;
  apps: AppGrantService;
  /** Seals the tokens of businesses reviewed through a Graph API. */
  secrets: () => SecretBox;
}

/** A business of another Graph API held for review by a business of this hub; never its token. */
export interface GraphTargetView {
  id: string;
  business_id: string;
  graph_url: string;
  graph_business_id: string;
  graph_business_name: string | null;
  created_by: string;
  created_at: string | null;
  /** False once the token was removed: its campaigns stay readable, and reading or changing it again needs the token again. */
  has_token: boolean;
}

function presentTarget(row: GraphReviewTargetRow): GraphTargetView {
  return {
    has_token: row.token_sealed !== "",
    id: row.id,
    business_id: row.business_id,
    graph_url: row.graph_url,
    graph_business_id: row.graph_business_id,
    graph_business_name: row.graph_business_name,
    created_by: row.created_by,
    created_at: isoOrNull(row.created_at),
  };
}

const actorId = (ctx: RequestContext) => ("id" in ctx.actor ? ctx.actor.id : ctx.actor.type);

/** A campaign as it starts: open, due `dueInDays` from now, over the hub's own assets or a held business's. */
function newCampaignRow(
  ctx: RequestContext,
  c: { id: string; businessId: string; name: string; now: number; dueInDays: number; closePolicy: string; schedule: string | null; scheduleKey: string | null; graphTargetId: string | null },
): ReviewCampaignRow {
  return {
    id: c.id,
    business_id: c.businessId,
    name: c.name,
    status: "open",
    created_by: actorId(ctx),
    created_at: c.now,
    due_at: c.now + c.dueInDays * DAY_MS,
    close_policy: c.closePolicy,
    closed_at: null,
    closed_by: null,
    schedule: c.schedule,
    schedule_key: c.scheduleKey,
    reminded_at: null,
    graph_target_id: c.graphTargetId,
  };
}

function parseList(json: string | null): string[] {
  if (json === null) return [];
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

/** Advice as stored may name one fix once per finding that suggested it; each fix is shown once. */
function distinctAdvice(advice: Pick<Finding, "kind" | "fix">[]): Pick<Finding, "kind" | "fix">[] {
  const seen = new Set<string>();
  return advice.filter((a) => {
    const key = JSON.stringify([a.fix.action, a.fix.params]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * An item as the Graph, the console and the evidence show it. `live` (from `liveGrants`) gives an
 * open item's `current_tasks`: what its grant gives now, which differs from `tasks` (the snapshot)
 * when the grant was narrowed outside the campaign.
 */
export function presentItem(row: ReviewItemRow, live?: LiveGrants): ReviewItemView {
  const current = row.status === "open" ? live?.get(liveKey(row.kind, row.grant_ref, row.asset_id)) : undefined;
  return {
    id: row.id,
    kind: row.kind,
    principal: { id: row.principal_id, name: row.principal_name, type: row.principal_type },
    asset: { id: row.asset_id, name: row.asset_name, type: row.asset_type },
    path: row.path,
    tasks: parseList(row.tasks),
    grant_id: row.grant_ref,
    groups: { partner: row.group_partner, partner_name: row.group_partner_name, asset: row.group_asset, person: row.group_person },
    advice: distinctAdvice(repo.itemAdvice.decode(row.advice_json)),
    status: row.status,
    decided_by: row.decided_by,
    decided_at: isoOrNull(row.decided_at),
    reason: row.reason,
    result_tasks: repo.itemResultTasks.decodeOrNull(row.result_tasks),
    current_tasks: current === undefined ? null : parseList(current),
    removal: repo.itemRemoval.decodeOrNull(row.removal_json),
    graph_check: repo.itemGraphCheck.decodeOrNull(row.graph_check_json),
  };
}

/** Audit actions that end a grant of each kind outside a campaign (a partner's removal writes `share.remove` per share). */
const REMOVAL_ACTIONS = ["assignment.remove", "share.remove", "share.end", "app.revoke"] as const;

const beforeOf = (entry: RemovalEntry): Record<string, unknown> => (entry.before_json === null ? {} : (JSON.parse(entry.before_json) as Record<string, unknown>));

/**
 * The audit entry that ended an item's grant: the first removal of it after the campaign started.
 * An owner assignment ends with `assignment.remove` of the principal on the asset (by hand, with a
 * member or system user, or trimmed away with a share); a share with `share.remove` or `share.end`
 * for the partner; an app grant with `app.revoke` of that grant, or loses the asset when the share
 * it came through ends.
 */
function removalEntryOf(item: ReviewItemRow, entries: readonly RemovalEntry[]): RemovalEntry | undefined {
  const shareEnded = (e: RemovalEntry, partner?: string) =>
    (e.action === "share.remove" || e.action === "share.end") && e.target_id === item.asset_id && (partner === undefined || beforeOf(e).partner === partner);
  if (item.kind === "owner_assignment") {
    return entries.find((e) => e.action === "assignment.remove" && e.target_id === item.asset_id && e.business_id === item.grant_business_id && beforeOf(e).principal === item.principal_id);
  }
  if (item.kind === "partner_share") return entries.find((e) => shareEnded(e, item.principal_id));
  return entries.find((e) => e.action === "app.revoke" && e.target_id === item.principal_id && beforeOf(e).grant === item.grant_ref) ?? entries.find((e) => shareEnded(e));
}

function presentCampaign(row: ReviewCampaignRow, items: number, target?: GraphReviewTargetRow): ReviewCampaignView {
  return {
    source: target ? "graph" : "hub",
    graph: target ? { target_id: target.id, url: target.graph_url, business_id: target.graph_business_id, business_name: target.graph_business_name } : null,
    id: row.id,
    business_id: row.business_id,
    name: row.name,
    status: row.status,
    close_policy: row.close_policy,
    schedule: row.schedule,
    created_by: row.created_by,
    created_at: isoOrNull(row.created_at),
    due_at: isoOrNull(row.due_at),
    closed_at: isoOrNull(row.closed_at),
    closed_by: row.closed_by,
    items,
  };
}

/** Groups items by partner, asset or person, in snapshot order; items without that key share one group. */
export function groupItems(items: ReviewItemView[], by: GroupKey): ItemGroup[] {
  const groups = new Map<string, ItemGroup>();
  for (const item of items) {
    const [key, label] =
      by === "asset"
        ? [item.groups.asset, item.asset.name]
        : by === "partner"
          ? [item.groups.partner ?? "none", item.groups.partner_name ?? "No partner (own access)"]
          : [item.groups.person ?? "none", item.groups.person ? item.principal.name : "No person (businesses and apps)"];
    const group = groups.get(key) ?? { key, label, items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Which findings are about a grant: their fix names the assignment, share or app grant (an app
 * grant's on the asset too). Indexed once, so a campaign over many grants does not scan every
 * finding for each of them.
 */
function adviceIndex(findings: Finding[]): (kind: ItemKind, grantRef: string, assetId: string) => Pick<Finding, "kind" | "fix">[] {
  const byKey = new Map<string, Finding[]>();
  const add = (key: string, f: Finding) => {
    const list = byKey.get(key);
    if (list) list.push(f);
    else byKey.set(key, [f]);
  };
  for (const f of findings) {
    const p = f.fix.params;
    if (typeof p.assignment_id === "string") add(`owner_assignment\u0000${p.assignment_id}`, f);
    if (typeof p.share_id === "string") add(`partner_share\u0000${p.share_id}`, f);
    if (typeof p.grant_id === "string" && f.asset) add(`app_grant\u0000${p.grant_id}\u0000${f.asset.id}`, f);
  }
  const advice = new Map<string, Pick<Finding, "kind" | "fix">[]>();
  for (const [key, list] of byKey) advice.set(key, adviceOf(list));
  return (kind, grantRef, assetId) => advice.get(kind === "app_grant" ? `${kind}\u0000${grantRef}\u0000${assetId}` : `${kind}\u0000${grantRef}`) ?? [];
}

/**
 * One grant's advice, each fix once. Every person a share lets in is an `external` finding whose fix
 * ends the share; on the share's item they are one piece of advice naming them all (or none, when
 * another finding about the share already advises ending it), not one sentence per person.
 */
function adviceOf(findings: Finding[]): Pick<Finding, "kind" | "fix">[] {
  const fixKey = (f: Finding) => JSON.stringify([f.fix.action, f.fix.params]);
  const out = new Map<string, Pick<Finding, "kind" | "fix">>();
  const reached = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = fixKey(f);
    if (f.kind === "external" && f.evidence.via === "partner_share") reached.set(key, [...(reached.get(key) ?? []), f]);
    else if (!out.has(key)) out.set(key, { kind: f.kind, fix: f.fix });
  }
  for (const [key, list] of reached) {
    if (out.has(key)) continue;
    const first = list[0]!;
    const partner = (first.evidence.partner_business as { name?: string } | undefined)?.name ?? "the partner";
    const names = [...new Set(list.map((f) => `${f.principal?.name ?? f.principal?.id ?? "someone"}'s`))];
    const whose = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)!}`;
    const description = list.length === 1 ? first.fix.description : `Remove ${partner}'s access to ${first.asset?.name ?? "the asset"}, which also removes ${whose}.`;
    out.set(key, { kind: first.kind, fix: { ...first.fix, description } });
  }
  return [...out.values()];
}

type AssetRow = Awaited<ReturnType<typeof reviewRepo.listAssetsOwnedBy>>[number];
type AssignmentRow = Awaited<ReturnType<typeof reviewRepo.listOwnAssignments>>[number];
type ShareRow = Awaited<ReturnType<typeof reviewRepo.listActiveSharesOwnedBy>>[number];
type AppGrantRow = Awaited<ReturnType<typeof reviewRepo.listAppGrantsOnAssetsOf>>[number];
type AdviceFor = ReturnType<typeof adviceIndex>;

/**
 * A campaign's items over the business's own access, in this order: its assignments on its assets,
 * its partner shares, then the app grants on its assets, each with the findings about it as advice.
 */
function ownAccessItems(a: {
  campaignId: string;
  business: { id: string; name: string };
  assets: readonly AssetRow[];
  assignments: readonly AssignmentRow[];
  shares: readonly ShareRow[];
  appGrants: readonly AppGrantRow[];
  principalName: (id: string) => string | undefined;
  adviceFor: AdviceFor;
}): ReviewItemRow[] {
  const assetById = new Map(a.assets.map((asset) => [asset.id, asset]));
  const items: ReviewItemRow[] = [];
  const base = { campaign_id: a.campaignId, status: "open", decided_by: null, decided_at: null, reason: null, result_tasks: null, removal_json: null, graph_check_json: null };
  const push = (item: ItemFields) => items.push({ ...base, id: newId(), seq: items.length, ...item });
  for (const assignment of a.assignments) {
    const asset = assetById.get(assignment.asset_id);
    if (asset && isAssetType(asset.type)) push(assignmentItem(a, assignment, { ...asset, type: asset.type }));
  }
  for (const share of a.shares) {
    const asset = assetById.get(share.asset_id);
    if (asset && isAssetType(asset.type)) push(shareItem(a, share, { ...asset, type: asset.type }));
  }
  for (const grant of a.appGrants) {
    const asset = assetById.get(grant.asset_id);
    if (asset) push(appGrantItem(a, grant, asset));
  }
  return items;
}

/** What an item says of its grant; `ownAccessItems` adds the campaign, the item's id and order, and its open state. */
type ItemFields = Omit<ReviewItemRow, "id" | "seq" | "campaign_id" | "status" | "decided_by" | "decided_at" | "reason" | "result_tasks" | "removal_json" | "graph_check_json">;

interface ItemContext {
  business: { id: string; name: string };
  principalName: (id: string) => string | undefined;
  adviceFor: AdviceFor;
}

/** One of the business's own people or system users assigned to one of its assets. */
function assignmentItem(c: ItemContext, a: AssignmentRow, asset: { id: string; name: string; type: AssetType }): ItemFields {
  const who = c.principalName(a.principal_id) ?? a.principal_id;
  return {
    kind: "owner_assignment",
    principal_id: a.principal_id,
    principal_type: a.principal_type,
    principal_name: who,
    asset_id: asset.id,
    asset_type: asset.type,
    asset_name: asset.name,
    path: `${who} was assigned ${describeGrant(asset.type, parseList(a.tasks))} on ${asset.name} by ${c.business.name}`,
    tasks: a.tasks,
    grant_ref: a.id,
    grant_business_id: c.business.id,
    advice_json: repo.itemAdvice.encode(c.adviceFor("owner_assignment", a.id, asset.id)),
    group_partner: null,
    group_partner_name: null,
    group_asset: asset.id,
    group_person: a.principal_id,
  };
}

/** A share of one of the business's assets with a partner. */
function shareItem(c: ItemContext, s: ShareRow, asset: { id: string; name: string; type: AssetType }): ItemFields {
  return {
    kind: "partner_share",
    principal_id: s.partner_business_id,
    principal_type: "business",
    principal_name: s.partner_name,
    asset_id: asset.id,
    asset_type: asset.type,
    asset_name: asset.name,
    path: `${c.business.name} shared ${asset.name} with ${s.partner_name} (${describeGrant(asset.type, parseList(s.tasks))})`,
    tasks: s.tasks,
    grant_ref: s.id,
    grant_business_id: null,
    advice_json: repo.itemAdvice.encode(c.adviceFor("partner_share", s.id, asset.id)),
    group_partner: s.partner_business_id,
    group_partner_name: s.partner_name,
    group_asset: asset.id,
    group_person: null,
  };
}

/** An app connected to one of the business's assets. */
function appGrantItem(c: ItemContext, g: AppGrantRow, asset: AssetRow): ItemFields {
  const grantedBy = c.principalName(g.principal_id) ?? g.principal_id;
  return {
    kind: "app_grant",
    principal_id: g.app_id,
    principal_type: "app",
    principal_name: g.app_name,
    asset_id: asset.id,
    asset_type: asset.type,
    asset_name: asset.name,
    path: `${grantedBy} connected the app ${g.app_name} (of ${g.app_business_name}) to ${asset.name} with ${parseList(g.scopes).join(", ") || "no scopes"}`,
    tasks: g.scopes,
    grant_ref: g.grant_id,
    grant_business_id: null,
    advice_json: repo.itemAdvice.encode(c.adviceFor("app_grant", g.grant_id, asset.id)),
    group_partner: g.app_business_id,
    group_partner_name: g.app_business_name,
    group_asset: asset.id,
    group_person: null,
  };
}

/**
 * Access review campaigns: a snapshot of every grant on a business's assets (its own assignments,
 * partner shares and app grants) with the findings as advice, decided item by item by an admin.
 * Revoke and downgrade change access at once through the partner, assignment and app services, in
 * the same transaction as the decision.
 */
export class ReviewCampaignService {
  private graphSource: GraphReviewSource | undefined;

  constructor(
    private readonly deps: HubDeps,
    private readonly services: CampaignAccessServices,
  ) {}

  async start(
    ctx: RequestContext,
    businessId: string,
    options: { name?: string; dueInDays?: number; closePolicy?: string; schedule?: string | null; scheduleKey?: string | null; graphTargetId?: string } = {},
  ): Promise<ReviewCampaignView> {
    const { db, engine } = this.deps;
    const { dueInDays, closePolicy } = campaignTerms(options);
    if (options.graphTargetId !== undefined) return this.startFromGraph(ctx, businessId, options.graphTargetId, { ...options, dueInDays, closePolicy });
    // Findings authorize (ADMIN of the business) and bring the engine up to date.
    const report = await this.services.review.findings(ctx, businessId);
    const adviceFor = adviceIndex(report.findings);
    const business = await reviewRepo.findReviewBusiness(db, businessId);
    if (!business) throw errors.unknownBusiness(businessId);
    const [assets, shares, assignments, appGrants] = await Promise.all([
      reviewRepo.listAssetsOwnedBy(db, businessId),
      reviewRepo.listActiveSharesOwnedBy(db, businessId),
      reviewRepo.listOwnAssignments(db, businessId),
      reviewRepo.listAppGrantsOnAssetsOf(db, businessId),
    ]);
    const now = this.deps.now();
    const campaignId = newId();
    const name = options.name?.trim() || `Access review of ${business.name}, ${new Date(now).toISOString().slice(0, 10)}`;
    const items = ownAccessItems({ campaignId, business, assets, assignments, shares, appGrants, principalName: (id) => engine.index.principals.get(id)?.name, adviceFor });

    const row = newCampaignRow(ctx, { id: campaignId, businessId, name, now, dueInDays, closePolicy, schedule: options.schedule ?? null, scheduleKey: options.scheduleKey ?? null, graphTargetId: null });
    const attempt: AuditAttempt = { action: "review.start", businessId, targetType: "review_campaign" };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (!(await repo.insertCampaign(tx.trx, row))) {
        throw errors.duplicate(`The scheduled access review of this business for this period (${row.schedule_key}) has already started.`);
      }
      await repo.insertItems(tx.trx, items);
      await tx.audit({ ...attempt, targetId: campaignId, after: { name, close_policy: closePolicy, items: items.length, schedule: row.schedule } });
      return presentCampaign(row, items.length);
    });
  }

  /** Whether a campaign has this id (no access check: used to tell what a bare id names). */
  async exists(campaignId: string): Promise<boolean> {
    return (await repo.findReviewCampaign(this.deps.db, campaignId)) !== undefined;
  }

  /** The business's campaigns, newest first, for its admins. */
  async list(ctx: RequestContext, businessId: string): Promise<ReviewCampaignView[]> {
    await this.deps.engine.ensureCurrent();
    if (!(await reviewRepo.findReviewBusiness(this.deps.db, businessId))) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "reading access reviews");
    const targets = new Map((await repo.listGraphTargets(this.deps.db, businessId)).map((t) => [t.id, t]));
    return (await repo.listReviewCampaigns(this.deps.db, businessId)).map((row) => presentCampaign(row, row.item_count, targets.get(row.graph_target_id ?? "")));
  }

  async get(ctx: RequestContext, campaignId: string): Promise<ReviewCampaignView> {
    const campaign = await this.requireCampaign(ctx, campaignId, "reading access reviews");
    return presentCampaign(campaign, (await this.reconcile(campaign)).rows.length, campaign.target);
  }

  async listItems(ctx: RequestContext, campaignId: string, options: { groupBy?: GroupKey } = {}): Promise<{ group_by: GroupKey; groups: ItemGroup[] }> {
    const groupBy = options.groupBy ?? "asset";
    if (!(GROUP_KEYS as readonly string[]).includes(groupBy)) throw errors.invalidParameter(`Invalid group_by ${groupBy}: use partner, asset or person.`);
    const campaign = await this.requireCampaign(ctx, campaignId, "reading access reviews");
    const { rows, live } = await this.reconcile(campaign);
    const items = rows.map((row) => presentItem(row, live));
    return { group_by: groupBy, groups: groupItems(items, groupBy) };
  }

  /**
   * A reviewer's decision on one item. Certify records it; downgrade narrows the grant to a preset
   * level (the item's over-privileged advice when no level is given); revoke removes it. The access
   * change and the decision commit together, so the next check already sees it.
   */
  async decide(ctx: RequestContext, itemId: string, input: { decision: Decision; reason: string; level?: string }): Promise<ReviewItemView> {
    const found = await repo.findItem(this.deps.db, itemId);
    if (!found) throw errors.notFound(`review item ${itemId}`);
    const campaign = await this.requireCampaign(ctx, found.campaign_id, "deciding access review items");
    // The grant may have ended (or narrowed) outside the campaign since the page was read.
    const { rows, live } = await this.reconcile(campaign);
    const item = rows.find((r) => r.id === itemId) ?? found;
    if (campaign.status !== "open") throw errors.invalidParameter(`The campaign ${campaign.name} is closed; its items can no longer be decided.`);
    const reason = typeof input.reason === "string" ? input.reason.trim() : "";
    if (!reason) throw errors.invalidParameter("A decision needs a reason.");
    if (!["certify", "downgrade", "revoke"].includes(input.decision)) {
      throw errors.invalidParameter(`Invalid decision ${String(input.decision)}: use certify, downgrade or revoke.`);
    }
    if (item.status === "already_removed") throw errors.alreadyRemoved(alreadyRemovedMessage(item));
    if (item.status !== "open") throw errors.invalidParameter(`This item was already decided (${item.status}).`);
    if (campaign.target) return this.decideThroughGraph(ctx, campaign, campaign.target, item, { ...input, reason });
    // What the grant gives now (null: ended meanwhile); read before the transaction, as on SQLite
    // the store has one connection, which the transaction holds.
    const currentJson = live.get(liveKey(item.kind, item.grant_ref, item.asset_id)) ?? null;
    const current = currentJson === null ? null : parseList(currentJson);
    const snapshot = parseList(item.tasks);
    const narrowed = current !== null && (current.length !== snapshot.length || current.some((t) => !snapshot.includes(t)));

    return inOneTransaction(this.deps, async () => {
      let status = "certified";
      // A grant narrowed outside the campaign is certified as it is now, and the evidence says so.
      let resultTasks: string[] | null = narrowed ? current : null;
      if (input.decision === "revoke") {
        if (current !== null) await this.revokeGrant(ctx, item);
        status = "revoked";
        resultTasks = [];
      } else if (input.decision === "downgrade") {
        resultTasks = await this.downgradeGrant(ctx, item, input.level, current);
        status = "downgraded";
      }
      return this.record(ctx, campaign, item, status, reason, resultTasks);
    });
  }

  /** The open items, grouped, with the admins who can decide them; the reminder itself is audited. */
  async remind(
    ctx: RequestContext,
    campaignId: string,
    options: { groupBy?: GroupKey } = {},
  ): Promise<{ campaign_id: string; due_at: string | null; open_items: number; reviewers: { id: string; name: string }[]; groups: ItemGroup[] }> {
    const campaign = await this.requireCampaign(ctx, campaignId, "sending review reminders");
    const { rows, live } = await this.reconcile(campaign);
    const open = rows.filter((row) => row.status === "open").map((row) => presentItem(row, live));
    const reviewers = await repo.listAdmins(this.deps.db, campaign.business_id);
    const attempt: AuditAttempt = { action: "review.reminder", businessId: campaign.business_id, targetType: "review_campaign", targetId: campaignId };
    await runCommand(this.deps, ctx, attempt, async (tx) => {
      await tx.audit({ ...attempt, after: { open_items: open.length, reviewers: reviewers.map((r) => r.id) } });
    });
    return { campaign_id: campaignId, due_at: isoOrNull(campaign.due_at), open_items: open.length, reviewers, groups: groupItems(open, options.groupBy ?? "asset") };
  }

  /** Closes the campaign: items nobody decided are skipped or revoked, per its close policy, in one transaction. */
  async close(ctx: RequestContext, campaignId: string): Promise<CloseSummary> {
    const campaign = await this.requireCampaign(ctx, campaignId, "closing access reviews");
    if (campaign.status !== "open") throw errors.invalidParameter(`The campaign ${campaign.name} is already closed.`);
    const policy = campaign.close_policy as ClosePolicy;
    // Items whose grant ended outside the campaign close as already removed, not skipped or revoked.
    const reconciled = await this.reconcile(campaign);
    const open = reconciled.rows.filter((row) => row.status === "open");
    const live = new Set(policy === "revoke" ? open.filter((item) => reconciled.live.has(liveKey(item.kind, item.grant_ref, item.asset_id))).map((item) => item.id) : []);
    const reason = `Not decided by the close of the campaign; close policy ${policy}.`;
    // A Graph-sourced campaign's revokes go through the other API, outside the store's transaction:
    // each is recorded once the Graph confirms it, so a refusal part-way leaves the campaign open
    // with what was done recorded, and closing again goes on from there.
    if (campaign.target && policy === "revoke") {
      for (const item of open) await this.decideThroughGraph(ctx, campaign, campaign.target, item, { decision: "revoke", reason });
    }
    return inOneTransaction(this.deps, async () => {
      for (const item of campaign.target && policy === "revoke" ? [] : open) {
        // Something already gone (removed outside the campaign) is only recorded.
        if (live.has(item.id)) await this.revokeGrant(ctx, item);
        await this.record(ctx, campaign, item, policy === "revoke" ? "revoked" : "skipped", reason, policy === "revoke" ? [] : null);
      }
      const attempt: AuditAttempt = { action: "review.close", businessId: campaign.business_id, targetType: "review_campaign", targetId: campaignId };
      return runCommand(this.deps, ctx, attempt, async (tx) => {
        if (!(await repo.closeCampaign(tx.trx, campaignId, actorId(ctx), tx.now))) throw errors.invalidParameter(`The campaign ${campaign.name} is already closed.`);
        const skipped = policy === "skip" ? open.length : 0;
        const revoked = policy === "revoke" ? open.length : 0;
        await tx.audit({ ...attempt, after: { close_policy: policy, skipped, revoked } });
        const closed = { ...campaign, status: "closed", closed_at: tx.now, closed_by: actorId(ctx) };
        const total = (await repo.listItems(tx.trx, campaignId)).length;
        return { campaign: presentCampaign(closed, total, campaign.target), policy, skipped, revoked };
      });
    });
  }

  /**
   * Starts a quarterly campaign for every business owning assets whose last scheduled campaign is
   * older than QUARTER_DAYS (or that never had one). Safe to run from every instance at once: each
   * campaign carries the slot it fills (the start of the previous scheduled one), unique per
   * business in the store, so of two instances racing for one slot only one starts it.
   */
  async scheduleDue(now: number): Promise<ReviewCampaignView[]> {
    const started: ReviewCampaignView[] = [];
    for (const c of await repo.listScheduleCandidates(this.deps.db)) {
      if (c.last_at !== null && now - c.last_at < QUARTER_DAYS * DAY_MS) continue;
      const quarter = `${new Date(now).getUTCFullYear()} Q${Math.floor(new Date(now).getUTCMonth() / 3) + 1}`;
      const scheduleKey = `quarterly:after:${c.last_at ?? "none"}`;
      try {
        started.push(await this.start(systemContext(), c.business_id, { name: `Quarterly access review ${quarter}`, schedule: "quarterly", scheduleKey }));
      } catch (error) {
        // Another instance started this slot first.
        if (error instanceof GrantlineError && error.id === "DUPLICATE") continue;
        throw error;
      }
    }
    return started;
  }

  /**
   * Reminds the reviewers of every open campaign with open items, at most once per `everyDays`
   * (default 7). Each reminder is claimed in the store before it is recorded and handed to `send`,
   * so instances sharing a store send it once.
   */
  async remindDue(now: number, options: { everyDays?: number; send?: (reminder: DueReminder) => Promise<void> } = {}): Promise<DueReminder[]> {
    const before = now - (options.everyDays ?? 7) * DAY_MS;
    const sent: DueReminder[] = [];
    for (const campaign of await repo.listRemindable(this.deps.db, before)) {
      const items = (await this.reconcile(campaign)).rows;
      const open = items.filter((i) => i.status === "open");
      if (open.length === 0) continue;
      const reviewers = await repo.listAdmins(this.deps.db, campaign.business_id);
      const ctx = systemContext();
      const attempt: AuditAttempt = { action: "review.reminder", businessId: campaign.business_id, targetType: "review_campaign", targetId: campaign.id };
      const claimed = await runCommand(this.deps, ctx, attempt, async (tx) => {
        if (!(await repo.claimReminder(tx.trx, campaign.id, before, tx.now))) return false;
        await tx.audit({ ...attempt, after: { open_items: open.length, reviewers: reviewers.map((r) => r.id), scheduled: true } });
        return true;
      });
      if (!claimed) continue;
      const target = campaign.graph_target_id === null ? undefined : await repo.findGraphTarget(this.deps.db, campaign.graph_target_id);
      const reminder: DueReminder = { campaign: presentCampaign(campaign, items.length, target), open_items: open.length, reviewers };
      sent.push(reminder);
      await options.send?.(reminder);
    }
    return sent;
  }

  /** The campaign and its items for exports, after the same admin check as every other read. */
  async evidence(ctx: RequestContext, campaignId: string): Promise<{ campaign: ReviewCampaignView; items: ReviewItemView[] }> {
    const campaign = await this.requireCampaign(ctx, campaignId, "exporting access reviews");
    const { rows, live } = await this.reconcile(campaign);
    const items = rows.map((row) => presentItem(row, live));
    return { campaign: presentCampaign(campaign, items.length, campaign.target), items };
  }

  /** Evidence as CSV: one row per item, the chain verification in a comment line at the top. */
  async exportCsv(ctx: RequestContext, campaignId: string): Promise<string> {
    const { campaign, items } = await this.evidence(ctx, campaignId);
    return renderCsv(campaign, items, await this.deps.audit.verify());
  }

  /** Evidence as a PDF with a summary and the chain verification; `compress: false` keeps its text readable. */
  async exportPdf(ctx: RequestContext, campaignId: string, options: { compress?: boolean } = {}): Promise<Buffer> {
    const { campaign, items } = await this.evidence(ctx, campaignId);
    return renderPdf(campaign, items, await this.deps.audit.verify(), { compress: options.compress, generatedAt: this.deps.now() });
  }

  /** Plugs in the Graph layer's reader of other Graph APIs; until then Graph-sourced reviews are refused. */
  connectGraph(source: GraphReviewSource): void {
    this.graphSource = source;
  }

  /**
   * Holds a business of another Graph API (Meta's, or another hub's) for review by `businessId`'s
   * admins: its token is sealed with the instance key and never shown again, in any answer, log or
   * export. The token is tried first: one that cannot read the business is refused, nothing kept.
   * Holding the same business again replaces its token.
   */
  async addGraphTarget(ctx: RequestContext, businessId: string, input: { graphUrl: string; graphBusinessId: string; token: string }): Promise<GraphTargetView> {
    await this.deps.engine.ensureCurrent();
    if (!(await reviewRepo.findReviewBusiness(this.deps.db, businessId))) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "reviewing a business through a Graph API");
    const target = { graphUrl: graphUrlOf(input.graphUrl), businessId: input.graphBusinessId.trim(), token: input.token.trim() };
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(target.businessId)) throw errors.invalidParameter("Invalid graph_business_id: give the business's numeric ID.");
    if (target.token === "") throw errors.invalidParameter("The business's access token is missing.");
    const name = await this.requireGraph().businessName(target);
    const held = await repo.findGraphTargetFor(this.deps.db, businessId, target.graphUrl, target.businessId);
    const id = held?.id ?? newId();
    const attempt: AuditAttempt = { action: "review.graph_target", businessId, targetType: "graph_review_target", targetId: id };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      if (held) {
        // The same business again: its new token replaces the old one.
        const update = { token_sealed: this.services.secrets().seal(target.token, tokenContext(id)), graph_business_name: name };
        await repo.updateGraphTarget(tx.trx, id, update);
        await tx.audit({ ...attempt, after: { graph_url: held.graph_url, graph_business_id: held.graph_business_id, graph_business_name: name, token: "replaced" } });
        return presentTarget({ ...held, ...update });
      }
      const row: GraphReviewTargetRow = {
        id,
        business_id: businessId,
        graph_url: target.graphUrl,
        graph_business_id: target.businessId,
        graph_business_name: name,
        token_sealed: this.services.secrets().seal(target.token, tokenContext(id)),
        created_by: actorId(ctx),
        created_at: tx.now,
      };
      await repo.insertGraphTarget(tx.trx, row);
      await tx.audit({ ...attempt, after: { graph_url: row.graph_url, graph_business_id: row.graph_business_id, graph_business_name: name } });
      return presentTarget(row);
    });
  }

  /**
   * Stops holding a business reviewed through a Graph API: its sealed token is erased at once. A
   * business no campaign names is removed; one that campaigns name stays as their subject, without
   * a token, so their items and evidence remain readable and exportable, while anything that needs
   * the Graph (reading findings, a decision that changes access, a new campaign) asks for the token again.
   */
  async removeGraphTarget(ctx: RequestContext, businessId: string, targetId: string): Promise<{ success: true; outcome: "token_removed" | "removed" }> {
    const target = await this.requireTarget(ctx, businessId, targetId, "reviewing a business through a Graph API");
    const attempt: AuditAttempt = { action: "review.graph_target_remove", businessId, targetType: "graph_review_target", targetId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const outcome = await repo.removeGraphTarget(tx.trx, targetId);
      await tx.audit({ ...attempt, before: { graph_url: target.graph_url, graph_business_id: target.graph_business_id, graph_business_name: target.graph_business_name }, after: { token: "removed", kept_for_campaigns: outcome === "token_removed" } });
      return { success: true as const, outcome };
    });
  }

  /** The businesses `businessId` reviews through a Graph API, newest first. */
  async listGraphTargets(ctx: RequestContext, businessId: string): Promise<GraphTargetView[]> {
    await this.deps.engine.ensureCurrent();
    if (!(await reviewRepo.findReviewBusiness(this.deps.db, businessId))) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, "reading access reviews");
    return (await repo.listGraphTargets(this.deps.db, businessId)).map(presentTarget);
  }

  /** The access review of a held business, read through its Graph API now. */
  async graphFindings(ctx: RequestContext, businessId: string, targetId: string, options: { windowDays?: number; onProgress?: (p: ReviewProgress) => void } = {}): Promise<GraphReading["report"]> {
    const target = await this.requireTarget(ctx, businessId, targetId, "reading access reviews");
    return (await this.requireGraph().read(this.openTarget(target), { ...options, now: this.deps.now() })).report;
  }

  /** A campaign over a held business: its grants and findings as the Graph shows them now. */
  private async startFromGraph(
    ctx: RequestContext,
    businessId: string,
    targetId: string,
    options: { name?: string; dueInDays: number; closePolicy: string },
  ): Promise<ReviewCampaignView> {
    const target = await this.requireTarget(ctx, businessId, targetId, "starting access reviews");
    const reading = await this.requireGraph().read(this.openTarget(target), { now: this.deps.now() });
    const campaignId = newId();
    const adviceFor = adviceIndex(reading.report.findings);
    const items: ReviewItemRow[] = graphItems(campaignId, reading).map((item, seq) => ({
      ...item,
      id: newId(),
      seq,
      advice_json: repo.itemAdvice.encode(adviceFor(item.kind, item.grant_ref, item.asset_id)),
    }));
    const now = this.deps.now();
    const name = options.name?.trim() || `Access review of ${reading.businessName} (through the Graph), ${new Date(now).toISOString().slice(0, 10)}`;
    const row = newCampaignRow(ctx, { id: campaignId, businessId, name, now, dueInDays: options.dueInDays, closePolicy: options.closePolicy, schedule: null, scheduleKey: null, graphTargetId: target.id });
    const attempt: AuditAttempt = { action: "review.start", businessId, targetType: "review_campaign", targetId: campaignId };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      await repo.insertCampaign(tx.trx, row);
      await repo.insertItems(tx.trx, items);
      if (reading.businessName !== target.graph_business_name) await repo.nameGraphTarget(tx.trx, target.id, reading.businessName);
      const source = { graph_url: target.graph_url, graph_business_id: target.graph_business_id, graph_calls: reading.report.graph_calls };
      await tx.audit({ ...attempt, after: { name, close_policy: options.closePolicy, items: items.length, schedule: null, source: "graph", ...source } });
      return presentCampaign(row, items.length, { ...target, graph_business_name: reading.businessName });
    });
  }

  /**
   * A decision on an item of a Graph-sourced campaign: downgrade and revoke are made through the
   * Graph first (the store cannot hold another API's change in its transaction), confirmed by
   * reading it back; the decision is recorded with that confirmation and the removal check. A
   * change the Graph refuses, or does not show when read back, leaves the item open.
   */
  private async decideThroughGraph(
    ctx: RequestContext,
    campaign: ReviewCampaignRow,
    target: GraphReviewTargetRow,
    item: ReviewItemRow,
    input: { decision: Decision; reason: string; level?: string },
  ): Promise<ReviewItemView> {
    if (input.decision === "certify") return this.record(ctx, campaign, item, "certified", input.reason, null);
    const tasks = input.decision === "revoke" ? [] : this.downgradeTasks(item, input.level, parseList(item.tasks));
    const check = await this.changeThroughGraph(target, item, tasks);
    if (!check.confirmed) {
      throw errors.graphReviewFailed(`${check.summary} The Graph does not show the change when read back (${check.removal_check.remaining.join("; ") || "no detail"}); the item stays open.`);
    }
    return this.record(ctx, campaign, item, input.decision === "revoke" ? "revoked" : "downgraded", input.reason, tasks, check);
  }

  /** Revokes (tasks `[]`) or narrows an item's grant through the Graph, with the read-back and removal check. */
  private async changeThroughGraph(target: GraphReviewTargetRow, item: ReviewItemRow, tasks: string[]): Promise<GraphFixCheck> {
    return this.requireGraph().apply(this.openTarget(target), fixForDecision(item, tasks));
  }

  private requireGraph(): GraphReviewSource {
    if (!this.graphSource) throw errors.invalidParameter("This Grantline instance cannot call Graph APIs (no Graph client is connected).");
    return this.graphSource;
  }

  private openTarget(target: GraphReviewTargetRow): GraphTarget {
    if (target.token_sealed === "") {
      throw errors.invalidParameter(`The token of ${target.graph_business_name ?? target.graph_business_id} was removed; enter the business's token again to read or change it through the Graph.`);
    }
    return { graphUrl: target.graph_url, businessId: target.graph_business_id, token: this.services.secrets().open(target.token_sealed, tokenContext(target.id)) };
  }

  /** A held business, after the admin check of the business holding it; another business's id is not found. */
  private async requireTarget(ctx: RequestContext, businessId: string, targetId: string, doing: string): Promise<GraphReviewTargetRow> {
    await this.deps.engine.ensureCurrent();
    if (!(await reviewRepo.findReviewBusiness(this.deps.db, businessId))) throw errors.unknownBusiness(businessId);
    authorizeBusinessAdmin(this.deps.engine, ctx, businessId, doing);
    const target = await repo.findGraphTarget(this.deps.db, targetId);
    if (!target || target.business_id !== businessId) throw errors.notFound(`Object with ID '${targetId}'`, targetId);
    return target;
  }

  /**
   * Brings an open campaign's items in line with the grants as they are now, whenever the campaign
   * is read, decided, reminded, exported or closed: an open item whose grant ended outside the
   * campaign (in the console, through the Graph or the CLI, by a partner's removal, an end date or
   * a member's departure) closes as `already_removed` with the audit entry of that removal, so it
   * can no longer be certified and the evidence says what really happened. Doing it on read covers
   * every way a grant can end, including ones added later, without each of them knowing about
   * campaigns. The returned `live` map gives each open item's grant as it is now.
   */
  private async reconcile(campaign: ReviewCampaignRow): Promise<{ rows: ReviewItemRow[]; live: LiveGrants }> {
    const { db } = this.deps;
    const rows = await repo.listItems(db, campaign.id);
    // A Graph-sourced campaign's grants are another API's: reading them all back on every read
    // would cost a whole review's calls; a decision reads back the grant it changes instead.
    if (campaign.status !== "open" || campaign.graph_target_id !== null) return { rows, live: new Map() };
    const open = rows.filter((row) => row.status === "open");
    const live = await repo.liveGrants(db, open);
    const gone = open.filter((row) => !live.has(liveKey(row.kind, row.grant_ref, row.asset_id)));
    if (gone.length === 0) return { rows, live };
    const targets = gone.flatMap((row) => (row.kind === "app_grant" ? [row.asset_id, row.principal_id] : [row.asset_id]));
    const entries = await repo.listRemovalEntries(db, targets, REMOVAL_ACTIONS, campaign.created_at);
    const names = this.deps.engine.index.principals;
    const closings = gone.map((item) => {
      const entry = removalEntryOf(item, entries);
      const removal: ReviewItemRemoval = entry
        ? {
            audit_entry_id: String(entry.seq),
            time: isoOrNull(entry.at),
            action: entry.action,
            actor: { type: entry.actor_type, id: entry.actor_id, name: entry.actor_id === null ? null : (names.get(entry.actor_id)?.name ?? null) },
          }
        : { audit_entry_id: null, time: null, action: null, actor: null };
      return { item, removal };
    });
    const attempt: AuditAttempt = { action: "review.reconcile", businessId: campaign.business_id, targetType: "review_campaign", targetId: campaign.id };
    await runCommand(this.deps, systemContext(), attempt, async (tx) => {
      const done: { item: string; removal_audit_entry: string | null }[] = [];
      for (const { item, removal } of closings) {
        const closed = {
          decided_by: removal.actor?.id ?? removal.actor?.type ?? "system",
          decided_at: removal.time === null ? tx.now : Date.parse(removal.time),
          reason: removalReason(removal),
          removal_json: repo.itemRemoval.encode(removal),
        };
        if (await repo.closeRemovedItem(tx.trx, item.id, closed)) done.push({ item: item.id, removal_audit_entry: removal.audit_entry_id });
      }
      if (done.length > 0) await tx.audit({ ...attempt, after: { already_removed: done } });
      return done;
    });
    // Read again: another reader may have closed (or a reviewer decided) some of them first.
    return { rows: await repo.listItems(db, campaign.id), live };
  }

  /** The campaign, after the admin check; a Graph-sourced one with the business it reads. */
  private async requireCampaign(ctx: RequestContext, campaignId: string, doing: string): Promise<ReviewCampaignRow & { target?: GraphReviewTargetRow }> {
    const campaign = await repo.findReviewCampaign(this.deps.db, campaignId);
    if (!campaign) throw errors.notFound(`review campaign ${campaignId}`);
    await this.deps.engine.ensureCurrent();
    authorizeBusinessAdmin(this.deps.engine, ctx, campaign.business_id, doing);
    if (campaign.graph_target_id === null) return campaign;
    return { ...campaign, target: await repo.findGraphTarget(this.deps.db, campaign.graph_target_id) };
  }

  private async record(
    ctx: RequestContext,
    campaign: ReviewCampaignRow,
    item: ReviewItemRow,
    status: string,
    reason: string,
    resultTasks: string[] | null,
    graphCheck?: GraphFixCheck,
  ): Promise<ReviewItemView> {
    const attempt: AuditAttempt = { action: "review.decide", businessId: campaign.business_id, targetType: "review_item", targetId: item.id };
    return runCommand(this.deps, ctx, attempt, async (tx) => {
      const decision = {
        status,
        decided_by: actorId(ctx),
        decided_at: tx.now,
        reason,
        result_tasks: repo.itemResultTasks.encodeOrNull(resultTasks),
        graph_check_json: graphCheck === undefined ? null : repo.itemGraphCheck.encode(graphCheck),
      };
      if (!(await repo.decideItem(tx.trx, item.id, decision))) throw errors.invalidParameter("This item was decided by someone else meanwhile.");
      await tx.audit({
        ...attempt,
        before: { status: item.status, kind: item.kind, grant: item.grant_ref, tasks: parseList(item.tasks) },
        after: { status, campaign: campaign.id, reason, tasks: resultTasks, ...(graphCheck ? { graph_check: graphCheck } : {}) },
      });
      return presentItem({ ...item, ...decision });
    });
  }

  private async revokeGrant(ctx: RequestContext, item: ReviewItemRow): Promise<void> {
    if (item.kind === "owner_assignment") {
      await this.services.assignments.unassign(ctx, { assetId: item.asset_id, principalId: item.principal_id, businessId: item.grant_business_id ?? undefined });
    } else if (item.kind === "partner_share") {
      await this.services.partners.removeShare(ctx, { assetId: item.asset_id, partnerBusinessId: item.principal_id });
    } else {
      // The app service lets only the connecting person revoke; the owner's admin was authorized
      // above, so the revoke runs as the hub itself. It ends the whole grant, every asset in it.
      await this.services.apps.revoke(systemContext(ctx.requestId), item.grant_ref);
    }
  }

  /** Narrows the grant from what it gives now (`current`, null when it ended meanwhile) to a preset level. */
  private async downgradeGrant(ctx: RequestContext, item: ReviewItemRow, requested: string | undefined, current: string[] | null): Promise<string[]> {
    const tasks = this.downgradeTasks(item, requested, current ?? parseList(item.tasks));
    if (current === null) {
      throw errors.invalidParameter(`${item.principal_name} no longer has this access to ${item.asset_name}; there is nothing to downgrade.`);
    }
    if (item.kind === "owner_assignment") {
      await this.services.assignments.assign(ctx, { assetId: item.asset_id, principalId: item.principal_id, tasks, businessId: item.grant_business_id ?? undefined });
    } else {
      await this.services.partners.offer(ctx, { assetId: item.asset_id, partnerBusinessId: item.principal_id, tasks });
    }
    return tasks;
  }

  /** The tasks of the requested (or advised) preset level, refused unless they narrow `now`. */
  private downgradeTasks(item: ReviewItemRow, requested: string | undefined, now: string[]): string[] {
    if (item.kind === "app_grant") throw errors.invalidParameter("App grants cannot be downgraded here; certify or revoke them.");
    if (!isAssetType(item.asset_type)) throw errors.invalidParameter(`Unknown asset type ${item.asset_type}.`);
    const type: AssetType = item.asset_type;
    const advised = repo.itemAdvice.decode(item.advice_json).find((a) => a.fix.action === "downgrade")?.fix.params.level;
    const level = requested ?? (typeof advised === "string" ? advised : undefined);
    if (!level) throw errors.invalidParameter("A downgrade needs a level (ANALYTICS_VIEW, VIEW_ONLY, LAUNCH_ONLY or STANDARD).");
    if (!isPermissionLevel(level)) throw errors.invalidParameter(`Invalid level ${level}.`);
    const tasks = [...presetTasks(type, level as PermissionLevel)];
    const currentMask = taskMask(type, now);
    const next = taskMask(type, tasks);
    if ((next & ~currentMask) !== 0 || next === currentMask) {
      throw errors.invalidParameter(`${LEVEL_LABELS[level as PermissionLevel]} is not smaller than ${describeGrant(type, now)}; a downgrade must narrow access.`);
    }
    return tasks;
  }
}

/** Who made a removal, in words: their name, else their id, else the kind of actor. */
function removedBy(removal: ReviewItemRemoval): string {
  return removal.actor?.name ?? removal.actor?.id ?? removal.actor?.type ?? "Grantline";
}

/** The reason an item closed as already removed records: what ended the grant, who, when, and the audit entry. */
function removalReason(removal: ReviewItemRemoval): string {
  if (removal.audit_entry_id === null) return "Already removed outside the campaign; the audit log holds no entry of the removal since the campaign started.";
  return `Already removed outside the campaign: ${removal.action} by ${removedBy(removal)} at ${removal.time} (audit entry ${removal.audit_entry_id}).`;
}

function alreadyRemovedMessage(item: ReviewItemRow): string {
  const removal = repo.itemRemoval.decodeOrNull(item.removal_json);
  const where = removal?.audit_entry_id ? ` (audit entry ${removal.audit_entry_id}: ${removal.action} by ${removedBy(removal)} at ${removal.time})` : "";
  return `${item.principal_name}'s access to ${item.asset_name} was already removed outside the campaign${where}. The item is closed as already removed; it can no longer be certified, downgraded or revoked.`;
}

/** A campaign's due days and close policy, checked. */
function campaignTerms(options: { dueInDays?: number; closePolicy?: string }): { dueInDays: number; closePolicy: ClosePolicy } {
  const dueInDays = options.dueInDays ?? 14;
  if (!Number.isInteger(dueInDays) || dueInDays < 1 || dueInDays > 365) {
    throw errors.invalidParameter("Invalid due_in_days: use a whole number of days from 1 to 365.");
  }
  const closePolicy = options.closePolicy ?? "skip";
  if (!(CLOSE_POLICIES as readonly string[]).includes(closePolicy)) {
    throw errors.invalidParameter(`Invalid close_policy ${closePolicy}: use skip or revoke.`);
  }
  return { dueInDays, closePolicy: closePolicy as ClosePolicy };
}

/** A Graph API's base URL as given (`https://graph.facebook.com/v24.0`), checked: http(s), no credentials, query or fragment. */
function graphUrlOf(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw errors.invalidParameter(`Invalid graph_url ${JSON.stringify(text)}: give the Graph API's address, such as https://graph.facebook.com/v24.0.`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password || url.search || url.hash) {
    throw errors.invalidParameter("Invalid graph_url: use an http(s) address without credentials, query or fragment, such as https://graph.facebook.com/v24.0.");
  }
  if (!/^\/?$|^\/v\d+\.\d+\/?$/.test(url.pathname)) throw errors.invalidParameter("Invalid graph_url: it may end in a version (/v24.0) and nothing else.");
  return `${url.origin}${url.pathname.replace(/\/$/, "")}`;
}
