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
