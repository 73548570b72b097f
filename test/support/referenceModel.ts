import { ASSET_TYPE_INFO, type AssetType } from "../../src/hub/catalogue/assetTypes.ts";
import { ACTIONS, type ActionName, type ActionSpec } from "../../src/hub/catalogue/actions.ts";

/**
 * A deliberately plain model of who can reach what: lists scanned in full, task names in sets, no
 * indexes and no bit masks. The access engine must agree with it on every question.
 */
export interface RefWorld {
  now: number;
  assets: { id: string; type: AssetType; owner: string }[];
  roles: { principal: string; business: string; role: string }[];
  shares: { id: string; asset: string; partner: string; tasks: string[]; endsAt: number | null }[];
  assignments: { id: string; asset: string; principal: string; business: string; tasks: string[] }[];
  grants: { id: string; principal: string; scopes: string[]; assets: string[] }[];
}

export function emptyWorld(now = 0): RefWorld {
  return { now, assets: [], roles: [], shares: [], assignments: [], grants: [] };
}

function roleIn(world: RefWorld, principal: string, business: string): string | undefined {
  return world.roles.find((r) => r.principal === principal && r.business === business)?.role;
}

/** Every task the principal holds on the asset, by any path. */
export function refTasks(world: RefWorld, principal: string, assetId: string): Set<string> {
  const asset = world.assets.find((a) => a.id === assetId);
  if (!asset) return new Set();
  if (roleIn(world, principal, asset.owner) === "ADMIN") return new Set(ASSET_TYPE_INFO[asset.type].tasks);
  const out = new Set<string>();
  for (const assignment of world.assignments) {
    if (assignment.asset !== assetId || assignment.principal !== principal) continue;
    if (roleIn(world, principal, assignment.business) === undefined) continue;
    if (assignment.business === asset.owner) {
      for (const t of assignment.tasks) out.add(t);
      continue;
    }
    const share = world.shares.find(
      (s) => s.asset === assetId && s.partner === assignment.business && (s.endsAt === null || world.now < s.endsAt),
    );
    if (!share) continue;
    for (const t of assignment.tasks) if (share.tasks.includes(t)) out.add(t);
  }
  return out;
}

export function refCheck(
  world: RefWorld,
  principal: string,
  action: ActionName,
  assetId: string,
  token?: { scopes?: string[]; grantId?: string; assetLimit?: string },
): boolean {
  const asset = world.assets.find((a) => a.id === assetId);
  if (!asset) return false;
  // A Page access token reaches its one asset and nothing else.
  if (token?.assetLimit !== undefined && token.assetLimit !== assetId) return false;
  const spec: ActionSpec = ACTIONS[action];
  const needed = spec.requires[asset.type];
  if (!needed || needed.length === 0) return false;
  if (token?.grantId) {
    const grant = world.grants.find((g) => g.id === token.grantId);
    if (!grant || grant.principal !== principal || !grant.assets.includes(assetId)) return false;
  }
  if (token?.scopes && !spec.scopes.some((s) => token.scopes!.includes(s))) return false;
  const held = refTasks(world, principal, assetId);
  return needed.every((t) => held.has(t));
}

/**
 * Partner routes into the asset: each assignment a partner business made on it while a live share
 * with that partner stands and the principal is part of the partner, with the tasks both allow.
 * By principal, then assignment.
 */
export function refPartnerPaths(world: RefWorld, assetId: string): { principal: string; share: string; assignment: string; tasks: string[] }[] {
  const asset = world.assets.find((a) => a.id === assetId);
  if (!asset) return [];
  const out: { principal: string; share: string; assignment: string; tasks: string[] }[] = [];
  for (const assignment of world.assignments) {
    if (assignment.asset !== assetId || assignment.business === asset.owner) continue;
    if (roleIn(world, assignment.principal, assignment.business) === undefined) continue;
    const share = world.shares.find(
      (s) => s.asset === assetId && s.partner === assignment.business && (s.endsAt === null || world.now < s.endsAt),
    );
    if (!share) continue;
    const tasks = assignment.tasks.filter((t) => share.tasks.includes(t)).sort();
    if (tasks.length > 0) out.push({ principal: assignment.principal, share: share.id, assignment: assignment.id, tasks });
  }
  return out.sort((a, b) => a.principal.localeCompare(b.principal) || a.assignment.localeCompare(b.assignment));
}

/** Principals with any task on the asset, each with its tasks sorted. */
export function refWhoCanAccess(world: RefWorld, assetId: string): { principal: string; tasks: string[] }[] {
  const principals = new Set(world.roles.map((r) => r.principal));
  const out: { principal: string; tasks: string[] }[] = [];
  for (const principal of [...principals].sort()) {
    const tasks = [...refTasks(world, principal, assetId)].sort();
    if (tasks.length > 0) out.push({ principal, tasks });
  }
  return out;
}

export function refAccessibleAssets(world: RefWorld, principal: string): { asset: string; tasks: string[] }[] {
  const out: { asset: string; tasks: string[] }[] = [];
  for (const asset of [...world.assets].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const tasks = [...refTasks(world, principal, asset.id)].sort();
    if (tasks.length > 0) out.push({ asset: asset.id, tasks });
  }
  return out;
}

/**
 * Whether the principal has a legitimate route to the asset: part of the owner, or part of a
 * business the owner has a live share with. Access without one would cross tenants.
 */
export function refHasRoute(world: RefWorld, principal: string, assetId: string): boolean {
  const asset = world.assets.find((a) => a.id === assetId);
  if (!asset) return false;
  if (roleIn(world, principal, asset.owner) !== undefined) return true;
  return world.shares.some(
    (s) => s.asset === assetId && roleIn(world, principal, s.partner) !== undefined && (s.endsAt === null || world.now < s.endsAt),
  );
}

/**
 * The caller's view (hub/access/visibility.ts and callerAccess.ts), as plainly: who may know that
 * an asset or a person exists, and which of an asset's partners and people a caller may see.
 */
export const refMember = (world: RefWorld, principal: string, business: string): boolean => roleIn(world, principal, business) !== undefined;

/** Part of the asset's owner, or of a business it is shared with (any share on record, live or past its end). */
export function refKnowsAsset(world: RefWorld, principal: string, assetId: string): boolean {
  const asset = world.assets.find((a) => a.id === assetId);
  if (!asset) return false;
  return refMember(world, principal, asset.owner) || world.shares.some((s) => s.asset === assetId && refMember(world, principal, s.partner));
}

/** The same principal, or the two have a business in common. */
export function refSeesPrincipal(world: RefWorld, viewer: string, other: string): boolean {
  return viewer === other || world.roles.some((r) => r.principal === other && refMember(world, viewer, r.business));
}

/** Part of the owner and allowed to manage access to the asset. */
function refManagesForOwner(world: RefWorld, principal: string, assetId: string): boolean {
  const asset = world.assets.find((a) => a.id === assetId);
  return asset !== undefined && refMember(world, principal, asset.owner) && refCheck(world, principal, "manage_access", assetId);
}

/** The owner's managers see every partner of the asset; anyone else only its own businesses. */
export function refSeesPartner(world: RefWorld, principal: string, assetId: string, partner: string): boolean {
  return refManagesForOwner(world, principal, assetId) || refMember(world, principal, partner);
}

/** The owner's managers see everyone reaching the asset; anyone else those with a business in common. */
export function refSeesReacher(world: RefWorld, viewer: string, assetId: string, other: string): boolean {
  return refManagesForOwner(world, viewer, assetId) || world.roles.some((r) => r.principal === other && refMember(world, viewer, r.business));
}

/** What the caller gets asking about another principal's assignments: allowed, refused with a reason, or told it does not exist. */
export function refSelfOrAdmin(world: RefWorld, viewer: string, other: string): "allowed" | "refused" | "hidden" {
  if (viewer === other || world.roles.some((r) => r.principal === other && roleIn(world, viewer, r.business) === "ADMIN")) return "allowed";
  return refSeesPrincipal(world, viewer, other) ? "refused" : "hidden";
}

/**
 * The hub services' own decisions (hub/access/serviceAccess.ts), as plainly, for a person or system
 * user acting with no app token. Each answers as the service does: allowed, refused with a reason,
 * or told the object does not exist.
 */
export type RefOutcome = "allowed" | "refused" | "hidden";

export const refAdmin = (world: RefWorld, principal: string, business: string): boolean => roleIn(world, principal, business) === "ADMIN";

const ownerOf = (world: RefWorld, assetId: string): string | undefined => world.assets.find((a) => a.id === assetId)?.owner;

/** Part of the business, or of a business on the other side of one of its shares. */
export function refSeesBusiness(world: RefWorld, principal: string, business: string): boolean {
  if (refMember(world, principal, business)) return true;
  return world.shares.some((s) => {
    const owner = ownerOf(world, s.asset);
    return (s.partner === business && owner !== undefined && refMember(world, principal, owner)) || (owner === business && refMember(world, principal, s.partner));
  });
}

/** Administering a business: hidden from those who cannot see it, refused to its non-admins. */
export function refBusinessAdmin(world: RefWorld, principal: string, business: string): RefOutcome {
  if (!refSeesBusiness(world, principal, business)) return "hidden";
  return refAdmin(world, principal, business) ? "allowed" : "refused";
}

/** Acting on an asset: allowed by its tasks, refused to those who know of it, hidden from anyone else. */
export function refAssetOutcome(world: RefWorld, principal: string, action: ActionName, assetId: string): RefOutcome {
  if (refCheck(world, principal, action, assetId)) return "allowed";
  return refKnowsAsset(world, principal, assetId) ? "refused" : "hidden";
}

/** Sharing an asset: someone of its owner who may manage access to it; everyone else is refused. */
export function refShares(world: RefWorld, principal: string, assetId: string): RefOutcome {
  const owner = ownerOf(world, assetId);
  return owner !== undefined && refMember(world, principal, owner) && refCheck(world, principal, "manage_access", assetId) ? "allowed" : "refused";
}

/** Ending a share: the partner's admins, or whoever may share the asset. */
export function refEndsShare(world: RefWorld, principal: string, assetId: string, partner: string): RefOutcome {
  return refAdmin(world, principal, partner) ? "allowed" : refShares(world, principal, assetId);
}

/** Closing a pending item between two businesses: hidden from all but their people; the side closing it needs an admin. */
export function refClosesPending(world: RefWorld, principal: string, sender: string, receiver: string, side: string): RefOutcome {
  if (!refMember(world, principal, sender) && !refMember(world, principal, receiver)) return "hidden";
  return refAdmin(world, principal, side) ? "allowed" : "refused";
}

/** Removing a partner (or checking its removal): the partner's admins when the two are partners, else as administering the owner. */
export function refRemovesPartner(world: RefWorld, principal: string, owner: string, partner: string, partnered: boolean): RefOutcome {
  return partnered && refAdmin(world, principal, partner) ? "allowed" : refBusinessAdmin(world, principal, owner);
}

/** Leaving a business, or checking one's own removal: the person themselves; for anyone else, as administering the business. */
export function refSelfOrBusinessAdmin(world: RefWorld, principal: string, business: string, person: string): RefOutcome {
  return principal === person ? "allowed" : refBusinessAdmin(world, principal, business);
}

/** Troubleshooting another's access to an asset: hidden unless the asset is known; oneself, or an admin of its owner or of their businesses. */
export function refTroubleshoots(world: RefWorld, principal: string, other: string, assetId: string): RefOutcome {
  if (!refKnowsAsset(world, principal, assetId)) return "hidden";
  if (principal === other) return "allowed";
  const involved = [ownerOf(world, assetId), ...world.roles.filter((r) => r.principal === other).map((r) => r.business)];
  return involved.some((b) => b !== undefined && refAdmin(world, principal, b)) ? "allowed" : "refused";
}

/** Checking an app connection is gone: who connected it, or an admin of an owner of one of its assets. */
export function refChecksAppRemoval(world: RefWorld, principal: string, grant: { principal: string; assets: string[] }): RefOutcome {
  if (principal === grant.principal) return "allowed";
  return grant.assets.some((a) => {
    const owner = ownerOf(world, a);
    return owner !== undefined && refAdmin(world, principal, owner);
  })
    ? "allowed"
    : "refused";
}

/** Subscribing an app to an ad account: an admin of the app's business who can see the account. */
export function refSubscribes(world: RefWorld, principal: string, appBusiness: string, assetId: string): RefOutcome {
  const actingForApp = refBusinessAdmin(world, principal, appBusiness);
  return actingForApp === "allowed" ? refAssetOutcome(world, principal, "view_asset", assetId) : actingForApp;
}

/** Unsubscribing: someone who manages the account's settings, or as for subscribing. */
export function refUnsubscribes(world: RefWorld, principal: string, appBusiness: string, assetId: string): RefOutcome {
  return refCheck(world, principal, "manage_settings", assetId) ? "allowed" : refSubscribes(world, principal, appBusiness, assetId);
}

/** An app subscribed by the principal hears of the ad account while it may view it; of a partner, as the `agencies` edge shows it. */
export function refHearsAdAccount(world: RefWorld, subscriber: string, assetId: string, aboutPartner?: string): boolean {
  if (!refCheck(world, subscriber, "view_asset", assetId)) return false;
  return aboutPartner === undefined || refSeesPartner(world, subscriber, assetId, aboutPartner);
}
