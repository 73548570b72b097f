import { ASSET_TYPE_INFO, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { actionLabel, ACTIONS, requiredMask, type ActionName } from "../catalogue/actions.ts";
import { describeMask, LEVEL_LABELS, smallestLevelCovering } from "../catalogue/permissionLevels.ts";
import { shareLive, type AccessIndex, type AccessPath, type AccessSubject, type AssetEntry, type PrincipalEntry, type PrincipalType } from "./accessIndex.ts";

export interface Explanation {
  allowed: boolean;
  action: ActionName;
  principal: { id: string; type: PrincipalType; name: string } | null;
  asset: { id: string; type: AssetType; name: string; ownerId: string; ownerName: string } | null;
  neededTasks: string[];
  heldTasks: string[];
  paths: { kind: AccessPath["kind"]; businessId: string; tasks: string[]; via: string }[];
  /** One or two plain sentences: the path that grants access, or why it is denied. */
  reason: string;
  /** What would change a denial, and who can do it; null when allowed or nothing can. */
  fix: string | null;
}

const list = (tasks: readonly string[]) => tasks.join(" and ");

function businessName(index: AccessIndex, id: string): string {
  return index.businesses.get(id) ?? `business ${id}`;
}

/** "Northwind Media was given Analytics view on Acme Main" style description of one path. */
export function describePath(index: AccessIndex, asset: AssetEntry, principalName: string, path: AccessPath): string {
  const owner = businessName(index, asset.ownerId);
  switch (path.kind) {
    case "owner_admin":
      return `${principalName} is an admin of ${owner}, which owns ${asset.name}`;
    case "owner_assignment":
      return `${principalName} was assigned ${describeMask(asset.type, path.mask)} on ${asset.name} by ${owner}`;
    case "partner_assignment": {
      const partner = businessName(index, path.businessId);
      return (
        `${owner} shared ${asset.name} with ${partner} (${describeMask(asset.type, path.shareMask)}), ` +
        `and ${partner} assigned ${principalName} ${describeMask(asset.type, path.assignmentMask)}`
      );
    }
  }
}

function levelFor(type: AssetType, mask: number): string {
  const level = smallestLevelCovering(type, mask);
  return level ? LEVEL_LABELS[level] : list(tasksOfMask(type, mask));
}

export function explainAccess(
  index: AccessIndex,
  subject: AccessSubject,
  action: ActionName,
  assetId: string,
  now: number,
): Explanation {
  const asset = index.assets.get(assetId);
  const principal = index.principals.get(subject.principalId);
  const base: Explanation = {
    allowed: false,
    action,
    principal: principal ? { id: principal.id, type: principal.type, name: principal.name } : null,
    asset: asset
      ? { id: asset.id, type: asset.type, name: asset.name, ownerId: asset.ownerId, ownerName: businessName(index, asset.ownerId) }
      : null,
    neededTasks: [],
    heldTasks: [],
    paths: [],
    reason: "",
    fix: null,
  };
  if (!asset) return { ...base, reason: `There is no asset with the ID ${assetId}.` };
  if (!principal) return { ...base, reason: `There is no person or system user with the ID ${subject.principalId}.` };

  const type = asset.type;
  const words = actionLabel(action, type);
  const label = words.charAt(0).toUpperCase() + words.slice(1);
  const needed = requiredMask(action, type);
  if (needed === 0) {
    return { ...base, reason: `${label} does not apply to a ${ASSET_TYPE_INFO[type].label}.` };
  }
  const paths = index.paths(principal.id, assetId, now);
  const held = paths.reduce((m, p) => m | p.mask, 0);
  const owner = businessName(index, asset.ownerId);
  const result: Explanation = {
    ...base,
    neededTasks: tasksOfMask(type, needed),
    heldTasks: tasksOfMask(type, held),
    paths: paths.map((p) => ({
      kind: p.kind,
      businessId: p.businessId,
      tasks: tasksOfMask(type, p.mask),
      via: describePath(index, asset, principal.name, p),
    })),
  };
  const facts: Facts = { index, asset, principal, needed, words, neededWords: list(tasksOfMask(type, needed)), owner, now };

  if ((held & needed) === needed) {
    const token = tokenProblem(index, subject, action, asset, principal.name);
    if (token) return { ...result, reason: token.reason, fix: token.fix };
    const granting = paths.find((p) => (p.mask & needed) === needed) ?? paths[0]!;
    return {
      ...result,
      allowed: true,
      reason: `${principal.name} may do this: ${describePath(index, asset, principal.name, granting)}; ${words} needs ${facts.neededWords}.`,
    };
  }
  return { ...result, ...(tooNarrowPath(facts, paths, tasksOfMask(type, needed & ~held)) ?? missingLink(facts)) };
}

/** What an explanation of a denial works from. */
interface Facts {
  index: AccessIndex;
  asset: AssetEntry;
  principal: PrincipalEntry;
  needed: number;
  /** The action in words ("create campaigns"), and the tasks it needs ("Manage campaigns and …"). */
  words: string;
  neededWords: string;
  owner: string;
  now: number;
}

type Denial = Pick<Explanation, "reason" | "fix">;

/**
 * A path reaches the asset but with too few tasks. The path that comes closest is preferred (a
 * partner's, then the owner's assignment), so the fix names the one change needed.
 */
function tooNarrowPath({ index, asset, principal, needed, words, neededWords, owner }: Facts, paths: AccessPath[], missing: string[]): Denial | null {
  const type = asset.type;
  const partnerPath = paths.find((p) => p.kind === "partner_assignment");
  if (partnerPath && partnerPath.kind === "partner_assignment") {
    const partner = businessName(index, partnerPath.businessId);
    if ((partnerPath.shareMask & needed) !== needed) {
      return {
        reason: `${partner} was given ${describeMask(type, partnerPath.shareMask)} on ${asset.name}; ${words} needs ${neededWords}.`,
        fix: `An admin of ${owner} can raise the share to ${levelFor(type, partnerPath.shareMask | needed)}.`,
      };
    }
    return {
      reason: `${partner} assigned ${principal.name} ${describeMask(type, partnerPath.assignmentMask)} on ${asset.name}; ${words} needs ${neededWords}.`,
      fix: `An admin of ${partner} can add ${list(missing)} to ${principal.name}'s assignment; the share allows it.`,
    };
  }
  const ownerPath = paths.find((p) => p.kind === "owner_assignment");
  if (ownerPath) {
    return {
      reason: `${owner} assigned ${principal.name} ${describeMask(type, ownerPath.mask)} on ${asset.name}; ${words} needs ${neededWords}.`,
      fix: `An admin of ${owner} can add ${list(missing)} to ${principal.name}'s assignment.`,
    };
  }
  return null;
}

/** No path reaches the asset: which link of the chain (share, assignment, membership) is missing. */
function missingLink({ index, asset, principal, needed, neededWords, owner, now }: Facts): Denial {
  const type = asset.type;
  for (const entry of index.assignmentsOf(principal.id, asset.id)) {
    if (entry.businessId === asset.ownerId || !principal.roles.has(entry.businessId)) continue;
    const share = index.getShare(asset.id, entry.businessId);
    if (!share || !shareLive(share, now)) {
      const partner = businessName(index, entry.businessId);
      return {
        reason: `${principal.name} was assigned to ${asset.name} through ${partner}, but ${owner}'s share with ${partner} has ended or was removed.`,
        fix: `An admin of ${owner} can share ${asset.name} with ${partner} again.`,
      };
    }
  }
  if (principal.roles.has(asset.ownerId)) {
    return {
      reason: `${principal.name} is part of ${owner}, which owns ${asset.name}, but has not been assigned to it.`,
      fix: `An admin of ${owner} can assign ${principal.name} to ${asset.name} with ${levelFor(type, needed)}.`,
    };
  }
  for (const businessId of principal.roles.keys()) {
    const share = index.getShare(asset.id, businessId);
    if (!share || !shareLive(share, now)) continue;
    const partner = businessName(index, businessId);
    const shareAllows = (share.mask & needed) === needed;
    return {
      reason: `${owner} shared ${asset.name} with ${partner} (${describeMask(type, share.mask)}), but ${partner} has not assigned ${principal.name} to it.`,
      fix: shareAllows
        ? `An admin of ${partner} can assign ${principal.name} to ${asset.name} with ${neededWords}.`
        : `An admin of ${owner} must first raise the share to ${levelFor(type, share.mask | needed)}; then an admin of ${partner} can assign ${principal.name}.`,
    };
  }
  const home = [...principal.roles.keys()][0];
  return {
    reason: `${principal.name} has no access to ${asset.name}: it belongs to ${owner}, which has not shared it with any business ${principal.name} is part of.`,
    fix: home
      ? `An admin of ${owner} can share ${asset.name} with ${businessName(index, home)} (Business ID ${home}) at ${levelFor(type, needed)}; then an admin of ${businessName(index, home)} assigns ${principal.name}.`
      : `${principal.name} is not part of any business; a business admin must add them first.`,
  };
}

function tokenProblem(
  index: AccessIndex,
  subject: AccessSubject,
  action: ActionName,
  asset: AssetEntry,
  principalName: string,
): { reason: string; fix: string } | null {
  const spec = ACTIONS[action];
  if (subject.assetLimit && subject.assetLimit !== asset.id) {
    const limit = index.assets.get(subject.assetLimit);
    return {
      reason: `This Page access token reaches only ${limit?.name ?? `asset ${subject.assetLimit}`}.`,
      fix: `Use ${principalName}'s own access token for ${asset.name}.`,
    };
  }
  if (subject.grantId) {
    const grant = index.getGrant(subject.grantId);
    if (!grant || grant.principalId !== subject.principalId) {
      return {
        reason: `The app's access for ${principalName} was removed.`,
        fix: `${principalName} can connect the app again.`,
      };
    }
    if (!grant.assetIds.has(asset.id)) {
      return {
        reason: `${grant.appName} was not given ${asset.name} when ${principalName} connected it.`,
        fix: `${principalName} can reconnect ${grant.appName} and choose ${asset.name}.`,
      };
    }
  }
  if (subject.scopes) {
    const scopes = subject.scopes;
    if (!spec.scopes.some((s) => scopes.has(s))) {
      return {
        reason: `The access token has none of the scopes ${spec.label} needs (${spec.scopes.join(" or ")}).`,
        fix: `Connect again asking for ${spec.scopes[0]}.`,
      };
    }
  }
  return null;
}

