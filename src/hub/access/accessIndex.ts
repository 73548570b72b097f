import { fullMask, type AssetType } from "../catalogue/assetTypes.ts";
import { ACTIONS, requiredMask, type ActionName } from "../catalogue/actions.ts";

/**
 * The in-memory picture of who can reach what. It holds only what decides access (asset owners,
 * roles, live shares, assignments, app grants) plus names for explanations, and answers a check
 * with a few map lookups and bit operations. `AccessEngine` keeps it in step with the store.
 */

export type PrincipalType = "person" | "system_user";

export interface AssetEntry {
  id: string;
  type: AssetType;
  ownerId: string;
  name: string;
}

export interface ShareEntry {
  id: string;
  assetId: string;
  partnerId: string;
  mask: number;
  /** Epoch ms after which the share no longer grants anything; null for open-ended. */
  endsAt: number | null;
}

export interface AssignmentEntry {
  id: string;
  assetId: string;
  principalId: string;
  businessId: string;
  mask: number;
}

export interface GrantEntry {
  id: string;
  appId: string;
  appName: string;
  principalId: string;
  scopes: ReadonlySet<string>;
  assetIds: ReadonlySet<string>;
  /** Businesses picked at consent: the only businesses whose own edges (people, partners, settings) the app reaches. */
  businessIds: ReadonlySet<string>;
}

export interface PrincipalEntry {
  id: string;
  type: PrincipalType;
  name: string;
  /** Business id → role (ADMIN, EMPLOYEE, …). A system user has exactly one. */
  roles: Map<string, string>;
}

/** Who is asking: a principal, optionally limited by a token's scopes and an app grant's chosen assets. */
export interface AccessSubject {
  principalId: string;
  /** Scopes of the token; undefined means unrestricted (the hub acting for the principal directly). */
  scopes?: ReadonlySet<string> | undefined;
  /** App grant the token was issued under; its chosen assets and its revocation apply. */
  grantId?: string | null | undefined;
  /** The one asset a Page access token reaches; no other asset and no business's own edges. */
  assetLimit?: string | null | undefined;
}

export type AccessPath =
  | { kind: "owner_admin"; businessId: string; mask: number }
  | { kind: "owner_assignment"; businessId: string; assignmentId: string; mask: number }
  | {
      kind: "partner_assignment";
      businessId: string;
      shareId: string;
      assignmentId: string;
      shareMask: number;
      assignmentMask: number;
      mask: number;
    };

export type PartnerPath = Extract<AccessPath, { kind: "partner_assignment" }>;

/** A partner's assignment on a shared asset: it gives the tasks both the share and the assignment allow. */
function partnerAssignmentPath(entry: AssignmentEntry, share: ShareEntry): PartnerPath {
  return {
    kind: "partner_assignment",
    businessId: entry.businessId,
    shareId: share.id,
    assignmentId: entry.id,
    shareMask: share.mask,
    assignmentMask: entry.mask,
    mask: entry.mask & share.mask,
  };
}

export class AccessIndex {
  readonly businesses = new Map<string, string>();
  readonly principals = new Map<string, PrincipalEntry>();
  readonly assets = new Map<string, AssetEntry>();
  private readonly ownedAssets = new Map<string, Set<string>>();
  private readonly admins = new Map<string, Set<string>>();
  private readonly shares = new Map<string, ShareEntry>();
  private readonly sharesByAsset = new Map<string, Map<string, ShareEntry>>();
  private readonly assignments = new Map<string, AssignmentEntry>();
  private readonly assignmentsByAsset = new Map<string, Map<string, AssignmentEntry[]>>();
  private readonly assignmentsByPrincipal = new Map<string, Set<AssignmentEntry>>();
  private readonly grants = new Map<string, GrantEntry>();
  private readonly grantsByApp = new Map<string, Map<string, GrantEntry>>();

  /** How many entries of each kind the index holds (for the operator's metrics). */
  sizes(): Record<"businesses" | "principals" | "assets" | "shares" | "assignments" | "app_grants", number> {
    return {
      businesses: this.businesses.size,
      principals: this.principals.size,
      assets: this.assets.size,
      shares: this.shares.size,
      assignments: this.assignments.size,
      app_grants: this.grants.size,
    };
  }

  // ---- changes -------------------------------------------------------------------------------

  setBusiness(id: string, name: string | null): void {
    if (name === null) this.businesses.delete(id);
    else this.businesses.set(id, name);
  }

  setPrincipal(id: string, type: PrincipalType, name: string | null): void {
    if (name === null) {
      const existing = this.principals.get(id);
      if (existing) for (const businessId of [...existing.roles.keys()]) this.setRole(id, businessId, null);
      this.principals.delete(id);
      return;
    }
    const existing = this.principals.get(id);
    if (existing) existing.name = name;
    else this.principals.set(id, { id, type, name, roles: new Map() });
  }

  /** Sets or (with null) removes a principal's role in a business. The principal must be known. */
  setRole(principalId: string, businessId: string, role: string | null): void {
    const principal = this.principals.get(principalId);
    if (!principal) return;
    const admins = this.admins.get(businessId);
    if (principal.roles.get(businessId) === "ADMIN") admins?.delete(principalId);
    if (role === null) {
      principal.roles.delete(businessId);
      return;
    }
    principal.roles.set(businessId, role);
    if (role === "ADMIN") {
      if (admins) admins.add(principalId);
      else this.admins.set(businessId, new Set([principalId]));
    }
  }

  setAsset(entry: AssetEntry): void {
    const previous = this.assets.get(entry.id);
    if (previous && previous.ownerId !== entry.ownerId) this.ownedAssets.get(previous.ownerId)?.delete(entry.id);
    this.assets.set(entry.id, entry);
    let owned = this.ownedAssets.get(entry.ownerId);
    if (!owned) this.ownedAssets.set(entry.ownerId, (owned = new Set()));
    owned.add(entry.id);
  }

  removeAsset(id: string): void {
    const previous = this.assets.get(id);
    if (!previous) return;
    this.ownedAssets.get(previous.ownerId)?.delete(id);
    this.assets.delete(id);
  }

  /** Adds or replaces a live share; only active shares belong in the index. */
  setShare(entry: ShareEntry): void {
    this.removeShare(entry.id);
    this.shares.set(entry.id, entry);
    let byPartner = this.sharesByAsset.get(entry.assetId);
    if (!byPartner) this.sharesByAsset.set(entry.assetId, (byPartner = new Map()));
    byPartner.set(entry.partnerId, entry);
  }

  removeShare(id: string): void {
    const previous = this.shares.get(id);
    if (!previous) return;
    this.shares.delete(id);
    const byPartner = this.sharesByAsset.get(previous.assetId);
    if (byPartner?.get(previous.partnerId) === previous) byPartner.delete(previous.partnerId);
    if (byPartner?.size === 0) this.sharesByAsset.delete(previous.assetId);
  }

  setAssignment(entry: AssignmentEntry): void {
    this.removeAssignment(entry.id);
    this.assignments.set(entry.id, entry);
    let byPrincipal = this.assignmentsByAsset.get(entry.assetId);
    if (!byPrincipal) this.assignmentsByAsset.set(entry.assetId, (byPrincipal = new Map()));
    const list = byPrincipal.get(entry.principalId);
    if (list) list.push(entry);
    else byPrincipal.set(entry.principalId, [entry]);
    let mine = this.assignmentsByPrincipal.get(entry.principalId);
    if (!mine) this.assignmentsByPrincipal.set(entry.principalId, (mine = new Set()));
    mine.add(entry);
  }

  removeAssignment(id: string): void {
    const previous = this.assignments.get(id);
    if (!previous) return;
    this.assignments.delete(id);
    const byPrincipal = this.assignmentsByAsset.get(previous.assetId);
    const list = byPrincipal?.get(previous.principalId);
    if (byPrincipal && list) {
      const rest = list.filter((e) => e !== previous);
      if (rest.length > 0) byPrincipal.set(previous.principalId, rest);
      else byPrincipal.delete(previous.principalId);
      if (byPrincipal.size === 0) this.assignmentsByAsset.delete(previous.assetId);
    }
    const mine = this.assignmentsByPrincipal.get(previous.principalId);
    mine?.delete(previous);
    if (mine?.size === 0) this.assignmentsByPrincipal.delete(previous.principalId);
  }

  setGrant(entry: GrantEntry | null, id: string): void {
    const previous = this.grants.get(id);
    if (previous) {
      const ofApp = this.grantsByApp.get(previous.appId);
      ofApp?.delete(id);
      if (ofApp?.size === 0) this.grantsByApp.delete(previous.appId);
    }
    if (!entry) {
      this.grants.delete(id);
      return;
    }
    this.grants.set(id, entry);
    let ofApp = this.grantsByApp.get(entry.appId);
    if (!ofApp) this.grantsByApp.set(entry.appId, (ofApp = new Map()));
    ofApp.set(id, entry);
  }

  getGrant(id: string): GrantEntry | undefined {
    return this.grants.get(id);
  }

  /** The live grants of one app. */
  grantsOfApp(appId: string): GrantEntry[] {
    return [...(this.grantsByApp.get(appId)?.values() ?? [])];
  }

  /** Every live app grant. Scans: for what-if questions (a removal's impact) only. */
  allGrants(): IterableIterator<GrantEntry> {
    return this.grants.values();
  }

  getShare(assetId: string, partnerId: string): ShareEntry | undefined {
    return this.sharesByAsset.get(assetId)?.get(partnerId);
  }

  /** The assets a business owns, in no particular order. */
  assetsOwnedBy(businessId: string): AssetEntry[] {
    const out: AssetEntry[] = [];
    for (const id of this.ownedAssets.get(businessId) ?? []) out.push(this.assets.get(id)!);
    return out;
  }

  /** Businesses with an active share to or from this business (its partners and its clients). Scans: for refusals only. */
  businessesSharingWith(businessId: string): string[] {
    const out = new Set<string>();
    for (const share of this.shares.values()) {
      if (share.partnerId === businessId) {
        const owner = this.assets.get(share.assetId)?.ownerId;
        if (owner !== undefined) out.add(owner);
      } else if (this.assets.get(share.assetId)?.ownerId === businessId) out.add(share.partnerId);
    }
    return [...out];
  }

  /** Active shares of an asset (ended-by-date ones included until the sweeper ends them; see `shareLive`). */
  sharesOf(assetId: string): ShareEntry[] {
    return [...(this.sharesByAsset.get(assetId)?.values() ?? [])];
  }

  get counts(): { assets: number; principals: number; shares: number; assignments: number; grants: number } {
    return {
      assets: this.assets.size,
      principals: this.principals.size,
      shares: this.shares.size,
      assignments: this.assignments.size,
      grants: this.grants.size,
    };
  }

  clear(): void {
    for (const map of [
      this.businesses,
      this.principals,
      this.assets,
      this.ownedAssets,
      this.admins,
      this.shares,
      this.sharesByAsset,
      this.assignments,
      this.assignmentsByAsset,
      this.assignmentsByPrincipal,
      this.grants,
      this.grantsByApp,
    ]) {
      map.clear();
    }
  }

  // ---- answers -------------------------------------------------------------------------------

  /** The tasks (as a mask) a principal holds on an asset through every path, ignoring tokens. */
  taskMask(principalId: string, assetId: string, now: number): number {
    const asset = this.assets.get(assetId);
    if (!asset) return 0;
    const roles = this.principals.get(principalId)?.roles;
    if (!roles) return 0;
    if (roles.get(asset.ownerId) === "ADMIN") return fullMask(asset.type);
    const list = this.assignmentsByAsset.get(assetId)?.get(principalId);
    if (!list) return 0;
    let mask = 0;
    for (const entry of list) {
      if (!roles.has(entry.businessId)) continue;
      if (entry.businessId === asset.ownerId) {
        mask |= entry.mask;
      } else {
        const share = this.sharesByAsset.get(assetId)?.get(entry.businessId);
        if (share && shareLive(share, now)) mask |= entry.mask & share.mask;
      }
    }
    return mask;
  }

  /** Whether `subject` may perform `action` on the asset right now. */
  check(subject: AccessSubject, action: ActionName, assetId: string, now: number): boolean {
    const asset = this.assets.get(assetId);
    if (!asset) return false;
    const needed = requiredMask(action, asset.type);
    if (needed === 0) return false;
    if (!this.tokenAllows(subject, action, assetId)) return false;
    return (this.taskMask(subject.principalId, assetId, now) & needed) === needed;
  }

  /** Token limits only: scopes and, for app grants, the chosen assets and the grant still standing. */
  tokenAllows(subject: AccessSubject, action: ActionName, assetId: string): boolean {
    if (!this.tokenReaches(subject, assetId)) return false;
    if (subject.scopes) {
      const scopes = subject.scopes;
      if (!ACTIONS[action].scopes.some((scope) => scopes.has(scope))) return false;
    }
    return true;
  }

  /** Which assets a token reaches at all: an app grant's chosen assets (while it stands), a Page token's one Page. */
  tokenReaches(subject: AccessSubject, assetId: string): boolean {
    if (subject.assetLimit && subject.assetLimit !== assetId) return false;
    if (subject.grantId) {
      const grant = this.grants.get(subject.grantId);
      if (!grant || grant.principalId !== subject.principalId || !grant.assetIds.has(assetId)) return false;
    }
    return true;
  }

  /** Token limits on a business's own edges: an app grant reaches only the businesses picked at consent. */
  tokenAllowsBusiness(subject: AccessSubject, businessId: string): boolean {
    if (subject.assetLimit) return false;
    if (!subject.grantId) return true;
    const grant = this.grants.get(subject.grantId);
    return grant !== undefined && grant.principalId === subject.principalId && grant.businessIds.has(businessId);
  }

  /** Every path by which a principal reaches an asset, each with the tasks it contributes. */
  paths(principalId: string, assetId: string, now: number): AccessPath[] {
    const asset = this.assets.get(assetId);
    const roles = this.principals.get(principalId)?.roles;
    if (!asset || !roles) return [];
    const out: AccessPath[] = [];
    if (roles.get(asset.ownerId) === "ADMIN") {
      out.push({ kind: "owner_admin", businessId: asset.ownerId, mask: fullMask(asset.type) });
    }
    // The owner's paths first, then the partners' by business: the same order whether the index was
    // built from the store or kept up to date change by change (assignments arrive in another order).
    const partners: AccessPath[] = [];
    for (const entry of this.assignmentsByAsset.get(assetId)?.get(principalId) ?? []) {
      if (!roles.has(entry.businessId)) continue;
      if (entry.businessId === asset.ownerId) {
        out.push({ kind: "owner_assignment", businessId: entry.businessId, assignmentId: entry.id, mask: entry.mask });
        continue;
      }
      const share = this.sharesByAsset.get(assetId)?.get(entry.businessId);
      if (!share || !shareLive(share, now)) continue;
      partners.push(partnerAssignmentPath(entry, share));
    }
    partners.sort((a, b) => (a.businessId < b.businessId ? -1 : a.businessId > b.businessId ? 1 : 0));
    return [...out, ...partners].filter((p) => p.mask !== 0);
  }

  /** Every principal that reaches the asset now, with its combined task mask and paths. */
  whoCanAccess(assetId: string, now: number): { principalId: string; mask: number; paths: AccessPath[] }[] {
    const out: { principalId: string; mask: number; paths: AccessPath[] }[] = [];
    for (const principalId of this.candidatesFor(assetId)) {
      const paths = this.paths(principalId, assetId, now);
      if (paths.length === 0) continue;
      out.push({ principalId, mask: paths.reduce((m, p) => m | p.mask, 0), paths });
    }
    return out.sort((a, b) => (a.principalId < b.principalId ? -1 : a.principalId > b.principalId ? 1 : 0));
  }

  /**
   * The partner paths into an asset now: each assignment a partner business made on it through a
   * live share, in principal id order as `whoCanAccess` lists them, without building every other
   * path of every principal (an access review reads these for every asset of a business).
   */
  partnerPaths(assetId: string, now: number): { principalId: string; path: PartnerPath }[] {
    const asset = this.assets.get(assetId);
    const byPrincipal = this.assignmentsByAsset.get(assetId);
    if (!asset || !byPrincipal) return [];
    const shares = this.sharesByAsset.get(assetId);
    const out: { principalId: string; path: PartnerPath }[] = [];
    for (const [principalId, list] of byPrincipal) {
      const roles = this.principals.get(principalId)?.roles;
      if (!roles) continue;
      for (const entry of list) {
        if (entry.businessId === asset.ownerId || !roles.has(entry.businessId)) continue;
        const share = shares?.get(entry.businessId);
        if (!share || !shareLive(share, now) || (entry.mask & share.mask) === 0) continue;
        out.push({ principalId, path: partnerAssignmentPath(entry, share) });
      }
    }
    // By principal, then by partner business, as `whoCanAccess` lists them.
    const byId = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
    return out.sort((a, b) => byId(a.principalId, b.principalId) || byId(a.path.businessId, b.path.businessId));
  }

  /** Every asset the principal reaches now (optionally of one type), with its task mask. */
  accessibleAssets(principalId: string, now: number, type?: AssetType): { assetId: string; mask: number }[] {
    const out: { assetId: string; mask: number }[] = [];
    for (const assetId of this.candidateAssetsOf(principalId)) {
      const asset = this.assets.get(assetId);
      if (!asset || (type && asset.type !== type)) continue;
      const mask = this.taskMask(principalId, assetId, now);
      if (mask !== 0) out.push({ assetId, mask });
    }
    return out.sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0));
  }

  /** Assignments a principal holds on an asset, whether or not they grant anything now. */
  assignmentsOf(principalId: string, assetId: string): readonly AssignmentEntry[] {
    return this.assignmentsByAsset.get(assetId)?.get(principalId) ?? [];
  }

  /** Principals that might reach the asset: owner admins and everyone assigned to it. */
  candidatesFor(assetId: string): Set<string> {
    const asset = this.assets.get(assetId);
    const out = new Set<string>();
    if (!asset) return out;
    for (const id of this.admins.get(asset.ownerId) ?? []) out.add(id);
    for (const id of this.assignmentsByAsset.get(assetId)?.keys() ?? []) out.add(id);
    return out;
  }

  /** Assets a principal might reach: those owned by businesses it administers and those it is assigned to. */
  candidateAssetsOf(principalId: string): Set<string> {
    const out = new Set<string>();
    const principal = this.principals.get(principalId);
    if (!principal) return out;
    for (const [businessId, role] of principal.roles) {
      if (role !== "ADMIN") continue;
      for (const assetId of this.ownedAssets.get(businessId) ?? []) out.add(assetId);
    }
    for (const entry of this.assignmentsByPrincipal.get(principalId) ?? []) out.add(entry.assetId);
    return out;
  }

  adminsOf(businessId: string): ReadonlySet<string> {
    return this.admins.get(businessId) ?? new Set();
  }
}

export function shareLive(share: ShareEntry, now: number): boolean {
  return share.endsAt === null || now < share.endsAt;
}
