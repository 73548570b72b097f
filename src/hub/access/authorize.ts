import { errors, type GrantlineError } from "../../errors.ts";
import type { ActionName } from "../catalogue/actions.ts";
import type { RequestContext } from "../context.ts";
import type { AccessEngine } from "./accessEngine.ts";
import type { AccessSubject } from "./accessIndex.ts";
import type { Explanation } from "./explain.ts";
import { canSeeAsset, canSeeBusiness } from "./visibility.ts";

/**
 * The only place services ask "may this actor do this?". Operator (CLI) and system (sweeper)
 * contexts are trusted; people and system users go through the access engine.
 */

export function subjectOf(ctx: RequestContext): AccessSubject | null {
  if (ctx.actor.type !== "person" && ctx.actor.type !== "system_user") return null;
  return { principalId: ctx.actor.id, scopes: ctx.scopes, grantId: ctx.grantId, assetLimit: ctx.assetLimit };
}

/**
 * Throws unless the actor may act on the asset: the engine's explanation, or not-found to a stranger
 * (see `refusalFor`), naming the asset as `shownId` (as the caller named it, `act_<n>` say).
 */
export function authorizeAsset(engine: AccessEngine, ctx: RequestContext, action: ActionName, assetId: string, shownId = assetId): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  if (engine.check(subject, action, assetId)) return;
  throw refusalFor(engine, subject, action, assetId, shownId);
}

/**
 * The one visibility rule for refusals, used by every route, the troubleshooter and webhook
 * subscriptions: to the owner's and partners' people, why not and what would fix it; to anyone else,
 * exactly the answer for an id that does not exist (`shownId` as the caller named it), so a
 * stranger can neither learn that the asset exists nor who owns it.
 */
export function refusalFor(engine: AccessEngine, subject: AccessSubject, action: ActionName, assetId: string, shownId = assetId): GrantlineError {
  if (!canSeeAsset(engine, subject.principalId, assetId)) return concealedNotFound(errors.unknownAsset(shownId));
  return deniedError(engine.explain(subject, action, assetId));
}

export function deniedError(explanation: Explanation) {
  const userMsg = explanation.fix ? `${explanation.reason} ${explanation.fix}` : explanation.reason;
  return errors.permissionDenied(`(#200) Permission denied: ${explanation.reason}`, userMsg);
}

/** A not-found that stands in for a refusal: audited as a denial, worded as for a missing id. */
export function concealedNotFound(error: GrantlineError): GrantlineError {
  error.concealed = true;
  return error;
}

/**
 * To anyone with no relation to the business, its own edges answer as a business that does not
 * exist would. `parties` are further businesses whose people may learn why (the other side of a
 * pending offer, say).
 */
function requireBusinessVisible(engine: AccessEngine, subject: AccessSubject, businessId: string, parties: readonly string[] = []): void {
  if (canSeeBusiness(engine, subject.principalId, businessId)) return;
  const roles = engine.index.principals.get(subject.principalId)?.roles;
  if (roles && parties.some((party) => roles.has(party))) return;
  throw concealedNotFound(errors.notFound(`Object with ID '${businessId}'`, businessId));
}

/** Business-level administration (people, system users, partners, new assets) needs the ADMIN role. */
export function authorizeBusinessAdmin(engine: AccessEngine, ctx: RequestContext, businessId: string, doing: string, parties: readonly string[] = []): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  requireBusinessVisible(engine, subject, businessId, parties);
  authorizeGrantBusiness(engine, subject, businessId);
  if (subject.scopes && !subject.scopes.has("business_management")) {
    throw errors.permissionDenied(
      `(#200) The access token needs the business_management scope for ${doing}.`,
      `Connect again asking for business_management to allow ${doing}.`,
    );
  }
  const role = engine.roleIn(subject.principalId, businessId);
  if (role === "ADMIN") return;
  const businessName = engine.index.businesses.get(businessId) ?? `business ${businessId}`;
  const who = engine.index.principals.get(subject.principalId)?.name ?? "This user";
  throw errors.permissionDenied(
    `(#200) Only admins of ${businessName} can do this.`,
    role
      ? `${who} is ${role} in ${businessName}; ${doing} needs an admin. An admin of ${businessName} can do it or make ${who} an admin.`
      : `${who} is not part of ${businessName}; ${doing} needs an admin of ${businessName}.`,
  );
}

/**
 * Removing one of a partner's assignments on an asset the caller's business owns and shares with
 * that partner: the owner's admins may already narrow or end the share, which trims or removes
 * every assignment under it, so taking away one of them is the narrower form of the same power.
 * Only removal: what the partner assigns stays the partner's to decide.
 */
export function authorizeOwnerRemovingPartnerAssignment(engine: AccessEngine, ctx: RequestContext, assetId: string, partnerBusinessId: string): void {
  const asset = engine.asset(assetId);
  if (!asset) throw errors.unknownAsset(assetId);
  authorizeBusinessAdmin(engine, ctx, asset.ownerId, "removing a partner's assignment on your asset");
  if (!engine.index.getShare(assetId, partnerBusinessId)) {
    const partnerName = engine.index.businesses.get(partnerBusinessId) ?? `business ${partnerBusinessId}`;
    throw errors.invalidParameter(`${asset.name} is not shared with ${partnerName}; only the assignments a share lets in can be removed by the owner.`);
  }
}

/** Reading a business's own lists (members, partners, requests) needs any role in it. */
export function authorizeBusinessMember(engine: AccessEngine, ctx: RequestContext, businessId: string): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  requireBusinessVisible(engine, subject, businessId);
  authorizeGrantBusiness(engine, subject, businessId);
  if (engine.roleIn(subject.principalId, businessId)) return;
  const businessName = engine.index.businesses.get(businessId) ?? `business ${businessId}`;
  throw errors.permissionDenied(`(#200) Only people of ${businessName} can see this.`);
}

/** An app token reaches a business's own edges only when the person picked the business at consent. */
function authorizeGrantBusiness(engine: AccessEngine, subject: AccessSubject, businessId: string): void {
  if (engine.index.tokenAllowsBusiness(subject, businessId)) return;
  const grant = subject.grantId ? engine.index.getGrant(subject.grantId) : undefined;
  const businessName = engine.index.businesses.get(businessId) ?? `business ${businessId}`;
  const who = engine.index.principals.get(subject.principalId)?.name ?? "The person";
  if (!grant || grant.principalId !== subject.principalId) {
    throw errors.permissionDenied("(#200) Permission denied: the app's access was removed.", `${who} can connect the app again.`);
  }
  throw errors.permissionDenied(
    `(#200) Permission denied: ${grant.appName} was not given ${businessName} when ${who} connected it.`,
    `${who} can reconnect ${grant.appName} and choose ${businessName}.`,
  );
}

/**
 * Listing whom a business staffed on an asset: anyone who may view the asset, and also an admin of
 * a business the asset is shared with (or of its owner) who is not staffed on it yet, so that a
 * partner's admin sees the assignments she just made. Everyone else gets the view refusal.
 */
export function authorizeStaffList(engine: AccessEngine, ctx: RequestContext, assetId: string, businessId: string): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  if (engine.check(subject, "view_asset", assetId)) return;
  const asset = engine.asset(assetId);
  const partyToAsset = asset !== undefined && (asset.ownerId === businessId || engine.index.getShare(assetId, businessId) !== undefined);
  if (partyToAsset && engine.roleIn(subject.principalId, businessId) === "ADMIN" && engine.index.tokenAllowsBusiness(subject, businessId)) return;
  throw refusalFor(engine, subject, "view_asset", assetId);
}
