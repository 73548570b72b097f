import { errors } from "../../errors.ts";
import { assetIdFromGraph } from "../../graphIds.ts";
import { AUDIT_CATEGORIES, auditCategoryOf, auditSentence, isAuditCategory, sentencePartsOf } from "../../hub/audit/auditSentences.ts";
import { actionLabel } from "../../hub/catalogue/actions.ts";
import { ASSET_TYPE_INFO } from "../../hub/catalogue/assetTypes.ts";
import type { AccessChange } from "../../hub/access/impact.ts";
import { describeLevel, LEVEL_LABELS, LEVELS_BY_TYPE, presetMask, presetTasks } from "../../hub/catalogue/permissionLevels.ts";
import type { ShareView } from "../../hub/partners/partnerShare.service.ts";
import {
  capabilitiesOn,
  impactFor,
  knowledgeOf,
  ownShareOf,
  requireAsset,
  requireAssetRelated,
  requireBusinessAdmin,
  requireBusinessMember,
  requireSelf,
  requireSystemUserAdmin,
} from "../../hub/access/callerAccess.ts";
import { graphTime } from "../graphPresenters.ts";
import { raw, success, type EdgeSpec, type GraphCall, type GraphObject } from "../graphTypes.ts";
import { listInOrder, listOf } from "../listing.ts";
import { intParam, listParam, stringParam } from "../params.ts";

/*
 * Edges the web console reads beyond Meta's own: what the caller may do on an asset (so the UI
 * hides what the server would refuse), who reaches an asset and how, the shares between two
 * businesses, the Requests tab, verified partner removal, system-user tokens and the audit log.
 * All of them answer from the hub's services and ask hub/access what the caller may see and do;
 * none decides access itself.
 */

function presentShare(share: ShareView, businessId: string): GraphObject {
  const incoming = share.initiatedBy === "owner" ? share.partnerBusinessId === businessId : share.ownerBusinessId === businessId;
  return {
    id: share.id,
    asset: { id: share.assetGraphId, asset_id: share.assetId, type: share.assetType, name: share.assetName },
    owner: { id: share.ownerBusinessId, name: share.ownerName },
    partner: { id: share.partnerBusinessId, name: share.partnerName },
    status: share.status.toUpperCase(),
    initiated_by: share.initiatedBy === "owner" ? "OWNER" : "PARTNER",
    direction: incoming ? "INCOMING" : "OUTGOING",
    permitted_tasks: share.tasks,
    access_level: share.level,
    created_time: graphTime(share.createdAt),
    updated_time: graphTime(share.updatedAt),
    expiration_time: graphTime(share.pendingExpiresAt),
    end_time: graphTime(share.endsAt),
  };
}

const SHARE_DEFAULTS = ["id", "asset", "owner", "partner", "status", "initiated_by", "direction", "permitted_tasks", "access_level", "expiration_time", "end_time"];

/**
 * `GET /{asset}/capabilities`: every action with whether this token may do it and the engine's
 * reason. Answered for anyone on either side of the asset, so a partner's admin who is not yet
 * staffed on it learns why it cannot open it and what would fix that.
 */
const capabilities: EdgeSpec = {
  GET: async (call, node) => {
    requireAssetRelated(call.hub, call.caller.ctx, node.id);
    const type = call.hub.engine.asset(node.id)!.type;
    const rows = capabilitiesOn(call.hub, call.caller.ctx, node.id).map(({ action, allowed, reason, fix }) => ({
      id: action,
      action,
      label: actionLabel(action, type),
      allowed,
      reason,
      fix,
    }));
    return listOf(call, rows, (r) => ({ createdAt: 0, id: r.id }), (r) => r, ["action", "label", "allowed", "reason", "fix"]);
  },
};

/** `GET /{asset}/permission_levels[?business=ID]`: the presets for this asset's type (within the business's share), with the tasks and plain words of each. */
const permissionLevels: EdgeSpec = {
  GET: async (call, node) => {
    requireAssetRelated(call.hub, call.caller.ctx, node.id);
    const type = call.hub.engine.asset(node.id)!.type;
    const shareable = new Set(ASSET_TYPE_INFO[type].shareTasks);
    // With `business` (a partner's own, when staffing its people): only levels within its share,
    // since an assignment never gives more than the share does.
    const business = stringParam(call.params, "business");
    const share = business === undefined ? undefined : ownShareOf(call.hub, call.caller.ctx, node.id, business);
    // One level per distinct set of tasks: a duplicate preset would save under another name.
    const rows = LEVELS_BY_TYPE[type]
      .filter((level) => share === undefined || (presetMask(type, level) & ~share.mask) === 0)
      .map((level, position) => ({
        id: level,
        position,
        level,
        label: LEVEL_LABELS[level],
        description: describeLevel(level),
        tasks: presetTasks(type, level).filter((t) => shareable.has(t)),
      }));
    return listInOrder(call, rows, (r) => r, ["level", "label", "description", "tasks"]);
  },
};

/** `GET /{asset}/access_paths`: who reaches the asset now, with their tasks and each path in plain words (owner's admins only). */
const accessPaths: EdgeSpec = {
  GET: async (call, node) => {
    requireAsset(call.hub, call.caller.ctx, "manage_access", node.id);
    const rows = call.hub.engine.whoCanAccess(node.id);
    return listOf(
      call,
      rows,
      (r) => ({ createdAt: 0, id: r.principalId }),
      (r) => ({
        id: r.principalId,
        name: r.name,
        user_type: r.principalType === "person" ? "BUSINESS_USER" : "SYSTEM_USER",
        tasks: r.tasks,
        paths: r.paths.map((p) => ({ kind: p.kind, business: { id: p.businessId, name: call.hub.engine.index.businesses.get(p.businessId) }, tasks: p.tasks, via: p.via })),
      }),
      ["id", "name", "user_type", "tasks", "paths"],
    );
  },
};

export const consoleAssetEdges: Record<string, EdgeSpec> = {
  capabilities,
  permission_levels: permissionLevels,
  access_paths: accessPaths,
};

async function sharesOf(call: GraphCall, businessId: string): Promise<ShareView[]> {
  const active = await call.hub.partners.listActive(businessId);
  const pending = await call.hub.partners.listRequests(call.caller.ctx, businessId);
  return [...active, ...pending.incoming, ...pending.outgoing];
}

/** `GET /{business}/partner_shares[?partner=ID]`: active and pending shares the business is on either side of. */
const partnerShares: EdgeSpec = {
  GET: async (call, node) => {
    requireBusinessMember(call.hub, call.caller.ctx, node.id);
    const other = stringParam(call.params, "partner");
    const items = (await sharesOf(call, node.id)).filter(
      (s) => other === undefined || s.partnerBusinessId === other || s.ownerBusinessId === other,
    );
    return listOf(call, items, (s) => ({ createdAt: s.createdAt, id: s.id }), (s) => presentShare(s, node.id), SHARE_DEFAULTS);
  },
};

/**
 * `partner_requests`: the Requests tab. GET lists pending offers and requests, incoming and
 * outgoing, with their expiry. POST `{request, action: accept|decline|cancel}` answers one: accepting
 * an offer is the partner's `client_*` call, approving a request is the owner's `agencies` call.
 */
const partnerRequests: EdgeSpec = {
  GET: async (call, node) => {
    const requests = await call.hub.partners.listRequests(call.caller.ctx, node.id);
    const direction = stringParam(call.params, "direction")?.toUpperCase();
    const items = [...requests.incoming, ...requests.outgoing]
      .map((s) => presentShare(s, node.id))
      .filter((s) => direction === undefined || s.direction === direction);
    return listOf(call, items, (s) => ({ createdAt: Date.parse(String(s.created_time)) || 0, id: String(s.id) }), (s) => s, SHARE_DEFAULTS);
  },
  POST: async (call, node) => {
    const requestId = stringParam(call.params, "request", true);
    const action = stringParam(call.params, "action", true);
    const ctx = call.caller.ctx;
    if (action === "decline") return raw({ success: true, request: presentShare(await call.hub.partners.decline(ctx, requestId), node.id) });
    if (action === "cancel") return raw({ success: true, request: presentShare(await call.hub.partners.cancel(ctx, requestId), node.id) });
    if (action !== "accept") throw errors.invalidParameter("action must be accept, decline or cancel.");
    const requests = await call.hub.partners.listRequests(ctx, node.id);
    const share = requests.incoming.find((s) => s.id === requestId);
    if (!share) throw errors.unknownRequest(requestId);
    const result =
      share.initiatedBy === "owner"
        ? await call.hub.partners.acceptOrRequest(ctx, { partnerBusinessId: share.partnerBusinessId, assetId: share.assetId })
        : await call.hub.partners.offer(ctx, { assetId: share.assetId, partnerBusinessId: share.partnerBusinessId, tasks: share.tasks });
    return raw({ success: true, access_status: result.status === "active" ? "CONFIRMED" : "PENDING" });
  },
};

/** `POST /{business}/partner_removals {business}`: removes a partner and proves nothing reaches the assets through it any more. */
const partnerRemovals: EdgeSpec = {
  POST: async (call, node) => {
    const partnerId = stringParam(call.params, "business", true);
    const { removal, verification } = await call.hub.removal.removePartnerVerified(call.caller.ctx, node.id, partnerId);
    return raw({ success: true, removed: removal, verification });
  },
};

/**
 * `GET /{business}/audit_log`: the business's audit entries, newest first, each with a sentence
 * naming who did what to what; filtered by action, category, outcome, actor id or actor name
 * (admins only).
 */
const auditLog: EdgeSpec = {
  GET: async (call, node) => {
    requireBusinessAdmin(call.hub, call.caller.ctx, node.id, "reading the audit log");
    const index = call.hub.engine.index;
    const category = stringParam(call.params, "category");
    if (category !== undefined && !isAuditCategory(category)) {
      throw errors.invalidParameter(`category must be one of ${Object.keys(AUDIT_CATEGORIES).join(", ")}.`);
    }
    const actorName = stringParam(call.params, "actor_name")?.trim().toLowerCase();
    const entries = await call.hub.audit.list({
      businessId: node.id,
      action: stringParam(call.params, "action"),
      ...(category ? { actionPrefixes: AUDIT_CATEGORIES[category] } : {}),
      outcome: stringParam(call.params, "outcome"),
      actorId: stringParam(call.params, "actor"),
      ...(actorName ? { actorIds: [...index.principals.values()].filter((p) => p.name.toLowerCase().includes(actorName)).map((p) => p.id) } : {}),
      limit: Math.min(intParam(call.params, "max_entries") ?? 200, 1000),
    });
    // Targets and second parties are named only where the reader may know of them.
    const known = knowledgeOf(call.hub, call.caller.ctx);
    const names = {
      actor: (id: string) => index.principals.get(id)?.name,
      business: (id: string) => (known.business(id) ? index.businesses.get(id) : undefined),
      principal: (id: string) => (known.principal(id) ? index.principals.get(id)?.name : undefined),
      asset: (id: string) => (known.asset(id) ? index.assets.get(id) : undefined),
    };
    return listOf(
      call,
      entries,
      (e) => ({ createdAt: e.seq, id: String(e.seq) }),
      (e) => {
        // A refusal's reason can name the object refused; it is shown only to those who may know of it.
        const hidden = e.target_id !== null && !known.any(e.target_id);
        const parts = sentencePartsOf(hidden ? { ...e, reason: HIDDEN_REASON, before_json: null, after_json: null } : e, names);
        return {
          id: String(e.seq),
          time: graphTime(e.at),
          request_id: e.request_id,
          actor: { type: e.actor_type, id: e.actor_id, name: parts.actor },
          app_id: e.app_id,
          action: e.action,
          category: auditCategoryOf(e.action) ?? null,
          description: auditSentence(parts),
          target: { type: e.target_type, id: e.target_id, name: parts.target },
          outcome: e.outcome,
          reason: hidden ? HIDDEN_REASON : e.reason,
          before: e.before_json && !hidden ? (JSON.parse(e.before_json) as unknown) : null,
          after: e.after_json && !hidden ? (JSON.parse(e.after_json) as unknown) : null,
        };
      },
      ["id", "time", "actor", "action", "description", "target", "outcome", "reason"],
    );
  },
};

const HIDDEN_REASON = "The object does not exist, or this business has no access to it.";

/** `POST /{business}/audit_verification`: checks the audit log's hash chain from the first entry (admins only). */
const auditVerification: EdgeSpec = {
  POST: async (call, node) => {
    requireBusinessAdmin(call.hub, call.caller.ctx, node.id, "verifying the audit log");
    const result = await call.hub.audit.verify();
    return raw({ ok: result.ok, entries: result.entries, broken_at: result.brokenAt ?? null, problem: result.problem ?? null });
  },
};

const assetIdParam = (call: GraphCall, name: string): string => assetIdFromGraph(stringParam(call.params, name, true));

/** A system user's live tokens other than `except`, for what revoking those leaves. */
async function otherLiveTokens(call: GraphCall, systemUserId: string, except: readonly string[]): Promise<number> {
  const now = call.hub.now();
  return (await call.hub.tokens.listForPrincipal(systemUserId)).filter((t) => !except.includes(t.id) && t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now)).length;
}

/** An access review finding's fix as the change it would make (see FindingFixService). */
async function changeOfFix(call: GraphCall, fix: { action?: unknown; params?: Record<string, unknown> }): Promise<AccessChange> {
  const p = fix.params ?? {};
  const str = (key: string): string => {
    const value = p[key];
    if (typeof value !== "string" || value === "") throw errors.invalidParameter(`The fix is missing ${key}.`);
    return value;
  };
  const tasks = Array.isArray(p.tasks) ? p.tasks.filter((t): t is string => typeof t === "string") : [];
  switch (fix.action) {
    case "downgrade":
      return typeof p.assignment_id === "string"
        ? { kind: "assignment", assetId: str("asset_id"), principalId: str("principal_id"), tasks }
        : { kind: "share_level", assetId: str("asset_id"), partnerId: str("partner_business_id"), tasks };
    case "remove_assignment":
      return { kind: "assignment", assetId: str("asset_id"), principalId: str("principal_id"), ...(typeof p.business_id === "string" ? { byBusinessId: p.business_id } : {}) };
    case "revoke_share":
    case "renew_or_end_share":
      return { kind: "share", assetId: str("asset_id"), partnerId: str("partner_business_id") };
    case "remove_member":
      return { kind: "member", principalId: str("person_id") };
    case "revoke_token": {
      const ids = Array.isArray(p.token_ids) ? p.token_ids.filter((t): t is string => typeof t === "string") : [];
      return { kind: "token", principalId: str("system_user_id"), otherLiveTokens: await otherLiveTokens(call, str("system_user_id"), ids) };
    }
    case "remove_app":
      return { kind: "grant", grantId: str("grant_id") };
    default:
      throw errors.invalidParameter("This fix removes no access.");
  }
}

/**
 * `GET /{business}/access_impact?change=…`: what a removal or narrowing would take away and from
 * whom, before it is made (the console's confirmation dialogs). `change` is partner (`partner`),
 * share (`asset`, `partner`), share_level (`asset`, `partner`, `tasks`), assignment (`asset`,
 * `user`, optional `tasks`), member or system_user (`user`), app (`app`), token (`user`, `token`)
 * or fix (`fix`: an access review finding's fix). Admins of the business only; the hub's access
 * engine answers, and a change that does not concern the business answers as an unknown object.
 */
const accessImpactEdge: EdgeSpec = {
  GET: async (call, node) => {
    const kind = stringParam(call.params, "change", true);
    const user = () => stringParam(call.params, "user", true);
    let change: AccessChange;
    switch (kind) {
      case "partner":
        change = { kind, partnerId: stringParam(call.params, "partner", true) };
        break;
      case "share":
        change = { kind, assetId: assetIdParam(call, "asset"), partnerId: stringParam(call.params, "partner", true) };
        break;
      case "share_level":
        change = { kind, assetId: assetIdParam(call, "asset"), partnerId: stringParam(call.params, "partner", true), tasks: listParam(call.params, "tasks", true)! };
        break;
      case "assignment":
        change = { kind, assetId: assetIdParam(call, "asset"), principalId: user(), tasks: listParam(call.params, "tasks") };
        break;
      case "member":
      case "system_user":
        change = { kind: "member", principalId: user() };
        break;
      case "app":
        change = { kind, appId: stringParam(call.params, "app", true) };
        break;
      case "grant":
        change = { kind, grantId: stringParam(call.params, "grant", true) };
        break;
      case "token": {
        const token = stringParam(call.params, "token", true);
        change = { kind, principalId: user(), otherLiveTokens: await otherLiveTokens(call, user(), [token]) };
        break;
      }
      case "fix": {
        const fix = call.params.fix;
        if (typeof fix !== "object" || fix === null) throw errors.invalidParameter("fix must be an access review finding's fix: {action, params}.");
        change = await changeOfFix(call, fix as { action?: unknown; params?: Record<string, unknown> });
        break;
      }
      default:
        throw errors.invalidParameter("change must be partner, share, share_level, assignment, member, system_user, app, grant, token or fix.");
    }
    return raw(impactFor(call.hub, call.caller.ctx, node.id, change));
  },
};

/** `POST /{business}/system_user_removals {system_user}`: deletes a system user with its assignments and tokens (admins). */
const systemUserRemovals: EdgeSpec = {
  POST: async (call, node) => {
    const result = await call.hub.businesses.deleteSystemUser(call.caller.ctx, node.id, stringParam(call.params, "system_user", true));
    return raw({ success: true, removed_assignments: result.removedAssignments, revoked_tokens: result.revokedTokens });
  },
};

/** `GET /me/access_impact?change=grant&grant=…`: what removing one of the person's own app connections takes away. */
export const consolePersonImpactEdge: EdgeSpec = {
  GET: async (call, node) => {
    requireSelf(call.caller.ctx, node.id);
    const change: AccessChange = { kind: "grant", grantId: stringParam(call.params, "grant", true) };
    return raw(impactFor(call.hub, call.caller.ctx, node.id, change));
  },
};

export const consoleBusinessEdges: Record<string, EdgeSpec> = {
  access_impact: accessImpactEdge,
  system_user_removals: systemUserRemovals,
  partner_shares: partnerShares,
  partner_requests: partnerRequests,
  partner_removals: partnerRemovals,
  audit_log: auditLog,
  audit_verification: auditVerification,
};

const TOKENS_DOING = "managing system user tokens";

/** `GET` / `DELETE /{system_user}/access_tokens`: the tokens with scopes, expiry and last use; revoke one (`token`). */
export const consoleSystemUserTokenEdge: EdgeSpec = {
  GET: async (call, node) => {
    requireSystemUserAdmin(call.hub, call.caller.ctx, node.id, TOKENS_DOING);
    const tokens = await call.hub.tokens.listForPrincipal(node.id);
    return listOf(
      call,
      tokens,
      (t) => ({ createdAt: t.createdAt, id: t.id }),
      (t) => ({
        id: t.id,
        app_id: t.appId,
        scopes: t.scopes,
        created_time: graphTime(t.createdAt),
        expires_time: graphTime(t.expiresAt),
        last_used_time: graphTime(t.lastUsedAt),
        revoked_time: graphTime(t.revokedAt),
        status: t.revokedAt !== null ? "REVOKED" : t.expiresAt !== null && t.expiresAt <= call.hub.now() ? "EXPIRED" : "ACTIVE",
      }),
      ["id", "scopes", "created_time", "expires_time", "last_used_time", "status"],
    );
  },
  DELETE: async (call, node) => {
    const businessId = requireSystemUserAdmin(call.hub, call.caller.ctx, node.id, TOKENS_DOING);
    const tokenId = stringParam(call.params, "token", true);
    const tokens = await call.hub.tokens.listForPrincipal(node.id);
    if (!tokens.some((t) => t.id === tokenId)) throw errors.notFound(`Token '${tokenId}'`);
    await call.hub.tokens.revoke(call.caller.ctx, tokenId, businessId);
    return success();
  },
};
