import { isoTime } from "../../timeFormat.ts";
import { errors } from "../../errors.ts";
import type { PrincipalType } from "../access/accessIndex.ts";
import { authorizeAsset, authorizeBusinessMember } from "../access/authorize.ts";
import { authorizeTroubleshooting, ownerSideMask } from "../access/serviceAccess.ts";
import type { Explanation } from "../access/explain.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import { ACTION_NAMES, actionLabel, requiredMask, type ActionName } from "../catalogue/actions.ts";
import { taskMask, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeGrant, LEVEL_LABELS, PERMISSION_LEVELS, presetTasks } from "../catalogue/permissionLevels.ts";
import type { RequestContext } from "../context.ts";
import type { HubDeps } from "../hubCommand.ts";
import * as repo from "./troubleshoot.repository.ts";
import { hasVerb, type AuditAction } from "../audit/auditActions.ts";

interface Named {
  id: string;
  name: string;
}

/** The admins of one business who can make the change the answer asks for. */
export interface WhoCanFix {
  business: Named;
  side: "owner" | "partner";
  admins: (Named & { type: PrincipalType })[];
}

export interface MissingAssetAnswer {
  problem: "missing_asset";
  allowed: boolean;
  answer: string;
  missing_tasks: string[];
  fix: string | null;
  who_can_fix: WhoCanFix[];
  evidence: Explanation;
}

export interface InvitationAnswer {
  problem: "invitation_not_received";
  answer: string;
  entered_business: (Named & { known: true }) | { id: string; known: false };
  pending_offers: { share_id: string; asset: Named; from: Named; expires_at: string | null }[];
  expired_offers: { share_id: string; asset: Named; expired_at: string }[];
  active_shares: { share_id: string; asset: Named; level: string }[];
  /** Offers waiting from other businesses: the one meant may be among them. */
  other_pending_offers: { share_id: string; asset: Named; from: Named }[];
}

export interface GrantLevel {
  level: string;
  tasks: string[];
  allows: string[];
}

export interface WrongPermissionsAnswer {
  problem: "wrong_permissions";
  answer: string;
  principal: Named;
  asset: Named & { type: AssetType; owner: Named };
  /** How the principal reaches the asset: as the owner's own person, or through a partner share. */
  routes: {
    via: "owner" | "partner";
    business: Named;
    share: GrantLevel | null;
    assignment: GrantLevel | null;
    effective: GrantLevel;
  }[];
  cannot: string[];
  raise: { what: string; who: WhoCanFix }[];
}

export interface SpendChange {
  at: string;
  action: AuditAction;
  object: { type: string; id: string; name: string };
  actor: { type: string; id: string | null; name: string; business: Named | null };
  app: Named | null;
  changes: { field: string; before: unknown; after: unknown }[];
}

export interface SpendSpikeAnswer {
  problem: "spend_spike";
  answer: string;
  asset: Named;
  since: string;
  changes: SpendChange[];
}

/** Fields whose change moves spend: budgets, caps, bids and on/off. */
const SPEND_FIELDS = new Set(["daily_budget", "lifetime_budget", "spend_cap", "spendCap", "status", "bid_amount", "bid_strategy", "account_status"]);

const iso = (ms: number) => isoTime(ms) ?? "an unknown time";

function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === "string") : [];
}

function parseObject(json: string | null): Record<string, unknown> {
  if (json === null) return {};
  const value: unknown = JSON.parse(json);
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Answers to the guide's common problems, in plain words, with the evidence behind each answer and
 * the admins who can fix it. Read-only: every answer comes from the access engine, the store and
 * the audit log.
 */
export class TroubleshootService {
  constructor(private readonly deps: HubDeps) {}

  /** "I can't see the asset": which task is missing (from the engine's explanation) and who can grant it. */
  async missingAsset(ctx: RequestContext, input: { principalId: string; assetId: string; action?: ActionName }): Promise<MissingAssetAnswer> {
    const { engine } = this.deps;
    await engine.ensureCurrent();
    const assetId = assetIdFromGraph(input.assetId);
    authorizeTroubleshooting(engine, ctx, input.principalId, assetId, input.assetId);
    const action = input.action ?? "view_asset";
    const evidence = engine.explain({ principalId: input.principalId }, action, assetId);
    const missing = evidence.neededTasks.filter((t) => !evidence.heldTasks.includes(t));
    const whoCanFix: WhoCanFix[] = [];
    if (evidence.asset && evidence.principal && !evidence.allowed) {
      whoCanFix.push(this.whoCanFix(evidence.asset.ownerId, "owner"));
      const principal = engine.index.principals.get(input.principalId);
      for (const businessId of principal?.roles.keys() ?? []) {
        if (businessId === evidence.asset.ownerId) continue;
        if (engine.index.getShare(assetId, businessId)) whoCanFix.push(this.whoCanFix(businessId, "partner"));
      }
    }
    const answer = evidence.allowed
      ? `Nothing is missing: ${evidence.reason}`
      : [evidence.reason, missing.length > 0 ? `Missing: ${missing.join(" and ")}.` : "", evidence.fix ?? ""].filter(Boolean).join(" ");
    return { problem: "missing_asset", allowed: evidence.allowed, answer, missing_tasks: missing, fix: evidence.fix, who_can_fix: whoCanFix, evidence };
  }

  /** "The partner never got the invitation": pending offer found? Wrong Business ID? Expired? */
  async invitationNotReceived(
    ctx: RequestContext,
    input: { partnerBusinessId: string; ownerBusinessIdEntered: string; assetId?: string },
  ): Promise<InvitationAnswer> {
    const { db } = this.deps;
    const partner = await repo.findBusinessName(db, input.partnerBusinessId);
    if (!partner) throw errors.unknownBusiness(input.partnerBusinessId);
    authorizeBusinessMember(this.deps.engine, ctx, partner.id);
    const now = this.deps.now();
    const waiting = await repo.listPendingOffersTo(db, partner.id, now);
    const enteredId = input.ownerBusinessIdEntered.trim();
    const owner = await repo.findBusinessName(db, enteredId);
    const base = { problem: "invitation_not_received" as const, pending_offers: [], expired_offers: [], active_shares: [] };
    const others = (excludeOwner: string | null) =>
      waiting
        .filter((w) => w.owner_business_id !== excludeOwner)
        .map((w) => ({ share_id: w.id, asset: { id: w.asset_id, name: w.asset_name }, from: { id: w.owner_business_id, name: w.owner_name } }));
    const othersWords = (list: InvitationAnswer["other_pending_offers"]) =>
      list.length === 0
        ? ""
        : ` ${partner.name} does have offers waiting from ${[...new Set(list.map((o) => `${o.from.name} (Business ID ${o.from.id})`))].join(", ")}; perhaps one of them is the one meant.`;

    if (!owner) {
      const other = others(null);
      return {
        ...base,
        entered_business: { id: enteredId, known: false },
        other_pending_offers: other,
        answer: `No business has the ID ${enteredId}. Check the Business ID with the owner (Business settings → Business info).${othersWords(other)}`,
      };
    }
    const rows = await repo.listSharesFromTo(db, owner.id, partner.id, input.assetId ? assetIdFromGraph(input.assetId) : undefined);
    const pendingOffers: InvitationAnswer["pending_offers"] = [];
    const expiredOffers: InvitationAnswer["expired_offers"] = [];
    const activeShares: InvitationAnswer["active_shares"] = [];
    for (const row of rows) {
      const asset = { id: row.asset_id, name: row.asset_name };
      const expiresAt = row.pending_expires_at;
      if (row.initiated_by === "owner" && row.status === "pending" && (expiresAt === null || expiresAt > now)) {
        pendingOffers.push({ share_id: row.id, asset, from: owner, expires_at: expiresAt === null ? null : iso(expiresAt) });
      } else if (row.initiated_by === "owner" && (row.status === "expired" || (row.status === "pending" && expiresAt !== null))) {
        // A pending offer past its expiry is expired even if the sweeper has not marked it yet.
        if (!rows.some((r) => r.asset_id === row.asset_id && r.created_at > row.created_at)) {
          expiredOffers.push({ share_id: row.id, asset, expired_at: iso(expiresAt ?? row.updated_at) });
        }
      } else if (row.status === "active") {
        activeShares.push({ share_id: row.id, asset, level: describeGrant(row.asset_type as AssetType, parseList(row.tasks)) });
      }
    }
    const other = others(owner.id);
    const sentences: string[] = [`The Business ID ${owner.id} belongs to ${owner.name}.`];
    if (pendingOffers.length > 0) {
      const list = pendingOffers.map((o) => `${o.asset.name}${o.expires_at ? ` (expires ${o.expires_at})` : ""}`).join(", ");
      sentences.push(`${owner.name} has offered ${partner.name} ${list}; an admin of ${partner.name} can accept it under Partners → Requests.`);
    }
    if (expiredOffers.length > 0) {
      const list = expiredOffers.map((o) => `${o.asset.name} (expired ${o.expired_at})`).join(", ");
      sentences.push(`Offers from ${owner.name} expired without an answer: ${list}. An admin of ${owner.name} must send them again.`);
    }
    if (activeShares.length > 0) {
      sentences.push(`${partner.name} already has ${activeShares.map((s) => `${s.asset.name} (${s.level})`).join(", ")} from ${owner.name}; there is nothing to accept.`);
    }
    if (pendingOffers.length === 0 && expiredOffers.length === 0 && activeShares.length === 0) {
      sentences.push(`${owner.name} has not offered ${partner.name} anything${input.assetId ? " for that asset" : ""}. If ${owner.name} is not the business you meant, the ID entered is wrong; otherwise an admin of ${owner.name} must send the offer to Business ID ${partner.id}.`);
    }
    return {
      ...base,
      entered_business: { ...owner, known: true },
      pending_offers: pendingOffers,
      expired_offers: expiredOffers,
      active_shares: activeShares,
      other_pending_offers: other,
      answer: sentences.join(" ") + (pendingOffers.length === 0 ? othersWords(other) : ""),
    };
  }

  /** "I have the asset but can't do X": the share's level, the assignment, what each allows, and what to raise. */
  async wrongPermissions(ctx: RequestContext, input: { principalId: string; assetId: string }): Promise<WrongPermissionsAnswer> {
    const { engine, db } = this.deps;
    await engine.ensureCurrent();
    const assetId = assetIdFromGraph(input.assetId);
    authorizeTroubleshooting(engine, ctx, input.principalId, assetId, input.assetId);
    const asset = engine.asset(assetId);
    if (!asset) throw errors.unknownAsset(input.assetId);
    const principal = engine.index.principals.get(input.principalId);
    if (!principal) throw errors.unknownPrincipal(input.principalId);
    const type = asset.type;
    const owner = { id: asset.ownerId, name: this.businessName(asset.ownerId) };
    const level = (mask: number): GrantLevel => ({ level: describeGrant(type, tasksOfMask(type, mask)), tasks: tasksOfMask(type, mask), allows: allowedActions(type, mask) });
    const routes: WrongPermissionsAnswer["routes"] = [];
    const raise: WrongPermissionsAnswer["raise"] = [];
    const assignmentMask = (businessId: string) =>
      engine.index.assignmentsOf(principal.id, assetId).filter((a) => a.businessId === businessId).reduce((m, a) => m | a.mask, 0);

    const ownerMask = ownerSideMask(engine, principal.id, assetId);
    if (ownerMask !== undefined) {
      routes.push({ via: "owner", business: owner, share: null, assignment: level(assignmentMask(asset.ownerId)), effective: level(ownerMask) });
    }
    for (const businessId of principal.roles.keys()) {
      if (businessId === asset.ownerId) continue;
      const share = await repo.findActiveShare(db, assetId, businessId);
      if (!share) continue;
      const shareMask = taskMask(type, parseList(share.tasks));
      const assigned = assignmentMask(businessId);
      routes.push({
        via: "partner",
        business: { id: businessId, name: this.businessName(businessId) },
        share: level(shareMask),
        assignment: level(assigned),
        effective: level(engine.index.taskMask(principal.id, assetId, this.deps.now()) & shareMask & assigned),
      });
    }
    const held = engine.index.taskMask(principal.id, assetId, this.deps.now());
    const cannot = ACTION_NAMES.filter((a) => requiredMask(a, type) !== 0 && (requiredMask(a, type) & held) !== requiredMask(a, type)).map((a) => actionLabel(a, type));

    const sentences: string[] = [];
    for (const route of routes) {
      if (route.via === "owner") {
        sentences.push(`${principal.name} is part of ${owner.name}, which owns ${asset.name}, with ${route.effective.level}: ${route.effective.allows.join(", ") || "nothing"}.`);
        continue;
      }
      sentences.push(
        `${owner.name} shared ${asset.name} with ${route.business.name} as ${route.share!.level} (${route.share!.allows.join(", ") || "nothing"}); ` +
          `${route.business.name} assigned ${principal.name} ${route.assignment!.level}, so ${principal.name} can: ${route.effective.allows.join(", ") || "nothing"}.`,
      );
      const shareMask = taskMask(type, route.share!.tasks);
      const next = PERMISSION_LEVELS.map((l) => ({ l, mask: taskMask(type, presetTasks(type, l)) })).find(
        (p) => (p.mask & shareMask) === shareMask && p.mask !== shareMask,
      );
      if (next) {
        raise.push({
          what: `Raise the share of ${asset.name} with ${route.business.name} from ${route.share!.level} to ${LEVEL_LABELS[next.l]} (adds ${allowedActions(type, next.mask).filter((a) => !route.share!.allows.includes(a)).join(", ")})`,
          who: this.whoCanFix(asset.ownerId, "owner"),
        });
      }
      if (taskMask(type, route.assignment!.tasks) !== shareMask) {
        raise.push({
          what: `Assign ${principal.name} more of what the share allows (${route.share!.level}) on ${asset.name}`,
          who: this.whoCanFix(route.business.id, "partner"),
        });
      }
    }
    if (routes.length === 0) sentences.push(`${principal.name} does not reach ${asset.name} at all; see the missing asset check.`);
    else if (cannot.length > 0) sentences.push(`Not allowed now: ${cannot.join(", ")}.`);
    const answer = [...sentences, ...raise.map((r) => `${r.what}: an admin of ${r.who.business.name} can do it.`)].join(" ");
    return {
      problem: "wrong_permissions",
      answer,
      principal: { id: principal.id, name: principal.name },
      asset: { id: asset.id, name: asset.name, type, owner },
      routes,
      cannot,
      raise,
    };
  }

  /** "Spend jumped": budget, spend cap, bid and status changes on the ad account and everything under it, with who made them. */
  async spendSpike(ctx: RequestContext, input: { assetId: string; since: number }): Promise<SpendSpikeAnswer> {
    const { engine, db } = this.deps;
    await engine.ensureCurrent();
    const assetId = assetIdFromGraph(input.assetId);
    const asset = engine.asset(assetId);
    if (!asset || asset.type !== "ad_account") throw errors.unknownAsset(input.assetId);
    authorizeAsset(engine, ctx, "view_asset", assetId);
    if (!Number.isFinite(input.since)) throw errors.invalidParameter("Invalid since: give a date or time.");

    const rows = await repo.listAdAccountChangesSince(db, assetId, input.since);
    const relevant = rows
      .map((row) => ({ row, changes: spendChanges(row) }))
      .filter((r) => r.changes.length > 0);
    const objectNames = await repo.adObjectNames(db, [...new Set(relevant.map((r) => r.row.target_id).filter((id): id is string => id !== null))]);
    const apps = await repo.appNames(db, [...new Set(relevant.map((r) => r.row.app_id).filter((id): id is string => id !== null))]);
    const changes: SpendChange[] = relevant.map(({ row, changes: fields }) => {
      const targetId = row.target_id ?? assetId;
      return {
        at: iso(row.at),
        action: row.action,
        object: { type: row.target_type ?? "ad_account", id: targetId, name: targetId === assetId ? asset.name : (objectNames.get(targetId) ?? targetId) },
        actor: this.actor(row.actor_type, row.actor_id, asset.ownerId),
        app: row.app_id ? { id: row.app_id, name: apps.get(row.app_id) ?? row.app_id } : null,
        changes: fields,
      };
    });
    const describe = (c: SpendChange) =>
      `${c.at}: ${c.actor.name}${c.actor.business ? ` (${c.actor.business.name})` : ""}${c.app ? ` through ${c.app.name}` : ""} ` +
      `changed ${c.object.name}: ${c.changes.map((f) => `${f.field} ${fmt(f.before)} → ${fmt(f.after)}`).join(", ")}`;
    const answer =
      changes.length === 0
        ? `No budget, spend cap, bid or status changed on ${asset.name} or its campaigns, ad sets and ads since ${iso(input.since)}; the rise comes from delivery, not from a change.`
        : `${changes.length} change(s) on ${asset.name} since ${iso(input.since)} can move spend. ${changes.map(describe).join(". ")}.`;
    return { problem: "spend_spike", answer, asset: { id: asset.id, name: asset.name }, since: iso(input.since), changes };
  }

  // ---- internals -----------------------------------------------------------------------------

  private whoCanFix(businessId: string, side: WhoCanFix["side"]): WhoCanFix {
    const index = this.deps.engine.index;
    const admins = [...index.adminsOf(businessId)]
      .map((id) => index.principals.get(id))
      .filter((p) => p !== undefined)
      .map((p) => ({ id: p.id, name: p.name, type: p.type }))
      .sort((a, b) => a.name.localeCompare(b.name));
    return { business: { id: businessId, name: this.businessName(businessId) }, side, admins };
  }

  private businessName(id: string): string {
    return this.deps.engine.index.businesses.get(id) ?? `business ${id}`;
  }

  private actor(type: string, id: string | null, ownerId: string): SpendChange["actor"] {
    if (id === null) return { type, id, name: type === "operator" ? "the platform operator" : "Grantline itself", business: null };
    const principal = this.deps.engine.index.principals.get(id);
    const name = principal?.name ?? id;
    // Name the business the actor acts from: the owner when part of it, otherwise its (first) other business.
    const businesses = [...(principal?.roles.keys() ?? [])];
    const home = businesses.includes(ownerId) ? ownerId : businesses[0];
    return { type, id, name, business: home ? { id: home, name: this.businessName(home) } : null };
  }
}

function allowedActions(type: AssetType, mask: number): string[] {
  return ACTION_NAMES.filter((a) => {
    const needed = requiredMask(a, type);
    return needed !== 0 && (mask & needed) === needed;
  }).map((a) => actionLabel(a, type));
}

function spendChanges(row: repo.SpendAuditRow): SpendChange["changes"] {
  const before = parseObject(row.before_json);
  const after = parseObject(row.after_json);
  const created = hasVerb(row.action, "create");
  const out: SpendChange["changes"] = [];
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (!SPEND_FIELDS.has(field)) continue;
    const b = before[field] ?? null;
    const a = after[field] ?? null;
    if (created ? a === null : JSON.stringify(a) === JSON.stringify(b)) continue;
    out.push({ field, before: created ? null : b, after: a });
  }
  return out;
}

function fmt(value: unknown): string {
  return value === null || value === undefined ? "none" : String(value);
}
