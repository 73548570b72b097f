import { errors } from "../../errors.ts";
import { adAccountGraphId, assetIdFromGraph } from "../../graphIds.ts";
import { taskMask } from "../catalogue/assetTypes.ts";
import { presetTasks } from "../catalogue/permissionLevels.ts";
import type { RequestContext } from "../context.ts";
import type { AppGrantCoverage } from "../apps/appGrant.repository.ts";
import type { AccessEngine } from "./accessEngine.ts";
import { authorizeAsset, authorizeBusinessAdmin, concealedNotFound, subjectOf } from "./authorize.ts";
import { canSeeAsset, canSeeBusiness, isAdminOf, isAdminOfAny, isMember, partnerSharesSeenBy } from "./visibility.ts";

/*
 * The decisions of the hub's own services that are more than "may act on this asset" or "is an
 * admin of this business" (those are in authorize.ts): who may share, end a share, close a pending
 * item, remove or verify the removal of a partner, connect an app, troubleshoot someone's access,
 * subscribe an app to events, read a report run, and for which businesses and ad accounts the
 * Autopilot host acts. Each is named for what the service asks, so no
 * service compares roles or memberships of its own. Operator and system contexts are trusted, as
 * in authorize.ts.
 */

/** An asset as the services read it from the store. */
interface StoredAsset {
  id: string;
  name: string;
  owner_business_id: string;
}

/** An app as the services read it from the store: its id and the business that registered it. */
interface StoredApp {
  id: string;
  business_id: string;
}

function businessName(engine: AccessEngine, businessId: string): string {
  return engine.index.businesses.get(businessId) ?? `business ${businessId}`;
}

// ---- partner shares ----------------------------------------------------------------------------

/**
 * Sharing an asset with partners is the owner's call: someone of the owner who may manage access to
 * it (its admins may). A partner's people are told they cannot pass a client's asset on.
 */
export function authorizeSharing(engine: AccessEngine, ctx: RequestContext, asset: StoredAsset): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  if (!isMember(engine, subject.principalId, asset.owner_business_id)) {
    const owner = businessName(engine, asset.owner_business_id);
    throw errors.permissionDenied(
      `(#200) Only ${owner}, which owns ${asset.name}, can share it with partners.`,
      `Only ${owner}, which owns ${asset.name}, can share it with partners; partners cannot pass client assets on.`,
    );
  }
  authorizeAsset(engine, ctx, "manage_access", asset.id);
}

/** Ending one asset's share: the partner's admins may leave it, otherwise it takes whoever may share the asset. */
export function authorizeEndingShare(engine: AccessEngine, ctx: RequestContext, asset: StoredAsset, partnerBusinessId: string): void {
  const subject = subjectOf(ctx);
  if (subject && isAdminOf(engine, subject.principalId, partnerBusinessId)) return;
  authorizeSharing(engine, ctx, asset);
}

/**
 * Declining or cancelling a pending offer or request: only the two parties may learn that it
 * exists; of them, `side` (the receiver declines, the sender cancels) needs an admin, and the
 * other side is told why it cannot.
 */
export function authorizeClosingPending(
  engine: AccessEngine,
  ctx: RequestContext,
  item: { id: string; sender: string; receiver: string; side: string },
  doing: string,
): void {
  const subject = subjectOf(ctx);
  if (subject && !isMember(engine, subject.principalId, item.sender) && !isMember(engine, subject.principalId, item.receiver)) {
    throw concealedNotFound(errors.unknownRequest(item.id));
  }
  authorizeBusinessAdmin(engine, ctx, item.side, doing, [item.sender, item.receiver]);
}

/**
 * Removing a partner, or checking that it was removed: the owner's admins, or the partner's own
 * admins when the two really are (or were) partners. Naming any other business as the owner must
 * not let a partner's admin write into its audit log or learn its assets.
 */
export function authorizeOwnerOrPartnerAdmin(
  engine: AccessEngine,
  ctx: RequestContext,
  parties: { ownerId: string; partnerId: string; partnered: boolean },
  doing: string,
): void {
  const subject = subjectOf(ctx);
  if (subject && parties.partnered && isAdminOf(engine, subject.principalId, parties.partnerId)) return;
  authorizeBusinessAdmin(engine, ctx, parties.ownerId, doing);
}

// ---- people and removal checks -----------------------------------------------------------------

/** What concerns only one person (leaving a business, checking their own removal) is theirs to do; for anyone else it takes an admin of the business. */
export function authorizeSelfOrBusinessAdmin(engine: AccessEngine, ctx: RequestContext, businessId: string, personId: string, doing: string): void {
  if (ctx.actor.type === "person" && ctx.actor.id === personId) return;
  authorizeBusinessAdmin(engine, ctx, businessId, doing);
}

/** Checking that an app connection is gone: the person who connected it, or an admin of a business whose assets it was given. */
export function authorizeAppRemovalCheck(engine: AccessEngine, ctx: RequestContext, grant: { principalId: string; assetIds: readonly string[] }): void {
  const subject = subjectOf(ctx);
  if (!subject || subject.principalId === grant.principalId) return;
  const owners = grant.assetIds.map((id) => engine.asset(id)?.ownerId);
  if (isAdminOfAny(engine, subject.principalId, owners)) return;
  throw errors.permissionDenied("(#200) Only the person who connected the app, or an admin of a business whose assets it was given, can verify its removal.");
}

/**
 * Which of a principal's paths into an owner's asset go through a partner being removed: those the
 * partner made, and every path of someone who is part of the partner but not of the owner. A person
 * of both businesses keeps what the owner gave them.
 */
export function throughPartner(engine: AccessEngine, principalId: string, ownerId: string, partnerId: string): (path: { businessId: string }) => boolean {
  const partnerOnly = !isMember(engine, principalId, ownerId) && isMember(engine, principalId, partnerId);
  return (path) => path.businessId === partnerId || partnerOnly;
}

// ---- apps --------------------------------------------------------------------------------------

/** An app connection is removed here only by the person or system user who made it. */
export function authorizeOwnConnection(ctx: RequestContext, principalId: string): void {
  const subject = subjectOf(ctx);
  if (subject && subject.principalId !== principalId) {
    throw errors.permissionDenied("(#200) Only the person who connected the app can remove it here.");
  }
}

/** A person may give an app only assets they reach: a grant never adds access. */
export function authorizeGrantingAsset(engine: AccessEngine, principalId: string, assetId: string): void {
  if (engine.tasksOf(principalId, assetId).length === 0) {
    throw errors.permissionDenied(`(#200) You cannot give an app access to an asset you cannot reach (${assetId}).`);
  }
}

/** A person may give an app a business's own edges only for a business they are part of. */
export function authorizeGrantingBusiness(engine: AccessEngine, principalId: string, businessId: string): void {
  if (!isMember(engine, principalId, businessId)) {
    throw errors.permissionDenied(`(#200) You cannot give an app access to a business you are not part of (${businessId}).`);
  }
}

// ---- troubleshooting ---------------------------------------------------------------------------

/**
 * A principal may troubleshoot its own access; admins of the asset's owner or of the principal's
 * businesses may troubleshoot anyone's. Answers name the owner, the partners and their admins, so
 * to someone the asset is hidden from it does not exist (`shownId` as the caller named it).
 */
export function authorizeTroubleshooting(engine: AccessEngine, ctx: RequestContext, principalId: string, assetId: string, shownId: string): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  if (!canSeeAsset(engine, subject.principalId, assetId)) throw concealedNotFound(errors.unknownAsset(shownId));
  if (subject.principalId === principalId) return;
  const involved = [engine.asset(assetId)?.ownerId, ...(engine.index.principals.get(principalId)?.roles.keys() ?? [])];
  if (isAdminOfAny(engine, subject.principalId, involved)) return;
  throw errors.permissionDenied("(#200) Only the person concerned or an admin of a business involved can troubleshoot this access.");
}

/**
 * The tasks a principal holds on an asset as part of the business that owns it, as a mask: the
 * Admin level and its assignments for an admin of the owner, its assignments for anyone else of the
 * owner; undefined for someone not part of the owner.
 */
export function ownerSideMask(engine: AccessEngine, principalId: string, assetId: string): number | undefined {
  const asset = engine.asset(assetId);
  if (!asset || !isMember(engine, principalId, asset.ownerId)) return undefined;
  const assigned = engine.index
    .assignmentsOf(principalId, assetId)
    .filter((a) => a.businessId === asset.ownerId)
    .reduce((mask, a) => mask | a.mask, 0);
  return isAdminOf(engine, principalId, asset.ownerId) ? taskMask(asset.type, presetTasks(asset.type, "ADMIN")) | assigned : assigned;
}

// ---- Autopilot's host -------------------------------------------------------------------------

/**
 * What the hub does for an Autopilot running elsewhere (audit entries, alerts, forecasts, asking about
 * its callers) only the hub's own Autopilot app asks: through a token issued for an app the operator
 * registered as the hub's own (first party), held by someone of that app's business. `app` is the
 * token's app, as the registry holds it.
 */
export function authorizeAutopilotHost(engine: AccessEngine, ctx: RequestContext, app: { businessId: string; firstParty: boolean } | undefined): void {
  const subject = subjectOf(ctx);
  if (!subject) return;
  if (app?.firstParty && ctx.appId && isMember(engine, subject.principalId, app.businessId)) return;
  throw errors.permissionDenied("(#200) Only the hub's own Autopilot app may call the Autopilot host.");
}

/** The app calling the Autopilot host, as the rules below read it: its id and the business that registered it. */
interface HostApp {
  id: string;
  businessId: string;
}

/**
 * Whether the app reaches a business: its own, or one that connected it, through a grant made by
 * someone of the business or given the business or an asset it owns. `connections` are the grants
 * to weigh; the host passes every grant the app was ever given, ended ones too, since Autopilot
 * still tells a business that removed it that it lost access.
 */
export function appReachesBusiness(engine: AccessEngine, app: HostApp, businessId: string, connections: Iterable<AppGrantCoverage>): boolean {
  if (app.businessId === businessId) return true;
  for (const connection of connections) {
    if (isMember(engine, connection.principalId, businessId)) return true;
    for (const id of connection.businessIds) if (id === businessId) return true;
    for (const id of connection.assetIds) if (engine.asset(id)?.ownerId === businessId) return true;
  }
  return false;
}

/**
 * What the Autopilot host writes without a caller (a system audit entry, an alert) goes only to a
 * business the app reaches (`appReachesBusiness`); to the app, any other reads as a business that
 * does not exist. `app` is the one `authorizeAutopilotHost` admitted.
 */
export function authorizeHostForBusiness(engine: AccessEngine, ctx: RequestContext, app: HostApp | undefined, businessId: string, connections: Iterable<AppGrantCoverage>): void {
  if (!subjectOf(ctx)) return;
  if (app && appReachesBusiness(engine, app, businessId, connections)) return;
  throw concealedNotFound(errors.notFound(`Object with ID '${businessId}'`, businessId));
}

/**
 * Whether the app reaches an ad account (`act_<id>` or the bare id): one its own business owns, or
 * one a live grant of the app lets it read the insights of (the grant names the account, its scopes
 * allow it, and the person who made it still reaches the account: a grant never adds access). The
 * simulated market's forecasts and replays tell an account's hidden performance, so they are that read.
 */
export function appReachesAdAccount(engine: AccessEngine, app: HostApp, accountId: string): boolean {
  const id = assetIdFromGraph(accountId);
  const asset = engine.asset(id);
  if (asset?.type !== "ad_account") return false;
  if (asset.ownerId === app.businessId) return true;
  return engine.index.grantsOfApp(app.id).some((grant) => engine.check({ principalId: grant.principalId, scopes: grant.scopes, grantId: grant.id }, "read_insights", id));
}

/**
 * Forecasts, checkpoints and replays of the simulated market run only ad accounts the app reaches
 * (`appReachesAdAccount`); the first other one reads as an object that does not exist.
 */
export function authorizeHostForAdAccounts(engine: AccessEngine, ctx: RequestContext, app: HostApp | undefined, accountIds: Iterable<string>): void {
  if (!subjectOf(ctx)) return;
  for (const accountId of accountIds) {
    if (!app || !appReachesAdAccount(engine, app, accountId)) throw concealedNotFound(errors.unknownAsset(adAccountGraphId(assetIdFromGraph(accountId))));
  }
}

/** Whether the caller may know the business exists, and so its name (a trusted context may): see `canSeeBusiness`. */
export function callerSeesBusiness(engine: AccessEngine, ctx: RequestContext, businessId: string): boolean {
  const subject = subjectOf(ctx);
  return !subject || canSeeBusiness(engine, subject.principalId, businessId);
}

// ---- webhooks ----------------------------------------------------------------------------------

/** Acting for an app: through a token issued to that app, or as an admin of the business that registered it. */
export function authorizeActingForApp(engine: AccessEngine, ctx: RequestContext, app: StoredApp, doing: string): void {
  if (ctx.appId === app.id) return;
  authorizeBusinessAdmin(engine, ctx, app.business_id, doing);
}

/** Subscribing an app to an ad account's events: acting for the app, and able to see the ad account. */
export function authorizeSubscribing(engine: AccessEngine, ctx: RequestContext, app: StoredApp, adAccountId: string): void {
  authorizeActingForApp(engine, ctx, app, "subscribing the app to ad accounts");
  authorizeAsset(engine, ctx, "view_asset", adAccountId);
}

/** Unsubscribing an app from an ad account: as for subscribing, or as someone who manages the ad account's settings. */
export function authorizeUnsubscribing(engine: AccessEngine, ctx: RequestContext, app: StoredApp, adAccountId: string): void {
  const subject = subjectOf(ctx);
  if (!subject || engine.check(subject, "manage_settings", adAccountId)) return;
  authorizeActingForApp(engine, ctx, app, "unsubscribing the app");
  authorizeAsset(engine, ctx, "view_asset", adAccountId);
}

/**
 * Whether an app subscribed to an ad account by `subscribedBy` (null: the operator, who hears
 * everything) hears an event about it: the subscriber must still see the account, and an event
 * about a partner (`aboutPartnerId`) follows the account's `agencies` edge (`partnerSharesSeenBy`):
 * the owner's managers hear of every partner, a partner only of its own share.
 */
export function subscriberHearsAdAccount(engine: AccessEngine, subscribedBy: string | null, adAccountId: string, aboutPartnerId?: string): boolean {
  if (subscribedBy === null) return true;
  if (!engine.check({ principalId: subscribedBy }, "view_asset", adAccountId)) return false;
  if (aboutPartnerId === undefined) return true;
  return partnerSharesSeenBy(engine, subscribedBy, adAccountId)(aboutPartnerId);
}

/** Whether an app subscribed to a business's events by `subscribedBy` hears them: only while the subscriber is still its admin (null: the operator). */
export function subscriberHearsBusiness(engine: AccessEngine, subscribedBy: string | null, businessId: string): boolean {
  return subscribedBy === null || isAdminOf(engine, subscribedBy, businessId);
}

// ---- report runs -------------------------------------------------------------------------------

/** Only the principal who started an async report run may read it, and only while it may still read the account's insights. */
export function mayReadReportRun(engine: AccessEngine, ctx: RequestContext, run: { principal_id: string; account_id: string }): boolean {
  const subject = subjectOf(ctx);
  return !subject || (run.principal_id === subject.principalId && engine.check(subject, "read_insights", run.account_id));
}
