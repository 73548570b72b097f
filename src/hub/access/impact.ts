import { errors } from "../../errors.ts";
import { taskMask, tasksOfMask, type AssetType } from "../catalogue/assetTypes.ts";
import { describeMask } from "../catalogue/permissionLevels.ts";
import type { RequestContext } from "../context.ts";
import type { AccessEngine } from "./accessEngine.ts";
import type { AccessPath, AssetEntry, PrincipalType } from "./accessIndex.ts";
import { authorizeBusinessAdmin, concealedNotFound, subjectOf } from "./authorize.ts";

/**
 * What a change that removes or narrows access would take away, and from whom, answered from the
 * access engine before the change is made: the console shows it in the confirmation dialog
 * ("Northwind Media and 3 of its people lose access to Acme Main and 2 other assets"). Nothing
 * here changes anything. Each change is judged from one business's side (`businessId`, whose
 * admin asks); a change that does not concern that business answers as for an unknown object.
 */
export type AccessChange =
  /** Every share from the business to a partner ends. */
  | { kind: "partner"; partnerId: string }
  /** One asset's share with a partner ends (either side may end it). */
  | { kind: "share"; assetId: string; partnerId: string }
  /** One asset's share with a partner changes to these tasks. */
  | { kind: "share_level"; assetId: string; partnerId: string; tasks: readonly string[] }
  /** A person's or system user's assignment on an asset ends, or (with `tasks`) changes to these tasks. */
  /** `byBusinessId`: the business that made the assignment, when it is a partner of the asking owner (default: the asking business). */
  | { kind: "assignment"; assetId: string; principalId: string; tasks?: readonly string[]; byBusinessId?: string }
  /** A person or system user leaves the business (a system user's deletion too). */
  | { kind: "member"; principalId: string }
  /** One app connection (a person's consent) ends. */
  | { kind: "grant"; grantId: string }
  /** An app loses every connection that reaches the business's assets. */
  | { kind: "app"; appId: string }
  /** One of a system user's tokens is revoked; `otherLiveTokens` of its tokens stay. */
  | { kind: "token"; principalId: string; otherLiveTokens: number };

interface Named {
  id: string;
  name: string;
}

export interface ImpactAsset extends Named {
  type: AssetType;
}

/** One principal losing some or all of its tasks on one asset. */
export interface ImpactLoss {
  principal: Named & { type: PrincipalType };
  business: Named | null;
  asset: ImpactAsset;
  /** Tasks it holds now and would not hold after the change. */
  lost_tasks: string[];
  /** Tasks it would still hold through other paths (empty: it loses the asset altogether). */
  kept_tasks: string[];
  /** The access before and after, in level words ("Standard" → "View only", or "no access"). */
  before: string;
  after: string;
}

export interface AccessImpact {
  /** One sentence naming what stops working and for whom. */
  summary: string;
  /** Businesses whose share of an asset ends or narrows. */
  businesses: (Named & { assets: (ImpactAsset & { before: string; after: string })[] })[];
  losses: ImpactLoss[];
  /** Apps whose connections end, with the assets they could reach. */
  apps: (Named & { granted_by: Named; assets: ImpactAsset[] })[];
  /** What the admin must type to confirm (a whole partner's name), or null when a click is enough. */
  confirm_text: string | null;
}

const NO_ACCESS = "no access";

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "Acme Main", "Acme Main and Acme Page", "Acme Main and 2 other assets". */
export function namesPhrase(names: readonly string[], noun = "asset"): string {
  const unique = [...new Set(names)];
  if (unique.length === 0) return `no ${noun}s`;
  if (unique.length === 1) return unique[0]!;
  if (unique.length === 2) return `${unique[0]} and ${unique[1]}`;
  return `${unique[0]} and ${plural(unique.length - 1, `other ${noun}`)}`;
}

/** "3 of its people", "1 of its people and 1 system user". */
function staffPhrase(losses: readonly ImpactLoss[], own: boolean): string | null {
  const people = new Set(losses.filter((l) => l.principal.type === "person").map((l) => l.principal.id)).size;
  const systemUsers = new Set(losses.filter((l) => l.principal.type === "system_user").map((l) => l.principal.id)).size;
  const parts: string[] = [];
  if (people > 0) parts.push(own ? `${people} of its people` : plural(people, "person", "people"));
  if (systemUsers > 0) parts.push(plural(systemUsers, "system user"));
  return parts.length ? parts.join(" and ") : null;
}

/** Who loses which tasks on these assets when each path's tasks become `after(principal, path)`. */
function lossesOf(engine: AccessEngine, assetIds: Iterable<string>, after: (principalId: string, path: AccessPath) => number): ImpactLoss[] {
  const index = engine.index;
  const out: ImpactLoss[] = [];
  for (const assetId of new Set(assetIds)) {
    const asset = index.assets.get(assetId);
    if (!asset) continue;
    for (const { principalId, mask, paths } of index.whoCanAccess(assetId, engine.now())) {
      const kept = paths.reduce((m, p) => m | after(principalId, p), 0);
      const lost = mask & ~kept;
      if (lost === 0) continue;
      const principal = index.principals.get(principalId)!;
      const losing = paths.find((p) => (p.mask & ~after(principalId, p)) !== 0)!;
      out.push({
        principal: { id: principalId, name: principal.name, type: principal.type },
        business: { id: losing.businessId, name: index.businesses.get(losing.businessId) ?? losing.businessId },
        asset: presentAsset(asset),
        lost_tasks: tasksOfMask(asset.type, lost),
        kept_tasks: tasksOfMask(asset.type, kept),
        before: describeMask(asset.type, mask),
        after: kept === 0 ? NO_ACCESS : describeMask(asset.type, kept),
      });
    }
  }
  return out;
}

const presentAsset = (asset: AssetEntry): ImpactAsset => ({ id: asset.id, name: asset.name, type: asset.type });

/** Answers `change` for an admin of `businessId` (or, for a person's own app connection, that person). */
export function accessImpact(engine: AccessEngine, ctx: RequestContext, businessId: string, change: AccessChange): AccessImpact {
  const index = engine.index;
  const subject = subjectOf(ctx);
  const ownGrant = change.kind === "grant" && subject !== null && index.getGrant(change.grantId)?.principalId === subject.principalId && businessId === subject.principalId;
  if (!ownGrant) authorizeBusinessAdmin(engine, ctx, businessId, "checking what a removal would take away");
  const asker: Asker = {
    engine,
    index,
    businessId,
    businessName: index.businesses.get(businessId) ?? businessId,
    related: (asset): asset is AssetEntry => asset !== undefined && (asset.ownerId === businessId || index.sharesOf(asset.id).some((s) => s.partnerId === businessId)),
  };
  switch (change.kind) {
    case "partner":
      return partnerImpact(asker, change);
    case "share":
    case "share_level":
      return shareImpact(asker, change);
    case "assignment":
      return assignmentImpact(asker, change);
    case "member":
      return memberImpact(asker, change);
    case "grant":
    case "app":
      return appImpact(asker, change, ownGrant);
    case "token":
      return tokenImpact(asker, change);
  }
}

/** The business whose admin asks, and what each kind of change is judged with. */
interface Asker {
  engine: AccessEngine;
  index: AccessEngine["index"];
  businessId: string;
  businessName: string;
  /** The asset is the business's own or shared with it: the only ones it may ask about. */
  related: (asset: AssetEntry | undefined) => asset is AssetEntry;
}

type ChangeOf<K extends AccessChange["kind"]> = Extract<AccessChange, { kind: K }>;

/** A change that does not concern the asking business answers as for an unknown object. */
const hidden = (id: string) => concealedNotFound(errors.notFound(`Object with ID '${id}'`, id));

const withSummary = (summary: string): AccessImpact => ({ summary, businesses: [], losses: [], apps: [], confirm_text: null });

/** Every share from the business to the partner ends; the admin confirms by typing the partner's name. */
function partnerImpact({ engine, index, businessId }: Asker, change: ChangeOf<"partner">): AccessImpact {
  const partnerName = index.businesses.get(change.partnerId);
  if (partnerName === undefined) throw hidden(change.partnerId);
  const shares = index.assetsOwnedBy(businessId).flatMap((asset) => {
    const share = index.getShare(asset.id, change.partnerId);
    return share ? [{ asset, share }] : [];
  });
  const ended = new Set(shares.map((s) => s.share.id));
  const losses = lossesOf(engine, shares.map((s) => s.asset.id), (_p, path) => (path.kind === "partner_assignment" && ended.has(path.shareId) ? 0 : path.mask));
  const assetNames = shares.map((s) => s.asset.name);
  const staff = staffPhrase(losses, true);
  return {
    summary: shares.length
      ? `${partnerName}${staff ? ` and ${staff}` : ""} lose${staff ? "" : "s"} access to ${namesPhrase(assetNames)}. Pending requests between you end too.`
      : `${partnerName} has no access to your assets now; any pending requests between you end.`,
    businesses: [{ id: change.partnerId, name: partnerName, assets: shares.map((s) => ({ ...presentAsset(s.asset), before: describeMask(s.asset.type, s.share.mask), after: NO_ACCESS })) }],
    losses,
    apps: [],
    confirm_text: partnerName,
  };
}

/** One asset's share with a partner ends, or narrows to some tasks. */
function shareImpact({ engine, index, businessId, related }: Asker, change: ChangeOf<"share" | "share_level">): AccessImpact {
  const asset = index.assets.get(change.assetId);
  if (!related(asset)) throw hidden(change.assetId);
  const share = index.getShare(asset.id, change.partnerId);
  const partnerName = index.businesses.get(change.partnerId);
  if (!share || partnerName === undefined || (asset.ownerId !== businessId && change.partnerId !== businessId)) throw hidden(change.partnerId);
  const newMask = change.kind === "share" ? 0 : taskMask(asset.type, change.tasks) & share.mask;
  const losses = lossesOf(engine, [asset.id], (_p, path) => (path.kind === "partner_assignment" && path.shareId === share.id ? path.assignmentMask & newMask : path.mask));
  const staff = staffPhrase(losses, true);
  const after = newMask === 0 ? NO_ACCESS : describeMask(asset.type, newMask);
  const lostTasks = share.mask & ~newMask;
  const summary =
    newMask === 0
      ? `${partnerName}${staff ? ` and ${staff}` : ""} lose${staff ? "" : "s"} access to ${asset.name}.`
      : lostTasks === 0
        ? `${partnerName} keeps everything it can do on ${asset.name}.`
        : `${partnerName}'s access to ${asset.name} narrows from ${describeMask(asset.type, share.mask)} to ${after}${staff ? `; ${staff} lose${losses.length === 1 ? "s" : ""} some of what they can do there` : ""}.`;
  return {
    summary,
    businesses: lostTasks === 0 ? [] : [{ id: change.partnerId, name: partnerName, assets: [{ ...presentAsset(asset), before: describeMask(asset.type, share.mask), after }] }],
    losses,
    apps: [],
    confirm_text: null,
  };
}

/** A person's or system user's assignment ends or changes; the owner may also ask about a partner's assignment under its share (it may remove that one). */
function assignmentImpact({ engine, index, businessId, businessName, related }: Asker, change: ChangeOf<"assignment">): AccessImpact {
  const asset = index.assets.get(change.assetId);
  const principal = index.principals.get(change.principalId);
  const assigner = change.byBusinessId ?? businessId;
  const partnerOfOwner = assigner !== businessId && asset?.ownerId === businessId && index.getShare(asset.id, assigner) !== undefined;
  if (!related(asset) || !principal?.roles.has(assigner) || (assigner !== businessId && !partnerOfOwner)) throw hidden(change.assetId);
  const ended = new Set(index.assignmentsOf(change.principalId, asset.id).filter((a) => a.businessId === assigner).map((a) => a.id));
  if (ended.size === 0) throw errors.invalidParameter(`${principal.name} is not assigned to ${asset.name} by ${index.businesses.get(assigner) ?? businessName}.`);
  const newMask = change.tasks === undefined ? 0 : taskMask(asset.type, change.tasks);
  const losses = lossesOf(engine, [asset.id], (principalId, path) => {
    if (principalId !== change.principalId || path.kind === "owner_admin" || !ended.has(path.assignmentId)) return path.mask;
    return path.kind === "partner_assignment" ? newMask & path.shareMask : newMask;
  });
  const loss = losses[0];
  const summary = !loss
    ? `${principal.name} keeps everything on ${asset.name} through another path.`
    : loss.after === NO_ACCESS
      ? `${principal.name} loses access to ${asset.name}.`
      : `${principal.name}'s access to ${asset.name} changes from ${loss.before} to ${loss.after}.`;
  return { ...withSummary(summary), losses };
}

/** A person or system user leaves the business (a system user is deleted): its paths through the business end, and so do its app connections. */
function memberImpact({ engine, index, businessId, businessName, related }: Asker, change: ChangeOf<"member">): AccessImpact {
  const principal = index.principals.get(change.principalId);
  if (!principal?.roles.has(businessId)) throw hidden(change.principalId);
  const losses = lossesOf(engine, index.candidateAssetsOf(change.principalId), (principalId, path) =>
    principalId === change.principalId && path.businessId === businessId ? 0 : path.mask,
  );
  const names = losses.map((l) => l.asset.name);
  const grants = [...index.allGrants()].filter((g) => g.principalId === change.principalId);
  const whatLeaves = principal.type === "system_user" ? `${principal.name} is deleted` : `${principal.name} leaves ${businessName}`;
  const summary = losses.length
    ? `${whatLeaves} and loses access to ${namesPhrase(names)}${principal.type === "system_user" ? "; every token of it stops working" : ""}.`
    : `${whatLeaves}; no asset access is lost${principal.type === "system_user" ? ", but every token of it stops working" : ""}.`;
  return {
    ...withSummary(summary),
    losses,
    apps: grants
      .map((g) => ({ id: g.appId, name: g.appName, granted_by: { id: principal.id, name: principal.name }, assets: [...g.assetIds].map((id) => index.assets.get(id)).filter(related).map(presentAsset) }))
      .filter((a) => a.assets.length > 0),
  };
}

/** One app connection ends, or an app loses every connection reaching the business's assets (a person's own connection shows all its assets). */
function appImpact({ index, related }: Asker, change: ChangeOf<"grant" | "app">, ownGrant: boolean): AccessImpact {
  const grants = [...index.allGrants()].filter((g) => (change.kind === "grant" ? g.id === change.grantId : g.appId === change.appId));
  const apps = grants
    .map((g) => ({
      id: g.appId,
      name: g.appName,
      granted_by: { id: g.principalId, name: index.principals.get(g.principalId)?.name ?? g.principalId },
      assets: [...g.assetIds]
        .map((id) => index.assets.get(id))
        .filter((a): a is AssetEntry => a !== undefined && (ownGrant || related(a)))
        .map(presentAsset),
    }))
    .filter((a) => ownGrant || a.assets.length > 0);
  const id = change.kind === "grant" ? change.grantId : change.appId;
  if (apps.length === 0) throw hidden(id);
  const people = namesPhrase(apps.map((a) => a.granted_by.name), "person");
  const summary = `${apps[0]!.name} loses access to ${namesPhrase(apps.flatMap((a) => a.assets.map((x) => x.name)))}, given by ${people}; its tokens stop working at once.`;
  return { ...withSummary(summary), apps };
}

/** One of a system user's tokens is revoked: what it reached stays reachable through its other tokens. */
function tokenImpact({ engine, index, businessId }: Asker, change: ChangeOf<"token">): AccessImpact {
  const principal = index.principals.get(change.principalId);
  if (principal?.type !== "system_user" || !principal.roles.has(businessId)) throw hidden(change.principalId);
  const reach = engine.accessibleAssets(change.principalId);
  const summary =
    `Every script and tool that uses this token of ${principal.name} stops working at once` +
    (change.otherLiveTokens > 0
      ? `; ${principal.name} keeps ${plural(change.otherLiveTokens, "other token")}${reach.length ? ` reaching ${namesPhrase(reach.map((r) => r.name))}` : ""}.`
      : `; ${principal.name} has no other live token.`);
  return withSummary(summary);
}
