import type { AccessEngine } from "./accessEngine.ts";

/**
 * Who may learn that an object exists. Every refusal to someone outside this rule is worded as for
 * an id that does not exist (see `refusalFor` and the Graph layer's node check), so a business with
 * no relation to an object learns nothing from probing it: not that it exists, nor who owns it.
 */

/** The kinds of object a Graph path can name, with what decides who may see them. */
export interface VisibleNode {
  type: string;
  id: string;
  /** The ad account an ad object (campaign, ad set, ad, creative, report run) belongs to. */
  adAccountId?: string | undefined;
}

/**
 * Whether the principal has any relation to the asset: a role in the business that owns it, or in
 * a business it is shared with.
 */
export function canSeeAsset(engine: AccessEngine, principalId: string, assetId: string): boolean {
  const asset = engine.asset(assetId);
  const roles = engine.index.principals.get(principalId)?.roles;
  if (asset === undefined || roles === undefined) return false;
  return roles.has(asset.ownerId) || engine.index.sharesOf(assetId).some((share) => roles.has(share.partnerId));
}

/**
 * Whether a refusal on a business's own edges (people, partners, settings, reviews) may say why: to
 * its people, and to the people of a business it shares assets with (they know each other). To
 * anyone else the business's edges answer as for an id that does not exist.
 */
export function canSeeBusiness(engine: AccessEngine, principalId: string, businessId: string): boolean {
  const roles = engine.index.principals.get(principalId)?.roles;
  if (!roles) return false;
  if (roles.has(businessId)) return true;
  return engine.index.businessesSharingWith(businessId).some((other) => roles.has(other));
}

/** A person or system user is seen by themselves and by the people of a business they belong to. */
export function canSeePrincipal(engine: AccessEngine, viewerId: string, principalId: string): boolean {
  return viewerId === principalId || businessesInCommon(engine, viewerId, principalId).length > 0;
}

/** The businesses both principals have a role in, in the order of `otherId`'s roles. */
export function businessesInCommon(engine: AccessEngine, viewerId: string, otherId: string): string[] {
  const viewer = engine.index.principals.get(viewerId)?.roles;
  const other = engine.index.principals.get(otherId)?.roles;
  if (!viewer || !other) return [];
  return [...other.keys()].filter((business) => viewer.has(business));
}

/** Whether the principal has a role in the business. */
export function isMember(engine: AccessEngine, principalId: string, businessId: string): boolean {
  return engine.roleIn(principalId, businessId) !== undefined;
}

/** Whether the principal is an ADMIN of the business. */
export function isAdminOf(engine: AccessEngine, principalId: string, businessId: string): boolean {
  return engine.roleIn(principalId, businessId) === "ADMIN";
}

/** Whether the principal is an ADMIN of any of the businesses (an unknown one, undefined, counts for none). */
export function isAdminOfAny(engine: AccessEngine, principalId: string, businessIds: Iterable<string | undefined>): boolean {
  for (const businessId of businessIds) if (businessId !== undefined && isAdminOf(engine, principalId, businessId)) return true;
  return false;
}

/**
 * A manager on the owner's side: part of the business that owns the asset and allowed to manage
 * access to it. Such a one may know every partner of the asset and everyone reaching it.
 */
function managesForOwner(engine: AccessEngine, principalId: string, assetId: string): boolean {
  const ownerId = engine.asset(assetId)?.ownerId;
  return ownerId !== undefined && isMember(engine, principalId, ownerId) && engine.check({ principalId }, "manage_access", assetId);
}

/**
 * Which of an asset's partner shares the principal may know of (its `agencies`, and the webhooks
 * about them): every one to the owner's managers, else only those with a business it belongs to.
 */
export function partnerSharesSeenBy(engine: AccessEngine, principalId: string, assetId: string): (partnerBusinessId: string) => boolean {
  if (managesForOwner(engine, principalId, assetId)) return () => true;
  return (partnerBusinessId) => isMember(engine, principalId, partnerBusinessId);
}

/**
 * Which of the people and system users reaching an asset the principal may see: everyone to the
 * owner's managers, else those who share one of its businesses.
 */
export function reachersSeenBy(engine: AccessEngine, principalId: string, assetId: string): (otherId: string) => boolean {
  if (managesForOwner(engine, principalId, assetId)) return () => true;
  return (otherId) => businessesInCommon(engine, principalId, otherId).length > 0;
}

/**
 * Whether a Graph node may be known to exist by the principal. Ad objects go with their ad account;
 * apps and review campaigns decide in their own handlers (an app's name is shown on its consent page).
 */
export function canSeeNode(engine: AccessEngine, principalId: string, node: VisibleNode): boolean {
  if (node.type === "business") return canSeeBusiness(engine, principalId, node.id);
  if (node.type === "user" || node.type === "system_user") return canSeePrincipal(engine, principalId, node.id);
  if (node.adAccountId !== undefined) return canSeeAsset(engine, principalId, node.adAccountId);
  if (engine.index.assets.has(node.id)) return canSeeAsset(engine, principalId, node.id);
  return true;
}

/**
 * Whether the principal may know of the asset, business or person with this id; ids of anything
 * else (ad objects, apps, entries) are not decided here and answer true.
 */
export function canSeeIndexed(engine: AccessEngine, principalId: string, id: string): boolean {
  const index = engine.index;
  if (index.assets.has(id)) return canSeeAsset(engine, principalId, id);
  if (index.businesses.has(id)) return canSeeBusiness(engine, principalId, id);
  if (index.principals.has(id)) return canSeePrincipal(engine, principalId, id);
  return true;
}
