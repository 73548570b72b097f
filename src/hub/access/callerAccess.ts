import { errors } from "../../errors.ts";
import { ACTION_NAMES, requiredTasks, type ActionName } from "../catalogue/actions.ts";
import type { RequestContext } from "../context.ts";
import type { AccessEngine } from "./accessEngine.ts";
import type { AccessSubject, ShareEntry } from "./accessIndex.ts";
import type { Explanation } from "./explain.ts";
import { authorizeAsset, authorizeBusinessAdmin, authorizeBusinessMember, authorizeStaffList, subjectOf } from "./authorize.ts";
import { accessImpact, type AccessChange, type AccessImpact } from "./impact.ts";
import {
  businessesInCommon,
  canSeeAsset,
  canSeeBusiness,
  canSeeIndexed,
  canSeeNode,
  canSeePrincipal,
  isAdminOfAny,
  isMember,
  partnerSharesSeenBy,
  reachersSeenBy,
  type VisibleNode,
} from "./visibility.ts";

/*
 * The access decisions of the surfaces that answer a caller (the Graph API and the console on it),
 * each asked with the hub and the caller's context. The rules themselves are in authorize.ts and
 * visibility.ts, shared with the services; these name what a caller's request asks, so no handler
 * composes a rule of its own from the engine's parts. Operator and system contexts are trusted, as
 * in authorize.ts: they pass every check and may know of everything.
 */

/** What these decisions need of the hub: its access engine. */
export interface AccessHolder {
  readonly engine: AccessEngine;
}

const unknownObject = (id: string) => errors.notFound(`Object with ID '${id}'`);

/** The person or system user acting, or undefined for a trusted context. */
function principalOf(ctx: RequestContext): string | undefined {
  return ctx.actor.type === "person" || ctx.actor.type === "system_user" ? ctx.actor.id : undefined;
}

/** Throws unless the caller may act on the asset; strangers get the answer for an unknown `shownId`. */
export function requireAsset(hub: AccessHolder, ctx: RequestContext, action: ActionName, assetId: string, shownId = assetId): void {
  authorizeAsset(hub.engine, ctx, action, assetId, shownId);
}

/** Whether the caller may act on the asset, for leaving out of a list what it may not see. */
export function mayAct(hub: AccessHolder, ctx: RequestContext, action: ActionName, assetId: string): boolean {
  return principalOf(ctx) === undefined || principalMay(hub, ctx, action, assetId);
}

/** Whether a person or system user acts, and may act on the asset; trusted contexts answer false (their reads are nobody's use). */
export function principalMay(hub: AccessHolder, ctx: RequestContext, action: ActionName, assetId: string): boolean {
  const subject = subjectOf(ctx);
  return subject !== null && hub.engine.check(subject, action, assetId);
}

/** Reading a business's own lists needs a role in it (see `authorizeBusinessMember`). */
export function requireBusinessMember(hub: AccessHolder, ctx: RequestContext, businessId: string): void {
  authorizeBusinessMember(hub.engine, ctx, businessId);
}

/** Administering a business needs its ADMIN role (see `authorizeBusinessAdmin`); `doing` words the refusal. */
export function requireBusinessAdmin(hub: AccessHolder, ctx: RequestContext, businessId: string, doing: string): void {
  authorizeBusinessAdmin(hub.engine, ctx, businessId, doing);
}

/** What a removal or narrowing would take away, for an admin of the business (see impact.ts). */
export function impactFor(hub: AccessHolder, ctx: RequestContext, businessId: string, change: AccessChange): AccessImpact {
  return accessImpact(hub.engine, ctx, businessId, change);
}

/**
 * Listing whom one business staffed on an asset: who may do so (see `authorizeStaffList`), and
 * only for a business the caller belongs to.
 */
export function requireStaffList(hub: AccessHolder, ctx: RequestContext, assetId: string, businessId: string): void {
  authorizeStaffList(hub.engine, ctx, assetId, businessId);
  const me = principalOf(ctx);
  if (me !== undefined && !isMember(hub.engine, me, businessId)) {
    throw errors.permissionDenied("(#200) You can list the people of your own business only.");
  }
}

/**
 * Throws unless the caller belongs to the asset's owner or to a business it is shared with; others
 * get the answer for an asset that does not exist.
 */
export function requireAssetRelated(hub: AccessHolder, ctx: RequestContext, assetId: string): void {
  const me = principalOf(ctx);
  if (me !== undefined && !canSeeAsset(hub.engine, me, assetId)) throw unknownObject(assetId);
}

/** What the caller may and may not do on the asset, action by action, with the engine's reason and fix. */
export function capabilitiesOn(hub: AccessHolder, ctx: RequestContext, assetId: string): Pick<Explanation, "action" | "allowed" | "reason" | "fix">[] {
  const subject = subjectOf(ctx);
  const asset = hub.engine.asset(assetId);
  if (!subject || !asset) return [];
  return ACTION_NAMES.filter((action) => requiredTasks(action, asset.type).length > 0).map((action) => {
    const { allowed, reason, fix } = hub.engine.explain(subject, action, assetId);
    return { action, allowed, reason, fix };
  });
}

/**
 * The share of the asset with `businessId` when the caller belongs to that business (a partner's
 * own share, to keep its staffing within it); undefined otherwise.
 */
export function ownShareOf(hub: AccessHolder, ctx: RequestContext, assetId: string, businessId: string): ShareEntry | undefined {
  const me = principalOf(ctx);
  if (me === undefined || !isMember(hub.engine, me, businessId)) return undefined;
  return hub.engine.index.getShare(assetId, businessId);
}

/** Which partners of the asset the caller may know of (see `partnerSharesSeenBy`). */
export function partnersSeenBy(hub: AccessHolder, ctx: RequestContext, assetId: string): (partnerBusinessId: string) => boolean {
  const me = principalOf(ctx);
  return me === undefined ? () => true : partnerSharesSeenBy(hub.engine, me, assetId);
}

/** Which of the people and system users reaching the asset the caller may see (see `reachersSeenBy`). */
export function peopleSeenBy(hub: AccessHolder, ctx: RequestContext, assetId: string): (principalId: string) => boolean {
  const me = principalOf(ctx);
  return me === undefined ? () => true : reachersSeenBy(hub.engine, me, assetId);
}

/**
 * People and system users may be seen by themselves and by anyone sharing a business with them;
 * others get the answer for an id that does not exist.
 */
export function requirePrincipalVisible(hub: AccessHolder, ctx: RequestContext, principalId: string): void {
  const me = principalOf(ctx);
  if (me !== undefined && !canSeePrincipal(hub.engine, me, principalId)) throw unknownObject(principalId);
}

/** Only the principal itself or an admin of one of its businesses may see what it is assigned to and reaches. */
export function requireSelfOrAdmin(hub: AccessHolder, ctx: RequestContext, principalId: string): void {
  const me = principalOf(ctx);
  if (me === undefined || me === principalId) return;
  if (isAdminOfAny(hub.engine, me, hub.engine.index.principals.get(principalId)?.roles.keys() ?? [])) return;
  requirePrincipalVisible(hub, ctx, principalId);
  throw errors.permissionDenied("(#200) Only the user or an admin of their business can see their assignments.");
}

/**
 * Whose reach a discovery edge (`/me/adaccounts`, `/me/businesses`…) lists: the principal of the
 * path, limited by the caller's token (scopes, app grant, Page limit). Others than the caller are
 * listed only to admins of their business.
 */
export function reachOf(hub: AccessHolder, ctx: RequestContext, principalId: string): AccessSubject {
  requireSelfOrAdmin(hub, ctx, principalId);
  return { ...subjectOf(ctx), principalId };
}

/** The businesses of the subject's principal that its token reaches (an app's, those picked at consent), with its role in each. */
export function businessesReachedBy(hub: AccessHolder, subject: AccessSubject): [businessId: string, role: string][] {
  const roles = hub.engine.index.principals.get(subject.principalId)?.roles ?? new Map<string, string>();
  return [...roles.entries()].filter(([businessId]) => hub.engine.index.tokenAllowsBusiness(subject, businessId));
}

/** Whether the caller sees all of a business rather than its public name: it belongs to it, and its token reaches it. */
export function seesWholeBusiness(hub: AccessHolder, ctx: RequestContext, businessId: string): boolean {
  const subject = subjectOf(ctx);
  if (!subject) return true;
  return isMember(hub.engine, subject.principalId, businessId) && hub.engine.index.tokenAllowsBusiness(subject, businessId);
}

/**
 * The business a system user belongs to, for managing its tokens: to anyone outside that business
 * it does not exist; inside, it takes an admin.
 */
export function requireSystemUserAdmin(hub: AccessHolder, ctx: RequestContext, systemUserId: string, doing: string): string {
  const roles = hub.engine.index.principals.get(systemUserId)?.roles;
  const businessId = roles ? [...roles.keys()][0] : undefined;
  const me = principalOf(ctx);
  if (!businessId || (me !== undefined && !isMember(hub.engine, me, businessId))) throw unknownObject(systemUserId);
  authorizeBusinessAdmin(hub.engine, ctx, businessId, doing);
  return businessId;
}

/**
 * The business to remove a person from, of those the caller shares with them: `named`, or the only
 * one. Someone who shares none (or names another) gets the answer for an unknown id; whether the
 * caller may remove them is the member service's to decide.
 */
export function sharedBusinessOf(hub: AccessHolder, ctx: RequestContext, personId: string, named: string | undefined): string {
  const me = principalOf(ctx);
  const shared = me === undefined ? [...(hub.engine.index.principals.get(personId)?.roles.keys() ?? [])] : businessesInCommon(hub.engine, me, personId);
  if (shared.length === 0) throw unknownObject(personId);
  if (named !== undefined && !shared.includes(named)) throw unknownObject(personId);
  if (named === undefined && shared.length > 1) throw errors.invalidParameter("This person is in several of your businesses: pass business, the one to remove them from.");
  return named ?? shared[0]!;
}

/** What is the caller's own (its app connections, what removing one takes away) reads to anyone else as an unknown id. */
export function requireSelf(ctx: RequestContext, principalId: string): void {
  const me = principalOf(ctx);
  if (me !== undefined && me !== principalId) throw unknownObject(principalId);
}

/** Which apps are connected is managed by people in the console: an app acting through its token may not see or change it. */
export function refuseAppTokens(ctx: RequestContext): void {
  if (ctx.appId) throw errors.permissionDenied("(#200) Apps cannot manage connected apps; sign in to the console.");
}

/** Only the person themselves may see (`doing`: "see") or remove ("remove") the apps they connected, and not through an app. */
export function requireOwnConnections(ctx: RequestContext, personId: string, doing: "see" | "remove"): void {
  refuseAppTokens(ctx);
  const me = principalOf(ctx);
  if (me !== undefined && me !== personId) throw errors.permissionDenied(`(#200) Only the person themselves can ${doing} the apps they connected.`);
}

/** Whether the caller may learn that a Graph node exists (see `canSeeNode`); when not, every failure on it reads as an unknown id. */
export function mayKnowNode(hub: AccessHolder, ctx: RequestContext, node: VisibleNode): boolean {
  const me = principalOf(ctx);
  return me === undefined || canSeeNode(hub.engine, me, node);
}

/** What the caller may know of, by kind, for naming the objects an audit entry mentions. */
export interface Knowledge {
  business(id: string): boolean;
  principal(id: string): boolean;
  asset(id: string): boolean;
  /** Any id: an asset, business or person as above; anything else (ad objects, apps) is not decided here. */
  any(id: string): boolean;
}

export function knowledgeOf(hub: AccessHolder, ctx: RequestContext): Knowledge {
  const me = principalOf(ctx);
  if (me === undefined) return { business: () => true, principal: () => true, asset: () => true, any: () => true };
  const engine = hub.engine;
  return {
    business: (id) => canSeeBusiness(engine, me, id),
    principal: (id) => canSeePrincipal(engine, me, id),
    asset: (id) => canSeeAsset(engine, me, id),
    any: (id) => canSeeIndexed(engine, me, id),
  };
}

/**
 * Whether the caller's principal holds any task on the asset through any path (its token aside):
 * only such callers count against an ad account's quota and see its usage headers.
 */
export function reachesAsset(hub: AccessHolder, ctx: RequestContext, assetId: string): boolean {
  const me = principalOf(ctx);
  return me !== undefined && hub.engine.index.taskMask(me, assetId, hub.engine.now()) !== 0;
}

/** Whether the caller's principal belongs to the business: only its people count against its quota. */
export function belongsTo(hub: AccessHolder, ctx: RequestContext, businessId: string): boolean {
  const me = principalOf(ctx);
  return me !== undefined && isMember(hub.engine, me, businessId);
}
